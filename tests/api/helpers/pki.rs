//! Certificates made for the tests: a device CA the service trusts, a foreign one it does not,
//! per-phone certificates (the MAC in the CN or only in a SAN, expired, not yet valid,
//! numbered for revocation lists), revocation lists, and clients that present them.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use time::OffsetDateTime;

/// A certificate authority made for the test.
pub struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// A phone's certificate and key, PEM.
pub struct PhoneCert {
    pub cert: String,
    pub key: String,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        TestCa { cert, key }
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A phone certificate valid from `from_days` to `to_days` around now.
    pub fn issue_between(
        &self,
        cn: Option<&str>,
        dns_sans: &[&str],
        from_days: i64,
        to_days: i64,
    ) -> PhoneCert {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        if let Some(cn) = cn {
            params.distinguished_name.push(DnType::CommonName, cn);
        }
        params.subject_alt_names = dns_sans
            .iter()
            .map(|s| SanType::DnsName((*s).try_into().unwrap()))
            .collect();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let now = OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(from_days);
        params.not_after = now + time::Duration::days(to_days);
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        PhoneCert {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }

    /// A phone certificate valid now, for a year.
    pub fn issue(&self, cn: Option<&str>, dns_sans: &[&str]) -> PhoneCert {
        self.issue_between(cn, dns_sans, -1, 365)
    }

    /// A phone certificate for `mac` (in the CN) with serial number `serial`.
    pub fn issue_numbered(&self, mac: &str, serial: u64) -> PhoneCert {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, mac);
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        PhoneCert {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }

    /// A revocation list issued `age_hours` ago, listing `serials`, DER.
    pub fn crl(&self, number: u64, age_hours: i64, serials: &[u64]) -> Vec<u8> {
        let now = OffsetDateTime::now_utc();
        let issued = now - time::Duration::hours(age_hours);
        rcgen::CertificateRevocationListParams {
            this_update: issued,
            next_update: issued + time::Duration::days(7),
            crl_number: rcgen::SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|&serial| rcgen::RevokedCertParams {
                    serial_number: rcgen::SerialNumber::from(serial),
                    revocation_time: issued,
                    reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        }
        .signed_by(&self.cert, &self.key)
        .unwrap()
        .der()
        .to_vec()
    }
}

/// `der` as a PEM `X509 CRL` block.
pub fn pem_crl(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    format!(
        "-----BEGIN X509 CRL-----\n{}\n-----END X509 CRL-----\n",
        lines.join("\n")
    )
}

/// A client that trusts the service's generated certificate (`tls/server.crt` in
/// `data_dir`) and presents `cert`, if any (none: a browser, or a phone without one).
pub fn phone_client(data_dir: &Path, cert: Option<&PhoneCert>) -> reqwest::Client {
    let server = std::fs::read(data_dir.join("tls/server.crt")).expect("generated server cert");
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&server).unwrap());
    if let Some(c) = cert {
        let pem = format!("{}{}", c.cert, c.key);
        builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
    }
    builder.build().unwrap()
}

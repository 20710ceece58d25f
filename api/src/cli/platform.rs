//! The platform-wide operator commands: the firmware catalog and the device CAs and their
//! revocation lists, which belong to no account.

use super::*;

pub(super) async fn firmware(settings: &Settings, command: FirmwareCommand) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    match command {
        FirmwareCommand::Import { dirs } => {
            let store = BlobStore::new(&settings.data_dir);
            for dir in release_dirs(&dirs)? {
                match firmware::import(&db, &store, &OperatorActor::cli(), &dir).await? {
                    Imported::Added { version, images } => {
                        println!("Imported firmware {version} ({images} images).");
                    }
                    Imported::AlreadyImported { version } => {
                        println!("Firmware {version} is already imported; nothing changed.");
                    }
                }
            }
        }
        FirmwareCommand::List => {
            println!(
                "{:<12}  {:<16}  {:<10}  MODELS",
                "VENDOR", "VERSION", "RELEASED"
            );
            for release in firmware::list(&db, None).await? {
                let models: Vec<String> = release
                    .images
                    .iter()
                    .map(|i| format!("{} ({} bytes)", i.model, i.size))
                    .collect();
                println!(
                    "{:<12}  {:<16}  {:<10}  {}",
                    release.vendor,
                    release.version,
                    release.released,
                    models.join(", ")
                );
            }
        }
        FirmwareCommand::Remove { version } => {
            firmware::remove(&db, &OperatorActor::cli(), version.trim()).await?;
            println!("Removed firmware {}.", version.trim());
        }
    }
    Ok(())
}

pub(super) async fn device_ca(settings: &Settings, command: DeviceCaCommand) -> anyhow::Result<()> {
    match command {
        DeviceCaCommand::Issue { mac, out, days } => {
            let mac = crate::domain::Mac::parse(&mac).map_err(anyhow::Error::msg)?;
            let (cert, key) = crate::tls::issue_phone_cert(
                &settings.data_dir,
                mac.as_str(),
                days.clamp(1, 3650),
            )?;
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let cert_path = out.join(format!("{mac}.crt"));
            let key_path = out.join(format!("{mac}.key"));
            std::fs::write(&cert_path, cert)
                .with_context(|| format!("cannot write {}", cert_path.display()))?;
            {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&key_path)
                    .with_context(|| format!("cannot write {}", key_path.display()))?;
                f.write_all(key.as_bytes())?;
            }
            println!("Wrote {} and {}.", cert_path.display(), key_path.display());
        }
        DeviceCaCommand::Add { file } => {
            let db = connect(settings).await?;
            let pem = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let (added, existing) = device_trust::add_cas(
                &db,
                &OperatorActor::cli(),
                &pem,
                &file.display().to_string(),
            )
            .await?;
            for ca in &added {
                println!("Trusting {} (sha256 {}).", ca.subject, ca.sha256);
            }
            if existing > 0 {
                println!("{existing} certificate(s) already trusted; unchanged.");
            }
            println!("Running nodes pick the change up within seconds.");
        }
        DeviceCaCommand::List => {
            let db = connect(settings).await?;
            println!("{:>4}  {:<20}  {:<16}  SUBJECT", "ID", "EXPIRES", "SHA256");
            for ca in device_trust::list_cas(&db).await? {
                println!(
                    "{:>4}  {:<20}  {:<16}  {}",
                    ca.id,
                    crate::db::rfc3339(ca.not_after),
                    &ca.sha256[..16.min(ca.sha256.len())],
                    ca.subject
                );
            }
        }
        DeviceCaCommand::Remove { id } => {
            let db = connect(settings).await?;
            device_trust::remove_ca(&db, &OperatorActor::cli(), id).await?;
            println!("Removed device CA {id}; running nodes stop trusting it within seconds.");
        }
    }
    Ok(())
}

pub(super) async fn device_crl(
    settings: &Settings,
    command: DeviceCrlCommand,
) -> anyhow::Result<()> {
    use crate::db::device_crls::Stored;
    let db = connect(settings).await?;
    match command {
        DeviceCrlCommand::Add { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let what = file.display().to_string();
            let configured = settings.device_ca.as_deref();
            let (crl, stored) =
                device_trust::add_crl(&db, &OperatorActor::cli(), &bytes, &what, configured)
                    .await?;
            match stored {
                Stored::Added => println!(
                    "Using the revocation list of {} ({} revoked).",
                    crl.issuer, crl.revoked
                ),
                Stored::Replaced => println!(
                    "Replaced the revocation list of {} ({} revoked).",
                    crl.issuer, crl.revoked
                ),
                Stored::Unchanged => {
                    println!("This revocation list is in use already; unchanged.")
                }
                Stored::Older => anyhow::bail!(
                    "{}: older than the revocation list of {} in use; unchanged",
                    file.display(),
                    crl.issuer
                ),
            }
            println!("Running nodes pick the change up within seconds.");
        }
        DeviceCrlCommand::List => {
            println!(
                "{:>4}  {:<20}  {:<20}  {:>7}  ISSUER",
                "ID", "UPDATED", "NEXT UPDATE", "REVOKED"
            );
            for crl in device_trust::list_crls(&db).await? {
                println!(
                    "{:>4}  {:<20}  {:<20}  {:>7}  {}",
                    crl.id,
                    crate::db::rfc3339(crl.this_update),
                    crl.next_update.map(crate::db::rfc3339).unwrap_or_default(),
                    crl.revoked,
                    crl.issuer
                );
            }
        }
        DeviceCrlCommand::Remove { id } => {
            device_trust::remove_crl(&db, &OperatorActor::cli(), id).await?;
            println!("Removed revocation list {id}; running nodes follow within seconds.");
        }
    }
    Ok(())
}

/// The release folders named by `dirs`: each one holding a manifest.toml, or the subfolders
/// (in name order) of a catalog folder that holds none itself.
fn release_dirs(dirs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut releases = Vec::new();
    for dir in dirs {
        if dir.join("manifest.toml").is_file() {
            releases.push(dir.clone());
            continue;
        }
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("manifest.toml").is_file())
            .collect();
        if found.is_empty() {
            anyhow::bail!(
                "{} holds no manifest.toml and no release folders",
                dir.display()
            );
        }
        found.sort();
        releases.extend(found);
    }
    Ok(releases)
}

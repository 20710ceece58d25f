//! Configuration server names and URLs.
//!
//! Both are parsed once at the API boundary; a [`ServerName`] or [`ServerUrl`] that exists is
//! valid, so the storage layer never sees anything a phone could not use. The errors are
//! 422s whose message names the field the way the web form labels it.

use std::fmt;

use crate::error::Error;

/// Longest server name, in characters.
pub const MAX_NAME_CHARS: usize = 20;
/// Longest server URL, in characters: what phones accept as a configuration server address.
pub const MAX_URL_CHARS: usize = 255;
/// The schemes phones can fetch their configuration over.
pub const SCHEMES: [&str; 4] = ["https", "http", "ftp", "tftp"];

/// A server name: trimmed, 1 to 20 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerName(String);

impl ServerName {
    pub fn parse(input: &str) -> Result<ServerName, Error> {
        let name = input.trim();
        let len = name.chars().count();
        if len == 0 || len > MAX_NAME_CHARS {
            return Err(Error::unprocessable(
                "invalid_server_name",
                format!("Server Name must be 1 to {MAX_NAME_CHARS} characters."),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::unprocessable(
                "invalid_server_name",
                "Server Name must not contain control characters.",
            ));
        }
        Ok(ServerName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An absolute URL `scheme://[user@]host[:port][/path][?query]` with one of [`SCHEMES`], a
/// host, and at most 255 characters. Parsed by hand: the rules phones impose are narrower than
/// a general URL parser's and the `url` crate is not a dependency. The scheme is stored
/// lower-case; the rest is kept exactly as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl(String);

impl ServerUrl {
    pub fn parse(input: &str) -> Result<ServerUrl, Error> {
        let url = input.trim();
        let invalid =
            |why: &str| Error::unprocessable("invalid_server_url", format!("Server URL {why}"));
        if url.chars().count() > MAX_URL_CHARS {
            return Err(invalid(&format!(
                "must be at most {MAX_URL_CHARS} characters."
            )));
        }
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("must not contain spaces or control characters."));
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(invalid(
                "must be an absolute URL such as https://host/path.",
            ));
        };
        let scheme = scheme.to_ascii_lowercase();
        if !SCHEMES.contains(&scheme.as_str()) {
            return Err(invalid(
                "must start with https://, http://, ftp:// or tftp://.",
            ));
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if !valid_host_and_port(host_port) {
            return Err(invalid(
                "must name a host (and a port from 1 to 65535, if any).",
            ));
        }
        Ok(ServerUrl(format!("{scheme}://{rest}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` with a non-empty host of DNS or IP characters.
fn valid_host_and_port(s: &str) -> bool {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return false;
        };
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return false,
            },
        };
        let ok = !addr.is_empty()
            && addr
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        (ok.then_some(addr), port)
    } else {
        let (host, port) = match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        };
        let ok = !host.is_empty()
            && !host.starts_with(['.', '-'])
            && !host.contains("..")
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_'));
        (ok.then_some(host), port)
    };
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.chars().all(|c| c.is_ascii_digit())
            && matches!(p.parse::<u32>(), Ok(1..=65535))
    });
    host.is_some() && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_limited_to_twenty_characters() {
        assert_eq!(
            ServerName::parse("  Main PBX ").unwrap().as_str(),
            "Main PBX"
        );
        assert!(ServerName::parse(&"é".repeat(20)).is_ok());
        assert!(ServerName::parse(&"x".repeat(21)).is_err());
        assert!(ServerName::parse("   ").is_err());
        assert!(ServerName::parse("a\tb").is_err());
    }

    #[test]
    fn urls_need_a_known_scheme_and_a_host() {
        for good in [
            "https://pbx.example.com",
            "HTTP://pbx.example.com:8080/cfg/",
            "ftp://user:pw@files.example.com/phones",
            "tftp://10.0.0.1/",
            "https://[2001:db8::1]:443/x?y=1",
            "https://pbx",
        ] {
            assert!(ServerUrl::parse(good).is_ok(), "{good} refused");
        }
        assert_eq!(
            ServerUrl::parse("HTTPS://Pbx.example.com/A")
                .unwrap()
                .as_str(),
            "https://Pbx.example.com/A"
        );
        for bad in [
            "",
            "pbx.example.com",
            "file:///etc/passwd",
            "sftp://host/",
            "https://",
            "https:///path",
            "https://:8080/",
            "https://host:0/",
            "https://host:65536/",
            "https://host:/",
            "https://ho st/",
            "https://[::1/",
            "https://user@/",
            "javascript://alert(1)",
        ] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn urls_are_limited_to_255_characters() {
        let prefix = "https://h.example/";
        let fits = format!("{prefix}{}", "a".repeat(MAX_URL_CHARS - prefix.len()));
        assert!(ServerUrl::parse(&fits).is_ok());
        assert!(ServerUrl::parse(&format!("{fits}a")).is_err());
    }
}

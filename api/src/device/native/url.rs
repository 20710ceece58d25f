//! The pieces of a configuration server's URL, as the phones' settings take them apart
//! (Aastra's `https server` / `https path` / `https port`, Grandstream's `P237`, Poly's
//! `device.prov.serverName`), and the escaping every syntax needs.

/// The pieces of a stored server URL (already validated by `ServerUrl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    /// Lower-case: `https`, `http`, `ftp`, `tftp`.
    pub scheme: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// An IPv6 literal keeps its brackets.
    pub host: String,
    pub port: Option<u16>,
    /// Without the leading slash, as the phones expect; the query, if any, stays on it.
    pub path: String,
}

impl UrlParts {
    pub fn of(url: &str) -> UrlParts {
        let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = match hostport.rfind(':') {
            Some(i) if !hostport[i..].contains(']') => {
                (&hostport[..i], hostport[i + 1..].parse::<u16>().ok())
            }
            _ => (hostport, None),
        };
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(line_safe(u)), Some(line_safe(p))),
                None => (Some(line_safe(info)), None),
            },
            None => (None, None),
        };
        UrlParts {
            scheme: scheme.to_ascii_lowercase(),
            user,
            password,
            host: line_safe(host),
            port,
            path: line_safe(path.strip_prefix('/').unwrap_or(path)),
        }
    }

    /// `host[:port]/path`: the "server" form Poly and Grandstream take (no scheme, which is
    /// a setting of its own there).
    pub fn host_and_path(&self) -> String {
        let mut out = self.host.clone();
        if let Some(port) = self.port {
            out.push_str(&format!(":{port}"));
        }
        if !self.path.is_empty() {
            out.push('/');
            out.push_str(&self.path);
        }
        out
    }
}

/// A value for a line-based syntax (`key: value`, `key = value`): a quote or line break
/// could end the value and start a new key, so they are dropped (validated URLs and names
/// never contain line breaks; quotes are dropped for the syntaxes that quote).
pub fn line_safe(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '"' | '\n' | '\r') && !c.is_control())
        .collect()
}

/// Escapes text for XML element content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text for an XML comment, which may not contain `--` nor end with `-` (names and file
/// names are the staff's text).
pub fn xml_comment(text: &str) -> String {
    let mut out: String = text.chars().filter(|c| !c.is_control()).collect();
    while out.contains("--") {
        out = out.replace("--", "- -");
    }
    if out.ends_with('-') {
        out.push(' ');
    }
    out
}

/// Percent-encodes a file name for use as one URL path segment (Yealink's image names carry
/// parentheses and commas; branding files may carry spaces).
pub fn encode_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_come_apart_as_the_phones_take_them() {
        let p = UrlParts::of("https://pbx.example.net:8443/cfg/a?x=1");
        assert_eq!(p.scheme, "https");
        assert_eq!(p.host, "pbx.example.net");
        assert_eq!(p.port, Some(8443));
        assert_eq!(p.path, "cfg/a?x=1");
        assert_eq!(p.host_and_path(), "pbx.example.net:8443/cfg/a?x=1");

        let p = UrlParts::of("ftp://bob:secret@[2001:db8::1]/prov");
        assert_eq!(p.host, "[2001:db8::1]");
        assert_eq!(p.port, None);
        assert_eq!(
            (p.user.as_deref(), p.password.as_deref()),
            (Some("bob"), Some("secret"))
        );
        assert_eq!(p.path, "prov");
        assert_eq!(UrlParts::of("http://h").path, "");
    }

    #[test]
    fn values_cannot_start_a_new_line_or_element() {
        assert_eq!(line_safe("a\r\nb: c\"d"), "ab: cd");
        assert_eq!(
            xml_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(
            encode_segment("T46S(T48S,T42S).rom"),
            "T46S%28T48S%2CT42S%29.rom"
        );
        assert_eq!(encode_segment("logo 1.png"), "logo%201.png");
    }
}

//! Branding values parsed at the API boundary: names, file names, and what a file's bytes
//! must be.
//!
//! A [`FileName`] is one safe path segment, so a name can never climb out of a folder when
//! the device route later lays the files out for a phone. Image names are checked against
//! their bytes ([`content_type_for`]), because a phone fed a "logo.png" that is not a PNG
//! shows garbage or nothing, and a browser fed HTML under an image name could run it.

use crate::error::Error;

/// Longest branding name, in characters.
pub const MAX_NAME_CHARS: usize = 40;
/// Longest file name, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 100;

/// A branding name: trimmed, 1 to 40 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandingName(String);

impl BrandingName {
    pub fn parse(input: &str) -> Result<BrandingName, Error> {
        let name = input.trim();
        let len = name.chars().count();
        if len == 0 || len > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(Error::unprocessable(
                "invalid_branding_name",
                format!(
                    "Branding Name must be 1 to {MAX_NAME_CHARS} characters without control characters."
                ),
            ));
        }
        Ok(BrandingName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A file name: 1 to 100 characters, not `.` or `..`, no `/` or `\`, no control characters.
/// Not trimmed: what is stored is exactly what the phone will ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    pub fn parse(input: &str) -> Result<FileName, Error> {
        let len = input.chars().count();
        let unsafe_segment = matches!(input, "." | "..")
            || input.contains(['/', '\\'])
            || input.chars().any(char::is_control);
        if len == 0 || len > MAX_FILE_NAME_CHARS || unsafe_segment {
            return Err(Error::unprocessable(
                "invalid_file_name",
                format!(
                    "A file name must be 1 to {MAX_FILE_NAME_CHARS} characters, not \".\" or \"..\", \
                     without slashes or control characters."
                ),
            ));
        }
        Ok(FileName(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The image format the name promises, by its extension (case-insensitive).
    pub fn image_kind(&self) -> Option<ImageKind> {
        let ext = self.0.rsplit_once('.')?.1.to_ascii_lowercase();
        ImageKind::ALL
            .into_iter()
            .find(|k| k.extensions().contains(&ext.as_str()))
    }
}

/// The image formats whose bytes are checked: what desk phones display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Gif,
    Bmp,
}

impl ImageKind {
    const ALL: [ImageKind; 4] = [
        ImageKind::Png,
        ImageKind::Jpeg,
        ImageKind::Gif,
        ImageKind::Bmp,
    ];

    fn extensions(self) -> &'static [&'static str] {
        match self {
            ImageKind::Png => &["png"],
            ImageKind::Jpeg => &["jpg", "jpeg"],
            ImageKind::Gif => &["gif"],
            ImageKind::Bmp => &["bmp"],
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Bmp => "image/bmp",
        }
    }

    /// True when `bytes` start with this format's signature.
    pub fn matches(self, bytes: &[u8]) -> bool {
        match self {
            ImageKind::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            ImageKind::Jpeg => bytes.starts_with(b"\xff\xd8\xff"),
            ImageKind::Gif => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
            ImageKind::Bmp => bytes.starts_with(b"BM"),
        }
    }
}

/// The content type to store for `bytes` uploaded as `name` with the request's `declared`
/// Content-Type (absent, or multipart, when the client said nothing useful).
///
/// Images are always stored as their format's type: a declared type that contradicts the
/// name, or bytes without the format's signature, are 422 `content_mismatch`. Other files keep
/// the declared type (they are always served as attachments), else one guessed from the
/// extension, else `application/octet-stream`.
pub fn content_type_for(
    name: &FileName,
    declared: Option<&str>,
    bytes: &[u8],
) -> Result<String, Error> {
    let declared = declared
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty() && !d.starts_with("multipart/"));
    if let Some(kind) = name.image_kind() {
        let declared_ok = declared.as_deref().is_none_or(|d| {
            let essence = d.split(';').next().unwrap_or("").trim();
            essence == kind.mime() || essence == "application/octet-stream"
        });
        if !declared_ok || !kind.matches(bytes) {
            return Err(Error::unprocessable(
                "content_mismatch",
                format!("\"{}\" is not a {} image.", name.as_str(), kind.mime()),
            ));
        }
        return Ok(kind.mime().to_string());
    }
    if let Some(d) = declared {
        if d.len() <= 100
            && d.contains('/')
            && d.is_ascii()
            && !d.chars().any(|c| c.is_ascii_control())
        {
            return Ok(d);
        }
        return Err(Error::unprocessable(
            "invalid_content_type",
            "The Content-Type header is not a media type.",
        ));
    }
    let ext = name
        .as_str()
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    Ok(match ext.as_deref() {
        Some("txt" | "cfg" | "conf" | "ini") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
    .to_string())
}

/// `8 MiB`, `512 KiB` or `100 bytes`: the largest whole unit that states `bytes` exactly.
/// How every upload limit (CSV files, branding files, a branding's total) is worded.
pub fn human_size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_single_safe_segments() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "../x",
            "a\\b",
            "a\nb",
            "a\u{7f}b",
            &"x".repeat(101),
        ] {
            assert!(FileName::parse(bad).is_err(), "{bad:?} accepted");
        }
        for good in [
            "logo.png",
            "..hidden",
            "a..b",
            "brand settings.txt",
            &"é".repeat(100),
        ] {
            assert!(FileName::parse(good).is_ok(), "{good:?} refused");
        }
    }

    #[test]
    fn image_names_must_carry_their_formats_signature_and_type() {
        let png = FileName::parse("Logo.PNG").unwrap();
        let bytes = b"\x89PNG\r\n\x1a\nrest";
        assert_eq!(content_type_for(&png, None, bytes).unwrap(), "image/png");
        assert!(content_type_for(&png, Some("text/html"), bytes).is_err());
        assert!(content_type_for(&png, None, b"GIF89a").is_err());
        let txt = FileName::parse("brand.txt").unwrap();
        assert_eq!(
            content_type_for(&txt, None, b"x").unwrap(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            content_type_for(&txt, Some("Text/CSV"), b"x").unwrap(),
            "text/csv"
        );
    }
}

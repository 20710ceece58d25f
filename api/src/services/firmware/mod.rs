//! The firmware catalog: importing a vendor release from a folder, listing, removing.
//!
//! A release folder holds `manifest.toml` and one image per phone model, under the vendor's
//! native file name (layout in `firmware/README.md`). Every release belongs to one vendor, so
//! the phone services can refuse to pin a Yealink image to an Aastra phone. An import is all or nothing: the manifest is parsed, every image is
//! read and checked against its listed size and SHA-256, and only then are the images put in
//! the blob store and the rows written in one transaction. A bad manifest therefore stores
//! nothing in the database; blobs already written are harmless (content-addressed, and
//! identical bytes would land on the same path anyway). Re-importing an identical manifest
//! succeeds without changes, so an operator's script can run it again; a different manifest
//! under an existing version is refused rather than silently replacing what phones run.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::db::firmware::{self as queries, ImageRow, ReleaseRow};
use crate::db::operator_audit::OperatorEntry;
use crate::db::{now, rfc3339, Db};
use crate::domain::firmware::{compare, FirmwareRelease, MIN_RELEASE};
use crate::domain::Vendor;
use crate::error::{Error, Result, ResultExt};
use crate::services::operators::OperatorActor;
use crate::storage::{sha256_hex, BlobStore};

/// The manifest's file name inside a release folder.
pub const MANIFEST: &str = "manifest.toml";
/// Largest image accepted (vendor images are a few MiB).
pub const MAX_IMAGE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// Absent in catalogs written before vendors existed, which were all Aastra's.
    #[serde(default)]
    vendor: Option<String>,
    version: String,
    /// `YYYY-MM-DD` (a TOML date is turned into this text first).
    released: String,
    #[serde(default)]
    notes: String,
    images: Vec<ManifestImage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestImage {
    model: String,
    file: String,
    size: u64,
    sha256: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// The release is new in the catalog.
    Added { version: String, images: usize },
    /// The identical release was already there; nothing changed.
    AlreadyImported { version: String },
}

fn invalid(message: impl Into<String>) -> Error {
    Error::unprocessable("invalid_firmware_manifest", message)
}

/// A checked manifest: the release row (without `created_at`) and its images by model.
struct Checked {
    release: ReleaseRow,
    images: Vec<ImageRow>,
    files: Vec<PathBuf>,
}

/// A manifest whose every field is checked; its images are not read yet.
#[derive(Debug)]
pub struct ParsedManifest {
    /// Whose phones the release is for.
    pub vendor: Vendor,
    /// The canonical release number.
    pub version: String,
    /// Unix seconds of the release day.
    pub released: i64,
    pub notes: String,
    images: Vec<ManifestImage>,
}

impl ParsedManifest {
    /// The phone models the release has an image for, in manifest order.
    pub fn models(&self) -> impl Iterator<Item = &str> {
        self.images.iter().map(|i| i.model.as_str())
    }

    /// The image file names, each a bare name inside the release folder.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.images.iter().map(|i| i.file.as_str())
    }
}

/// Parses and checks a manifest's text (`source` names it in messages): TOML shape, vendor,
/// release number, date, and every image's model and native file name, each model once. Pure,
/// so it is fuzzed (`api/fuzz`).
pub fn parse_manifest(text: &str, source: &str) -> Result<ParsedManifest> {
    let not_valid = |e: toml::de::Error| invalid(format!("{source} is not a valid manifest: {e}"));
    let mut table: toml::Table = text.parse().map_err(not_valid)?;
    // Authors write the date quoted or as a bare TOML date; both mean the same day.
    if let Some(toml::Value::Datetime(date)) = table.get("released") {
        let text = date.to_string();
        table.insert("released".into(), toml::Value::String(text));
    }
    let manifest: Manifest = table.try_into().map_err(not_valid)?;
    let vendor = match &manifest.vendor {
        None => Vendor::Aastra,
        Some(name) => Vendor::parse(name).map_err(|e| invalid(format!("{source}: vendor {e}")))?,
    };
    let version = FirmwareRelease::parse(&manifest.version).map_err(invalid)?;
    // The floor is the original product's, measured on Aastra phones; other vendors number
    // their releases their own way (Grandstream's current ones are 1.0.x).
    if vendor == Vendor::Aastra && !version.is_supported() {
        return Err(Error::unprocessable(
            "firmware_too_old",
            format!(
                "Firmware {} is older than {MIN_RELEASE}, the oldest release rcs accepts for {} phones.",
                version.as_str(),
                vendor.label()
            ),
        ));
    }
    let released = parse_date(&manifest.released)?;
    if manifest.images.is_empty() {
        return Err(invalid("The manifest lists no images ([[images]])."));
    }
    let mut models = HashSet::new();
    for (i, image) in manifest.images.iter().enumerate() {
        check_names(vendor, image)?;
        if !models.insert(image.model.as_str()) {
            return Err(invalid(format!(
                "Model {} is listed twice; a release has one image per model.",
                image.model
            )));
        }
        check_shared_file(image, &manifest.images[..i])?;
    }
    Ok(ParsedManifest {
        vendor,
        version: version.into_string(),
        released,
        notes: manifest.notes.trim().to_string(),
        images: manifest.images,
    })
}

/// The endings of a vendor's image files, lower case: what its phones download.
pub fn image_extensions(vendor: Vendor) -> &'static [&'static str] {
    match vendor {
        Vendor::Aastra => &[".st"],
        Vendor::Yealink => &[".rom"],
        Vendor::Snom => &[".bin", ".swu"],
        Vendor::Polycom => &[".ld"],
        Vendor::Grandstream => &[".bin"],
    }
}

/// Vendors ship one image for several models (Yealink's `T46S(T48S,T42S,T41S)-….rom`), so
/// models may share a file; but one file is one image, so every listing of it must agree.
fn check_shared_file(image: &ManifestImage, earlier: &[ManifestImage]) -> Result<()> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    match earlier.iter().find(|e| e.file == image.file) {
        Some(first) if first.size != image.size || !same(&first.sha256, &image.sha256) => {
            Err(invalid(format!(
                "{} is listed for models {} and {} with different sizes or SHA-256s; \
                 models that share a file share its one image.",
                image.file, first.model, image.model
            )))
        }
        _ => Ok(()),
    }
}

/// Reads and checks `dir/manifest.toml` and the images it lists (sizes and hashes).
fn check(dir: &Path) -> Result<Checked> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| invalid(format!("Cannot read {}: {e}.", path.display())))?;
    let manifest = parse_manifest(&text, &path.display().to_string())?;
    let mut images = Vec::new();
    let mut files = Vec::new();
    for image in &manifest.images {
        let file = dir.join(&image.file);
        images.push(check_image(image, &file)?);
        files.push(file);
    }
    images.sort_by(|a, b| a.model.cmp(&b.model));
    for image in &mut images {
        image.version.clone_from(&manifest.version);
    }
    let release = ReleaseRow {
        version: manifest.version,
        vendor: manifest.vendor.as_str().to_string(),
        released: manifest.released,
        notes: manifest.notes,
        created_at: 0,
    };
    Ok(Checked {
        release,
        images,
        files,
    })
}

/// Unix seconds of midnight UTC of a `YYYY-MM-DD` date.
fn parse_date(text: &str) -> Result<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), format)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .map_err(|_| invalid(format!("released = {text} is not a date (YYYY-MM-DD).")))
}

fn check_names(vendor: Vendor, image: &ManifestImage) -> Result<()> {
    let model_ok = (1..=32).contains(&image.model.len())
        && image
            .model
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !model_ok {
        return Err(invalid(format!(
            "{:?} is not a phone model (letters, digits, '-', '_', '.'; at most 32).",
            image.model
        )));
    }
    // A bare file name: a manifest must not reach outside its own folder. Vendors' native
    // names use parentheses and commas (Yealink's `T46S(T48S,T42S,T41S)-66.86.0.15.rom`),
    // which are fine; spaces and control characters are not.
    let file_ok = (1..=100).contains(&image.file.len())
        && !image.file.starts_with('.')
        && image
            .file
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'\\');
    if !file_ok {
        return Err(invalid(format!(
            "{:?} is not a file name in the release folder.",
            image.file
        )));
    }
    let lower = image.file.to_ascii_lowercase();
    let endings = image_extensions(vendor);
    if !endings.iter().any(|e| lower.ends_with(e)) {
        return Err(invalid(format!(
            "{} (model {}) is not a {} image: its file name must end in {}.",
            image.file,
            image.model,
            vendor.label(),
            endings.join(" or ")
        )));
    }
    Ok(())
}

/// Reads one image and checks it against the manifest.
fn check_image(image: &ManifestImage, file: &Path) -> Result<ImageRow> {
    let listed = image.sha256.trim().to_ascii_lowercase();
    if listed.len() != 64 || !listed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(format!(
            "The sha256 of model {} is not 64 hex digits.",
            image.model
        )));
    }
    let meta = std::fs::metadata(file).map_err(|_| {
        Error::unprocessable(
            "firmware_file_missing",
            format!(
                "The image of model {} ({}) is missing.",
                image.model,
                file.display()
            ),
        )
    })?;
    if meta.len() > MAX_IMAGE_BYTES {
        return Err(invalid(format!(
            "{} is larger than 64 MiB.",
            file.display()
        )));
    }
    let bytes = std::fs::read(file)
        .map_err(|e| anyhow::anyhow!(e).context(format!("cannot read {}", file.display())))?;
    let mismatch = |what: String| {
        Error::unprocessable(
            "firmware_file_mismatch",
            format!(
                "{} (model {}) does not match the manifest: {what}. Nothing was imported.",
                image.file, image.model
            ),
        )
    };
    if bytes.len() as u64 != image.size {
        return Err(mismatch(format!(
            "it has {} bytes, the manifest says {}",
            bytes.len(),
            image.size
        )));
    }
    let actual = sha256_hex(&bytes);
    if actual != listed {
        return Err(mismatch(format!(
            "its SHA-256 is {actual}, the manifest says {listed}"
        )));
    }
    Ok(ImageRow {
        version: String::new(),
        model: image.model.clone(),
        file: image.file.clone(),
        sha256: actual,
        size: image.size as i64,
    })
}

/// Imports the release in `dir`: checks everything, stores the images, writes the rows and
/// the operator trail's `firmware.import` in one transaction.
pub async fn import(
    db: &Db,
    store: &BlobStore,
    actor: &OperatorActor,
    dir: &Path,
) -> Result<Imported> {
    let dir = dir.to_path_buf();
    let store = store.clone();
    let checked = tokio::task::spawn_blocking(move || -> Result<Checked> {
        let checked = check(&dir)?;
        for file in &checked.files {
            // Read again: what is stored is what was hashed, not what a racing writer left.
            let bytes = std::fs::read(file).map_err(anyhow::Error::from)?;
            let sha = store.put(&bytes)?;
            if !checked.images.iter().any(|i| i.sha256 == sha) {
                return Err(invalid(format!(
                    "{} changed during the import.",
                    file.display()
                )));
            }
        }
        Ok(checked)
    })
    .await
    .map_err(|e| anyhow::anyhow!("firmware import panicked: {e}"))??;
    let version = checked.release.version.clone();
    if let Some(existing) = queries::find_release(db, &version).await? {
        let images = queries::images(db, Some(&version)).await?;
        let same = existing.vendor == checked.release.vendor
            && existing.released == checked.release.released
            && existing.notes == checked.release.notes
            && images == checked.images;
        return if same {
            Ok(Imported::AlreadyImported { version })
        } else {
            Err(different(&version))
        };
    }
    let release = ReleaseRow {
        created_at: now(),
        ..checked.release
    };
    let mut tx = db.begin_write().await?;
    queries::insert_release(&mut tx, &release, &checked.images)
        .await
        .on_unique_violation(|| different(&version))?;
    let models: Vec<&str> = checked.images.iter().map(|i| i.model.as_str()).collect();
    let detail = format!("{}: {}", release.vendor, models.join(", "));
    let entry = OperatorEntry {
        action: "firmware.import",
        account: None,
        target: &version,
        detail: &detail,
    };
    actor.record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(Imported::Added {
        version,
        images: checked.images.len(),
    })
}

fn different(version: &str) -> Error {
    Error::conflict(
        "firmware_exists",
        format!(
            "Firmware {version} is already in the catalog with a different manifest. \
             Remove it first (rcs firmware remove {version}) to replace it."
        ),
    )
}

/// The catalog (only `vendor`'s releases when given), by vendor name and newest release
/// first within a vendor (by version, numerically part by part): versions of different
/// vendors do not compare.
pub async fn list(db: &Db, vendor: Option<Vendor>) -> Result<Vec<rcs_shared::FirmwareRelease>> {
    let mut releases = queries::releases(db, vendor.map(Vendor::as_str)).await?;
    releases.sort_by(|a, b| {
        a.vendor
            .cmp(&b.vendor)
            .then(compare(&b.version, &a.version))
            .then(b.version.cmp(&a.version))
    });
    let images = queries::images(db, None).await?;
    Ok(releases
        .into_iter()
        .map(|r| rcs_shared::FirmwareRelease {
            images: images
                .iter()
                .filter(|i| i.version == r.version)
                .map(|i| rcs_shared::FirmwareImage {
                    model: i.model.clone(),
                    file: i.file.clone(),
                    size: i.size as u64,
                    sha256: i.sha256.clone(),
                })
                .collect(),
            released: rfc3339(r.released).chars().take(10).collect(),
            imported_at: rfc3339(r.created_at),
            version: r.version,
            vendor: r.vendor,
            notes: r.notes,
        })
        .collect())
}

/// The catalog as the operator's console shows it: every release with the phones (of every
/// account) pinned to it and those that last said they run it.
pub async fn console_list(db: &Db) -> Result<Vec<rcs_shared::AdminFirmwareRelease>> {
    let releases = list(db, None).await?;
    let counts = queries::phones_per_release(db).await?;
    Ok(releases
        .into_iter()
        .map(|release| {
            let (pinned_phones, reporting_phones) = counts
                .iter()
                .find(|(v, _, _)| *v == release.version)
                .map_or((0, 0), |(_, p, r)| (*p, *r));
            rcs_shared::AdminFirmwareRelease {
                release,
                pinned_phones,
                reporting_phones,
            }
        })
        .collect())
}

/// Removes a release from the catalog, refused while any phone is pinned to it. Its blobs
/// stay in the store: another release may share them, and a later clean-up can collect
/// unreferenced ones without racing an import.
pub async fn remove(db: &Db, actor: &OperatorActor, version: &str) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let pinned = queries::pinned_phones(&mut tx, version).await?;
    if pinned > 0 {
        let phones = if pinned == 1 {
            "phone is"
        } else {
            "phones are"
        };
        return Err(Error::conflict(
            "firmware_in_use",
            format!(
                "{pinned} {phones} pinned to firmware {version}; move them to another release first."
            ),
        ));
    }
    if !queries::delete_release(&mut tx, version).await? {
        return Err(Error::not_found(
            "firmware_not_found",
            format!("There is no firmware {version} in the catalog."),
        ));
    }
    let entry = OperatorEntry {
        action: "firmware.remove",
        account: None,
        target: version,
        detail: "",
    };
    actor.record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests;

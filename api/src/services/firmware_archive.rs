//! A firmware release uploaded as one archive (the console's `POST /api/v1/admin/firmware`):
//! a `.tar`, `.tar.gz` or `.zip` of the release folder, unpacked into a private scratch folder
//! and then imported exactly as `rcs firmware import` imports a folder
//! ([`super::firmware::import`]), so the upload and the CLI check the same things.
//!
//! The archive comes from a network peer, so it is unpacked defensively: only regular files
//! and folders, no absolute paths, no `..`, no links or devices (422 `unsafe_archive_entry`,
//! naming the entry), at most [`MAX_ENTRIES`] entries and twice the upload limit
//! (`firmware_upload_max_bytes`) unpacked whatever the archive claims (422 `archive_too_large`), so a small compressed
//! archive cannot fill the disk. Anything unreadable is 422 `invalid_archive`. Nothing reaches
//! the catalog or the blob store unless the release inside passes every check.

use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use super::firmware::Imported;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::services::operators::OperatorActor;
use crate::storage::BlobStore;

/// Most entries (files and folders) in one archive.
pub const MAX_ENTRIES: usize = 2_000;

fn invalid_archive(why: impl std::fmt::Display) -> Error {
    Error::unprocessable(
        "invalid_archive",
        format!("The upload is not a readable .tar, .tar.gz or .zip archive: {why}."),
    )
}

fn unsafe_entry(name: &str, why: &str) -> Error {
    Error::unprocessable(
        "unsafe_archive_entry",
        format!("The archive entry {name:?} {why}; nothing was imported."),
    )
}

fn too_large(max: u64) -> Error {
    Error::unprocessable(
        "archive_too_large",
        format!(
            "The archive unpacks to more than {} or {MAX_ENTRIES} entries; a release is one \
             image per model. Nothing was imported.",
            crate::domain::branding::human_size(usize::try_from(max).unwrap_or(usize::MAX))
        ),
    )
}

/// Which kind of archive a file is, by its first bytes (not by what the client says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tar,
    TarGz,
    Zip,
}

fn kind_of(path: &Path) -> Result<Kind> {
    let mut head = [0u8; 262];
    let mut file = fs::File::open(path).map_err(anyhow::Error::from)?;
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]).map_err(anyhow::Error::from)? {
            0 => break,
            n => read += n,
        }
    }
    let head = &head[..read];
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Ok(Kind::Zip)
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Kind::TarGz)
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Ok(Kind::Tar)
    } else {
        Err(invalid_archive("its first bytes are none of these formats"))
    }
}

/// The relative path an entry may be written to under the scratch folder, or why not; empty
/// for the archive's top itself (`./`).
fn safe_path(name: &str) -> Result<PathBuf> {
    let path = Path::new(name);
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(p) => clean.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_entry(name, "climbs out with \"..\"")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_entry(name, "is an absolute path"))
            }
        }
    }
    Ok(clean)
}

/// Counts entries and bytes against the limits while unpacking.
struct Budget {
    entries: usize,
    bytes: u64,
    max_bytes: u64,
}

impl Budget {
    fn entry(&mut self) -> Result<()> {
        self.entries += 1;
        if self.entries > MAX_ENTRIES {
            return Err(too_large(self.max_bytes));
        }
        Ok(())
    }

    /// Copies `from` to a new file at `to`, stopping at the byte budget (the sizes an archive
    /// declares are not trusted).
    fn write(&mut self, from: &mut dyn Read, to: &Path) -> Result<()> {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(anyhow::Error::from)?;
        }
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(to)
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => {
                    unsafe_entry(&to.to_string_lossy(), "is in the archive twice")
                }
                _ => Error::Internal(e.into()),
            })?;
        let room = self.max_bytes.saturating_sub(self.bytes);
        let copied = io::copy(&mut from.take(room + 1), &mut out).map_err(invalid_archive)?;
        if copied > room {
            return Err(too_large(self.max_bytes));
        }
        self.bytes += copied;
        Ok(())
    }
}

/// Unpacks the archive at `archive` into the empty folder `into`, writing at most
/// `max_bytes`.
pub fn unpack(archive: &Path, into: &Path, max_bytes: u64) -> Result<()> {
    let mut budget = Budget {
        entries: 0,
        bytes: 0,
        max_bytes,
    };
    match kind_of(archive)? {
        Kind::Zip => unpack_zip(archive, into, &mut budget),
        Kind::Tar => {
            let file = fs::File::open(archive).map_err(anyhow::Error::from)?;
            unpack_tar(file, into, &mut budget)
        }
        Kind::TarGz => {
            let file = fs::File::open(archive).map_err(anyhow::Error::from)?;
            unpack_tar(flate2::read::GzDecoder::new(file), into, &mut budget)
        }
    }
}

fn unpack_tar(reader: impl Read, into: &Path, budget: &mut Budget) -> Result<()> {
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(invalid_archive)? {
        let mut entry = entry.map_err(invalid_archive)?;
        budget.entry()?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        // PAX and GNU long-name headers are read by the tar crate itself; what is left is a
        // file, a folder or something refused.
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(unsafe_entry(&name, "is a link"));
        }
        let relative = safe_path(&name)?;
        if kind.is_dir() {
            fs::create_dir_all(into.join(&relative)).map_err(anyhow::Error::from)?;
        } else if relative.as_os_str().is_empty() {
            return Err(unsafe_entry(&name, "has no name"));
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            budget.write(&mut entry, &into.join(&relative))?;
        } else if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        } else {
            return Err(unsafe_entry(&name, "is not a regular file or folder"));
        }
    }
    Ok(())
}

fn unpack_zip(path: &Path, into: &Path, budget: &mut Budget) -> Result<()> {
    let file = fs::File::open(path).map_err(anyhow::Error::from)?;
    let mut archive = zip::ZipArchive::new(file).map_err(invalid_archive)?;
    if archive.len() > MAX_ENTRIES {
        return Err(too_large(budget.max_bytes));
    }
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(invalid_archive)?;
        budget.entry()?;
        let name = entry.name().to_string();
        if entry.is_symlink() {
            return Err(unsafe_entry(&name, "is a link"));
        }
        let relative = safe_path(&name)?;
        if entry.is_dir() {
            fs::create_dir_all(into.join(&relative)).map_err(anyhow::Error::from)?;
        } else if relative.as_os_str().is_empty() {
            return Err(unsafe_entry(&name, "has no name"));
        } else if entry.is_file() {
            budget.write(&mut entry, &into.join(&relative))?;
        } else {
            return Err(unsafe_entry(&name, "is not a regular file or folder"));
        }
    }
    Ok(())
}

/// The release folder inside an unpacked archive: the top, when `manifest.toml` is there, or
/// its only folder (an archive of the folder itself, as `tar -cf r.tar 4.2.0/` makes).
pub fn release_dir(unpacked: &Path) -> Result<PathBuf> {
    let manifest = super::firmware::MANIFEST;
    if unpacked.join(manifest).is_file() {
        return Ok(unpacked.to_path_buf());
    }
    let entries: Vec<PathBuf> = fs::read_dir(unpacked)
        .map_err(anyhow::Error::from)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    match entries.as_slice() {
        [only] if only.is_dir() && only.join(manifest).is_file() => Ok(only.clone()),
        _ => Err(Error::unprocessable(
            "missing_manifest",
            format!(
                "The archive holds no {manifest}: archive the release folder (its {manifest} and \
                 images), as firmware/README.md describes."
            ),
        )),
    }
}

/// Imports the release in the archive spooled at `archive`: unpacks it into a scratch folder
/// under `scratch` (removed afterwards, whatever happens) and imports the folder as the CLI
/// does, recorded for `actor`.
pub async fn import_archive(
    db: &Db,
    store: &BlobStore,
    actor: &OperatorActor,
    archive: &Path,
    scratch: &Path,
    max_unpacked: u64,
) -> Result<Imported> {
    let unpacked = tempfile::Builder::new()
        .prefix("firmware-")
        .tempdir_in(scratch)
        .map_err(anyhow::Error::from)?;
    let (archive, into) = (archive.to_path_buf(), unpacked.path().to_path_buf());
    let dir = tokio::task::spawn_blocking(move || -> Result<PathBuf> {
        unpack(&archive, &into, max_unpacked)?;
        release_dir(&into)
    })
    .await
    .map_err(|e| anyhow::anyhow!("unpacking panicked: {e}"))??;
    let imported = super::firmware::import(db, store, actor, &dir).await;
    drop(unpacked);
    imported
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_or_start_at_the_root_are_refused() {
        assert!(safe_path("4.2.0/manifest.toml").is_ok());
        assert!(safe_path("./4.2.0/6757i.st").is_ok());
        for bad in ["../etc/passwd", "4.2.0/../../x", "/etc/passwd"] {
            assert!(safe_path(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(safe_path("./").unwrap(), PathBuf::new());
    }

    #[test]
    fn the_kind_is_read_from_the_first_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk");
        fs::write(&junk, b"not an archive at all").unwrap();
        assert!(kind_of(&junk).is_err());
        let zip = dir.path().join("z");
        fs::write(&zip, b"PK\x03\x04rest").unwrap();
        assert_eq!(kind_of(&zip).unwrap(), Kind::Zip);
    }
}

//! The content-addressed blob store in the data directory: firmware images now, branding
//! files later.
//!
//! A blob is named by the SHA-256 of its bytes, at `<data_dir>/blobs/sha256/<first 2 hex>/<hex>`.
//! Naming by content makes storing idempotent (the same bytes land on the same path, so a
//! re-import writes nothing new) and lets releases share identical images. Writes go to a
//! temporary file in the blob's own folder, are fsynced, then renamed into place: a rename
//! within one folder is atomic, so a crash leaves either the whole blob or no blob, never a
//! partial one under a valid name.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

/// Checks that rcs can write in its data directory (creating it when missing) by writing and
/// removing a probe file. The database, certificates and stored files all live there, so a
/// directory that cannot be written is refused up front, with its name and the reason (a
/// read-only filesystem is named as such), instead of failing later at some write.
///
/// Each start picks its own probe name: nodes of a cluster share the data directory and may
/// start at the same moment, and one node must not remove the probe another is checking.
pub fn ensure_writable(dir: &Path) -> anyhow::Result<()> {
    let probe = dir.join(format!(".rcs-write-probe-{:016x}", rand::random::<u64>()));
    let result = fs::create_dir_all(dir)
        .and_then(|()| fs::write(&probe, b"probe"))
        .and_then(|()| fs::remove_file(&probe));
    result.map_err(|e| match e.kind() {
        std::io::ErrorKind::ReadOnlyFilesystem => anyhow::anyhow!(
            "the data directory {} is on a read-only filesystem ({e}): rcs keeps its database, \
             certificates and files there; make it writable and start again",
            dir.display()
        ),
        _ => anyhow::anyhow!("the data directory {} is not writable: {e}", dir.display()),
    })
}

/// The blob store under a data directory. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// Lower-case hex SHA-256 of `bytes`, the name of a blob.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl BlobStore {
    /// The store of `data_dir` (created on first write).
    pub fn new(data_dir: &Path) -> BlobStore {
        BlobStore {
            root: data_dir.join("blobs").join("sha256"),
        }
    }

    /// Where the blob named `sha256` (64 lower-case hex digits) is, or would be, stored.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// True when the blob is stored (with the right length, so a foreign truncated file is
    /// not mistaken for it).
    pub fn contains(&self, sha256: &str, size: u64) -> bool {
        fs::metadata(self.path(sha256)).is_ok_and(|m| m.is_file() && m.len() == size)
    }

    /// Stores `bytes` and returns their SHA-256; a blob that is already there is left alone.
    pub fn put(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let sha256 = sha256_hex(bytes);
        if self.contains(&sha256, bytes.len() as u64) {
            return Ok(sha256);
        }
        let path = self.path(&sha256);
        let dir = path.parent().expect("blob paths have a folder");
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut tmp = tempfile_in(dir, &sha256)?;
        let result = (|| {
            tmp.1.write_all(bytes)?;
            tmp.1.sync_all()?;
            fs::rename(&tmp.0, &path)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp.0);
            return Err(e).with_context(|| format!("cannot store {}", path.display()));
        }
        // Make the rename itself durable (best effort: not every platform can open a folder).
        if let Ok(folder) = fs::File::open(dir) {
            let _ = folder.sync_all();
        }
        Ok(sha256)
    }
}

/// A new, uniquely named temporary file in `dir` (`.<name>.<random>.tmp`).
fn tempfile_in(dir: &Path, name: &str) -> anyhow::Result<(PathBuf, fs::File)> {
    use rand::RngCore;
    let mut suffix = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut suffix);
    let path = dir.join(format!(".{name}.{}.tmp", hex::encode(suffix)));
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    Ok((path, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_stored_once_under_their_hash_with_no_temporary_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let hash = store.put(b"hello").unwrap();
        assert_eq!(
            hash,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(fs::read(store.path(&hash)).unwrap(), b"hello");
        assert_eq!(store.put(b"hello").unwrap(), hash);
        let folder = store.path(&hash).parent().unwrap().to_path_buf();
        assert_eq!(fs::read_dir(folder).unwrap().count(), 1);
        assert!(store
            .path(&hash)
            .starts_with(dir.path().join("blobs/sha256/2c")));
    }
}

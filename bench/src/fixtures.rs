//! What the run feeds the servers: MAC ranges, the CSV files to import, and a firmware
//! release with one large image, all generated (nothing downloaded), identically every run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The release every firmware-benchmark phone is pinned to, and the model of its image.
pub const RELEASE: &str = "9.0.0.1";
pub const MODEL: &str = "6757i";

/// The configuration server every storm phone is assigned to: rcs redirects to it, and
/// nginx's static files name it too.
pub const SERVER_NAME: &str = "Main PBX";
pub const SERVER_URL: &str = "https://pbx.example.net/cfg/";

/// Storm phones: `00085D000000` onwards.
pub fn storm_macs(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("00085D{i:06X}")).collect()
}

/// Phones pinned to the benchmark firmware release: `00085E000000` onwards.
pub fn firmware_macs(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("00085E{i:06X}")).collect()
}

/// Names of the servers every import account has; the CSV spreads phones over them.
pub fn server_names() -> Vec<String> {
    (0..7).map(|i| format!("PBX {i}")).collect()
}

/// A CSV of `rows` phones for import set `set` (locally administered MACs `02<set>...`):
/// header `mac,server`, seven in eight rows on one of the servers, the eighth unaffiliated.
pub fn import_csv(set: u8, rows: usize) -> Vec<u8> {
    let mut out = String::with_capacity(rows * 20 + 16);
    out.push_str("mac,server\n");
    for i in 0..rows {
        let server = match i % 8 {
            7 => String::new(),
            s => format!("PBX {s}"),
        };
        let _ = writeln!(out, "02{set:02X}{i:08X},{server}");
    }
    out.into_bytes()
}

/// Writes a release folder (manifest.toml and one image of `size` bytes); answers the
/// folder and the image's path.
pub fn firmware_release(dir: &Path, size: usize) -> anyhow::Result<(PathBuf, PathBuf)> {
    let folder = dir.join(RELEASE);
    std::fs::create_dir_all(&folder)?;
    // xorshift bytes: incompressible, reproducible.
    let mut image = Vec::with_capacity(size);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while image.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        image.extend_from_slice(&x.to_le_bytes());
    }
    image.truncate(size);
    let digest = ring::digest::digest(&ring::digest::SHA256, &image);
    let sha: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let file = format!("{MODEL}.st");
    let path = folder.join(&file);
    std::fs::write(&path, &image)?;
    std::fs::write(
        folder.join("manifest.toml"),
        format!(
            "version = \"{RELEASE}\"\nreleased = \"2026-01-01\"\nnotes = \"rcs-bench image\"\n\n\
             [[images]]\nmodel = \"{MODEL}\"\nfile = \"{file}\"\nsize = {size}\nsha256 = \"{sha}\"\n"
        ),
    )?;
    Ok((folder, path))
}

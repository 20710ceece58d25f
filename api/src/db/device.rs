//! What the device route needs to answer a phone, in one round trip.
//!
//! A phone is found by MAC alone (MACs are unique across accounts); the row carries its
//! account, its configuration server, its branding (or the account's default) with the files,
//! and the pinned release's image for the model the phone reported. One row per branding file
//! (at least one row), so a boot costs one indexed query whatever it is told.

use sqlx::FromRow;

use super::Db;

#[derive(Debug, Clone, FromRow)]
struct Row {
    account_id: i64,
    firmware: Option<String>,
    server_name: Option<String>,
    server_url: Option<String>,
    branding_name: Option<String>,
    file_name: Option<String>,
    file_sha256: Option<String>,
    file_size: Option<i64>,
    image_file: Option<String>,
    image_sha256: Option<String>,
    image_size: Option<i64>,
    release_vendor: Option<String>,
    reported_firmware: Option<String>,
    suspended: i64,
}

/// A registered phone as the device route sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePhone {
    pub account_id: i64,
    /// The account is suspended: the phone is answered 403 `account_suspended`.
    pub suspended: bool,
    /// The pinned release, if any.
    pub firmware: Option<String>,
    /// The vendor of the pinned release.
    pub release_vendor: Option<String>,
    /// The release the phone last said it runs.
    pub reported_firmware: Option<String>,
    /// Name and URL of the configuration server, if assigned.
    pub server: Option<(String, String)>,
    /// The branding served (its own or the account's default) and its files.
    pub branding: Option<(String, Vec<StoredFile>)>,
    /// The pinned release's image for the reported model, if both exist, named as the
    /// vendor names it (`6757i.st`).
    pub image: Option<StoredFile>,
}

/// A file in the blob store, named as the phone downloads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

/// The phone with `mac` and what it should be told, for a phone of `model` (`None`: the phone
/// did not say, so no image can be chosen).
#[tracing::instrument(skip(db))]
pub async fn lookup(db: &Db, mac: &str, model: Option<&str>) -> sqlx::Result<Option<DevicePhone>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.account_id, p.firmware, s.name AS server_name, s.url AS server_url, \
                b.name AS branding_name, f.name AS file_name, f.sha256 AS file_sha256, \
                f.size AS file_size, i.file AS image_file, i.sha256 AS image_sha256, \
                i.size AS image_size, r.vendor AS release_vendor, \
                p.reported_firmware, \
                CASE WHEN a.suspended_at IS NULL THEN 0 ELSE 1 END AS suspended \
         FROM phones p \
         JOIN accounts a ON a.id = p.account_id \
         LEFT JOIN servers s ON s.id = p.server_id \
         LEFT JOIN brandings b ON b.id = COALESCE(p.branding_id, \
             (SELECT d.id FROM brandings d WHERE d.account_id = p.account_id AND d.is_default = 1)) \
         LEFT JOIN branding_files f ON f.branding_id = b.id \
         LEFT JOIN firmware_images i ON i.version = p.firmware AND i.model = $2 \
         LEFT JOIN firmware_releases r ON r.version = p.firmware \
         WHERE p.mac = $1 \
         ORDER BY f.name",
    )
    .bind(mac)
    .bind(model.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let files: Vec<StoredFile> = rows
        .iter()
        .filter_map(|r| {
            Some(StoredFile {
                name: r.file_name.clone()?,
                sha256: r.file_sha256.clone()?,
                size: u64::try_from(r.file_size?).ok()?,
            })
        })
        .collect();
    let image = match (
        &first.image_file,
        &first.image_sha256,
        first.image_size,
        model,
    ) {
        (Some(file), Some(sha256), Some(size), Some(_)) => Some(StoredFile {
            name: file.clone(),
            sha256: sha256.clone(),
            size: u64::try_from(size).unwrap_or(0),
        }),
        _ => None,
    };
    Ok(Some(DevicePhone {
        account_id: first.account_id,
        suspended: first.suspended != 0,
        firmware: first.firmware.clone().filter(|f| !f.is_empty()),
        release_vendor: first.release_vendor.clone(),
        reported_firmware: first.reported_firmware.clone(),
        server: first.server_name.clone().zip(first.server_url.clone()),
        branding: first.branding_name.clone().map(|name| (name, files)),
        image,
    }))
}

/// The release the phone with `mac` last said it runs, as the boot recorder last wrote it.
pub async fn reported_firmware(db: &Db, mac: &str) -> sqlx::Result<Option<String>> {
    let found: Option<Option<String>> =
        sqlx::query_scalar("SELECT reported_firmware FROM phones WHERE mac = $1")
            .bind(mac)
            .fetch_optional(&db.pool)
            .await?;
    Ok(found.flatten())
}

/// The account a MAC is registered to, if any (for recording refused contacts).
pub async fn account_of(db: &Db, mac: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT account_id FROM phones WHERE mac = $1")
        .bind(mac)
        .fetch_optional(&db.pool)
        .await
}

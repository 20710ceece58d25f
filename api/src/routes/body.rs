//! Reading request bodies with a size limit, for the routes that take files (CSV imports,
//! branding files) rather than JSON.
//!
//! The limit is enforced while streaming, not after buffering: a client announcing or sending
//! more than the route accepts gets a 413 once the limit is crossed, and the server never holds
//! more than `max` bytes of it.

use std::path::{Path, PathBuf};

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::domain::branding::human_size;
use crate::error::{Error, Result};

/// The uploaded file: the raw body (`text/csv`), or the `file` field of a
/// `multipart/form-data` form (what `curl -F file=@phones.csv` and browsers send). Either way
/// at most `max` bytes are read; beyond that the answer is 413.
pub async fn read_limited(
    req: &HttpRequest,
    payload: web::Payload,
    max: usize,
) -> Result<web::Bytes> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|len| len > max) {
        return Err(too_large(max));
    }
    if !content_type.starts_with("multipart/") {
        // The declared length (already checked against `max`) sizes the buffer once: growing
        // it by doubling would copy the body several times and, at its last step, hold the
        // old and the new buffer (up to three times the body) at once.
        return collect(payload, max, declared.unwrap_or(0)).await;
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    while let Some(field) = form.next().await {
        let field = field.map_err(unreadable)?;
        let is_file = field.name() == Some("file")
            || field
                .content_disposition()
                .is_some_and(|cd| cd.get_filename().is_some());
        let bytes = collect(field, max, 0).await?;
        if is_file {
            return Ok(bytes);
        }
    }
    Err(Error::bad_request(
        "missing_file",
        "The form has no file: send it in a field named \"file\".",
    ))
}

/// The folder uploads are spooled to while a request reads them (created when missing).
pub async fn uploads_dir(data_dir: &Path) -> Result<PathBuf> {
    let dir = data_dir.join("uploads");
    tokio::fs::create_dir_all(&dir).await?;
    Ok(dir)
}

/// The uploaded file spooled to an unnamed file in [`uploads_dir`] ([`spool_limited`]),
/// positioned at its start: it is gone once closed, however the request ends.
pub async fn spool_unnamed(
    req: &HttpRequest,
    payload: web::Payload,
    max: u64,
    data_dir: &Path,
) -> Result<std::fs::File> {
    let dir = uploads_dir(data_dir).await?;
    let mut out = tokio::fs::File::from_std(tempfile::tempfile_in(&dir)?);
    spool_limited(req, payload, max, &mut out).await?;
    let mut file = out.into_std().await;
    std::io::Seek::rewind(&mut file)?;
    Ok(file)
}

/// Writes the uploaded file (the raw body, or the `file` field of a form) to `out` as it
/// arrives, refusing more than `max` bytes (413): a large upload (a firmware release) never
/// sits in memory. Answers the bytes written.
pub async fn spool_limited(
    req: &HttpRequest,
    payload: web::Payload,
    max: u64,
    out: &mut tokio::fs::File,
) -> Result<u64> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    if declared.is_some_and(|len| len > max) {
        return Err(too_large(limit));
    }
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/"));
    if !multipart {
        return write_stream(payload, max, out).await;
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    while let Some(field) = form.next().await {
        let field = field.map_err(unreadable)?;
        let is_file = field.name() == Some("file")
            || field
                .content_disposition()
                .is_some_and(|cd| cd.get_filename().is_some());
        if is_file {
            return write_stream(field, max, out).await;
        }
        collect(field, 64 * 1024, 0).await?;
    }
    Err(Error::bad_request(
        "missing_file",
        "The form has no file: send it in a field named \"file\".",
    ))
}

async fn write_stream<S, E>(mut stream: S, max: u64, out: &mut tokio::fs::File) -> Result<u64>
where
    S: futures_util::Stream<Item = std::result::Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use tokio::io::AsyncWriteExt;
    let mut written = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unreadable)?;
        written += chunk.len() as u64;
        if written > max {
            return Err(too_large(usize::try_from(max).unwrap_or(usize::MAX)));
        }
        out.write_all(&chunk).await?;
    }
    out.flush().await?;
    Ok(written)
}

/// Reads a byte stream to its end, refusing more than `max` bytes; `expected` (at most `max`)
/// is the room reserved up front.
pub async fn collect<S, E>(mut stream: S, max: usize, expected: usize) -> Result<web::Bytes>
where
    S: futures_util::Stream<Item = std::result::Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut body = web::BytesMut::with_capacity(expected.min(max));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unreadable)?;
        if body.len() + chunk.len() > max {
            return Err(too_large(max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

pub fn too_large(max: usize) -> Error {
    Error::PayloadTooLarge(format!("The file is larger than {}.", human_size(max)))
}

fn unreadable(e: impl std::fmt::Display) -> Error {
    Error::bad_request(
        "invalid_body",
        format!("The request body could not be read: {e}"),
    )
}

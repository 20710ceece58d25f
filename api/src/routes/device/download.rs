//! Device downloads: a firmware image or branding file streamed with `Content-Length`, an
//! ETag (the SHA-256), `If-None-Match`, `If-Range` and one `Range`, and recorded in the
//! phone's history like every other contact.

use std::io::SeekFrom;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use rcs_shared::{ApiError, BootOutcome};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::{record, Contact};
use crate::db::device::StoredFile;
use crate::error::Error;
use crate::state::AppState;
use crate::storage::BlobStore;

/// Streams a blob with `Content-Length`, an ETag, `If-None-Match` and one `Range`, and
/// records the download.
pub(super) async fn send_blob(
    req: &HttpRequest,
    state: &AppState,
    contact: &Contact,
    account_id: i64,
    file: &StoredFile,
    outcome: BootOutcome,
    detail: String,
) -> actix_web::Result<HttpResponse> {
    let etag = format!("\"{}\"", file.sha256);
    if matches_etag(req, &etag) {
        let detail = format!("{detail}: not modified");
        record(state, contact, account_id, outcome, detail).await;
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let range = match requested_range(req, &etag, file.size) {
        Ok(range) => range,
        Err(()) => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{}", file.size)))
                .json(ApiError::new(
                    "range_not_satisfiable",
                    "The range lies outside the file.",
                )));
        }
    };
    let (start, len) = match range {
        Some(ByteRange { start, end }) => (start, end - start + 1),
        None => (0, file.size),
    };
    let path = BlobStore::new(&state.settings.data_dir).path(&file.sha256);
    let blob = open_at(&path, start).await?;
    let detail = match range {
        Some(ByteRange { start, end }) => format!("{detail} (bytes {start}-{end})"),
        None => detail,
    };
    record(state, contact, account_id, outcome, detail).await;
    state.metrics.download(match outcome {
        BootOutcome::FirmwareSent => "firmware",
        _ => "branding",
    });
    let mut response = match range {
        Some(_) => HttpResponse::PartialContent(),
        None => HttpResponse::Ok(),
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("application/octet-stream");
    if let Some(ByteRange { start, end }) = range {
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{}", file.size),
        ));
    }
    // Each read is a hop to tokio's blocking pool: 128 KiB reads beat 64 KiB ones by 5-10%
    // against nginx on loopback, 256 KiB by 15-20% (BENCHMARKS.md), but a download in flight
    // holds one read's bytes, so a mass upgrade of a thousand phones would hold 256 MB there.
    let stream = tokio_util::io::ReaderStream::with_capacity(blob.take(len), 128 * 1024);
    Ok(response.no_chunking(len).streaming(stream))
}

/// True when the phone already has this file (`If-None-Match` names its ETag, or `*`).
fn matches_etag(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                let t = t.trim().trim_start_matches("W/");
                t == etag || t == "*"
            })
        })
}

/// The one range to send, if the request asks for one and its `If-Range` (when present)
/// still names this file; `Err` for a range outside the file (416).
fn requested_range(req: &HttpRequest, etag: &str, size: u64) -> Result<Option<ByteRange>, ()> {
    let if_range_ok = req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == etag);
    match req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(r) if if_range_ok => ByteRange::parse(r, size),
        _ => Ok(None),
    }
}

/// A stored file opened and positioned at `start`.
async fn open_at(path: &std::path::Path, start: u64) -> Result<tokio::fs::File, Error> {
    let mut blob = tokio::fs::File::open(path).await.map_err(|e| {
        Error::Internal(anyhow::Error::new(e).context(format!("cannot open {}", path.display())))
    })?;
    if start > 0 {
        blob.seek(SeekFrom::Start(start))
            .await
            .map_err(|e| Error::Internal(e.into()))?;
    }
    Ok(blob)
}

/// One satisfiable byte range, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteRange {
    start: u64,
    end: u64,
}

impl ByteRange {
    /// `Ok(None)`: serve the whole file (several ranges, or a header that is not a byte range,
    /// which RFC 9110 lets a server ignore). `Err`: a byte range outside the file (416).
    fn parse(header: &str, size: u64) -> Result<Option<ByteRange>, ()> {
        let Some(spec) = header.trim().strip_prefix("bytes=") else {
            return Ok(None);
        };
        if spec.contains(',') {
            return Ok(None);
        }
        let Some((first, last)) = spec.trim().split_once('-') else {
            return Ok(None);
        };
        let (first, last) = (first.trim(), last.trim());
        let range = if first.is_empty() {
            // The last `n` bytes.
            let n = position(last)?;
            if n == 0 || size == 0 {
                return Err(());
            }
            ByteRange {
                start: size.saturating_sub(n),
                end: size - 1,
            }
        } else {
            let start = position(first)?;
            let end = if last.is_empty() {
                size.saturating_sub(1)
            } else {
                position(last)?.min(size.saturating_sub(1))
            };
            if start >= size || end < start {
                return Err(());
            }
            ByteRange { start, end }
        };
        Ok(Some(range))
    }
}

/// A byte position of a `Range` header: digits only (RFC 9110 `1*DIGIT`, so no sign, which
/// Rust's integer parsing would take), and a number past `u64` is as good as infinite: a last
/// position that large means "to the end", a first one lies past any file.
fn position(digits: &str) -> Result<u64, ()> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    Ok(digits.parse().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::ByteRange;

    #[test]
    fn byte_ranges() {
        let r = |h| ByteRange::parse(h, 100);
        assert_eq!(r("bytes=0-9"), Ok(Some(ByteRange { start: 0, end: 9 })));
        assert_eq!(r("bytes=90-"), Ok(Some(ByteRange { start: 90, end: 99 })));
        assert_eq!(r("bytes=-10"), Ok(Some(ByteRange { start: 90, end: 99 })));
        assert_eq!(r("bytes=-1000"), Ok(Some(ByteRange { start: 0, end: 99 })));
        assert_eq!(
            r("bytes=50-1000"),
            Ok(Some(ByteRange { start: 50, end: 99 }))
        );
        assert_eq!(r("bytes=100-"), Err(()));
        assert_eq!(r("bytes=9-5"), Err(()));
        assert_eq!(r("bytes=x-5"), Err(()));
        assert_eq!(r("bytes=0-1,5-6"), Ok(None));
        assert_eq!(r("items=0-1"), Ok(None));
        assert_eq!(ByteRange::parse("bytes=0-0", 0), Err(()));
    }

    /// Found by the second penetration test: an end past `u64` was a 416 instead of "to the
    /// end", and a signed position was taken as a number.
    #[test]
    fn huge_ends_are_clamped_and_signs_are_refused() {
        let r = |h| ByteRange::parse(h, 100);
        assert_eq!(
            r("bytes=0-99999999999999999999"),
            Ok(Some(ByteRange { start: 0, end: 99 }))
        );
        assert_eq!(
            r("bytes=-99999999999999999999"),
            Ok(Some(ByteRange { start: 0, end: 99 }))
        );
        assert_eq!(r("bytes=99999999999999999999-"), Err(()));
        assert_eq!(r("bytes=+3-5"), Err(()));
        assert_eq!(r("bytes=3-+5"), Err(()));
        assert_eq!(r("bytes=-+5"), Err(()));
    }
}

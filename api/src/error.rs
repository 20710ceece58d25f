//! The one error type of the HTTP layer and its mapping to status codes.
//!
//! Handlers and domain code return [`Error`]; actix turns it into a JSON
//! [`ApiError`](rcs_shared::ApiError) body. Internal failures are logged with their whole
//! context chain and answered with a generic message, so no SQL, path or stack trace ever
//! reaches a client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use rcs_shared::ApiError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: the request could not be read (malformed JSON, bad query string).
    #[error("{1}")]
    BadRequest(&'static str, String),
    /// 401: no valid credentials.
    #[error("{1}")]
    Unauthorized(&'static str, String),
    /// 403: authenticated, but the role does not allow this.
    #[error("You are not allowed to do this.")]
    Forbidden,
    /// 403 with its own code: the credential (not the role) is what is refused, e.g. a
    /// read-only API key on a write, or a key where a person's session is needed.
    #[error("{1}")]
    ForbiddenBecause(&'static str, String),
    /// 404: the resource does not exist in the caller's account.
    #[error("{1}")]
    NotFound(&'static str, String),
    /// 409: the request conflicts with the current state.
    #[error("{1}")]
    Conflict(&'static str, String),
    /// 413: the body is larger than this route accepts.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: the body is sent in an encoding rcs does not read (a compressed body).
    #[error("{1}")]
    UnsupportedMediaType(&'static str, String),
    /// 422: well-formed but invalid values; the message names the field.
    #[error("{1}")]
    Unprocessable(&'static str, String),
    /// 422 for an uploaded file with bad lines: the body adds every problem (up to a cap) to
    /// `{code, message}`, so one round trip shows everything to fix.
    #[error("{0}")]
    InvalidCsv(String, Vec<rcs_shared::LineProblem>),
    /// 422 for a list of MACs with entries that cannot be registered: the body adds every such
    /// entry with its position, so the client can mark each one at once.
    #[error("{0}")]
    InvalidPhones(String, Vec<rcs_shared::PhoneProblem>),
    /// 429: slow down; `retry_after` seconds until the next attempt may succeed.
    #[error("Too many attempts. Try again in {retry_after} seconds.")]
    TooManyRequests { retry_after: u64 },
    /// 429 with its own code: the node is doing as much of this kind of work as it allows at
    /// once (imports in flight); `retry_after` seconds is a sensible wait.
    #[error("{1}")]
    Busy(&'static str, String, u64),
    /// 503: a dependency (the database) is unavailable.
    #[error("The service is temporarily unavailable. Try again shortly.")]
    Unavailable,
    /// 503: the database refuses writes (disk full, read-only, I/O errors); reads still work.
    /// Nothing of the request was written: its transaction is rolled back whole.
    #[error("{}", .0.message())]
    Storage(StorageProblem),
    /// 500: anything else. Logged in full, answered generically.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Error::BadRequest(code, message.into())
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Error::NotFound(code, message.into())
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::Conflict(code, message.into())
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Error::ForbiddenBecause(code, message.into())
    }
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Error::Unprocessable(code, message.into())
    }
    /// The one answer for any token problem: callers learn nothing about which check failed.
    pub fn invalid_token() -> Self {
        Error::Unauthorized(
            "invalid_token",
            "Your session is not valid or has ended. Log in again.".into(),
        )
    }

    /// A suspended account's staff, keys and phones: the platform operator stopped it.
    pub fn account_suspended() -> Self {
        Error::forbidden(
            "account_suspended",
            "This account is suspended by the platform operator. Contact your provider.",
        )
    }

    fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(code, _)
            | Error::Unauthorized(code, _)
            | Error::ForbiddenBecause(code, _)
            | Error::NotFound(code, _)
            | Error::Conflict(code, _)
            | Error::UnsupportedMediaType(code, _)
            | Error::Unprocessable(code, _)
            | Error::Busy(code, ..) => code,
            Error::Forbidden => "forbidden",
            Error::InvalidCsv(..) => "invalid_csv",
            Error::InvalidPhones(..) => "invalid_phones",
            Error::PayloadTooLarge(_) => "payload_too_large",
            Error::TooManyRequests { .. } => "too_many_requests",
            Error::Unavailable => "unavailable",
            Error::Storage(problem) => problem.code(),
            Error::Internal(_) => "internal_error",
        }
    }

    /// The body a client sees.
    pub fn body(&self) -> ApiError {
        let message = match self {
            Error::Internal(_) => "An internal error occurred.".to_string(),
            other => other.to_string(),
        };
        ApiError::new(self.code(), message)
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::BadRequest(..) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(..) => StatusCode::UNAUTHORIZED,
            Error::Forbidden | Error::ForbiddenBecause(..) => StatusCode::FORBIDDEN,
            Error::NotFound(..) => StatusCode::NOT_FOUND,
            Error::Conflict(..) => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(..) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Unprocessable(..) | Error::InvalidCsv(..) | Error::InvalidPhones(..) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Error::TooManyRequests { .. } | Error::Busy(..) => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable | Error::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Error::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Error::TooManyRequests { retry_after } | Error::Busy(_, _, retry_after) => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Error::Unavailable => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Error::Storage(_) => {
                response.insert_header((header::RETRY_AFTER, "60"));
            }
            Error::Unauthorized(..) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Error::InvalidCsv(message, problems) => {
                return response.json(rcs_shared::InvalidCsv {
                    code: self.code().to_string(),
                    message: message.clone(),
                    problems: problems.clone(),
                });
            }
            Error::InvalidPhones(message, problems) => {
                return response.json(rcs_shared::InvalidPhones {
                    code: self.code().to_string(),
                    message: message.clone(),
                    problems: problems.clone(),
                });
            }
            _ => {}
        }
        response.json(self.body())
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            // The pool could not hand out a connection: the database is down or saturated.
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Error::Unavailable
            }
            // The server is going away or not up yet (a restart, a failover): the same.
            sqlx::Error::Database(db) if server_unavailable(db.as_ref()) => {
                tracing::warn!(error = %db, "database unavailable");
                Error::Unavailable
            }
            // PostgreSQL ended the transaction to break a deadlock or a serialization
            // conflict with a concurrent one: nothing was written, and the same request
            // succeeds when tried again.
            sqlx::Error::Database(db) if transient_conflict(db.as_ref()) => {
                tracing::warn!(error = %db, "transaction ended by a concurrent one; nothing written");
                Error::Unavailable
            }
            sqlx::Error::Database(db) => match StorageProblem::of(db.as_ref()) {
                Some(problem) => {
                    tracing::error!(error = %db, code = problem.code(), "the database refuses writes");
                    Error::Storage(problem)
                }
                None => Error::Internal(
                    anyhow::Error::new(sqlx::Error::Database(db)).context("database query failed"),
                ),
            },
            other => Error::Internal(anyhow::Error::new(other).context("database query failed")),
        }
    }
}

/// A file the service writes itself (an upload spooled to `data_dir/uploads`): a full disk
/// or a read-only one is the operator's problem, answered like the database's (503
/// `storage_full` or `storage_read_only`); anything else is an internal error.
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        use std::io::ErrorKind;
        let problem = match e.kind() {
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded => StorageProblem::Full,
            ErrorKind::ReadOnlyFilesystem => StorageProblem::ReadOnly,
            _ => return Error::Internal(anyhow::Error::new(e).context("file I/O failed")),
        };
        tracing::error!(error = %e, code = problem.code(), "the disk refuses writes");
        Error::Storage(problem)
    }
}

/// PostgreSQL's answers while it stops, starts or loses the connection: SQLSTATE class 57P
/// (`admin_shutdown` from `pg_ctl stop -m fast`, `crash_shutdown`, `cannot_connect_now` while
/// starting or shutting down) and class 08 (connection exceptions). They pass; a query retried
/// a little later succeeds, so they are 503 with `Retry-After`, never a 500.
fn server_unavailable(e: &dyn sqlx::error::DatabaseError) -> bool {
    postgres_code(e).is_some_and(|c| c.starts_with("57P") || c.starts_with("08"))
}

/// SQLSTATE 40P01 (`deadlock_detected`) and 40001 (`serialization_failure`) on PostgreSQL.
fn transient_conflict(e: &dyn sqlx::error::DatabaseError) -> bool {
    postgres_code(e).is_some_and(|c| c == "40P01" || c == "40001")
}

/// The SQLSTATE of a PostgreSQL error; `None` for SQLite, whose result codes are not
/// SQLSTATEs.
fn postgres_code(e: &dyn sqlx::error::DatabaseError) -> Option<std::borrow::Cow<'_, str>> {
    if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        return None;
    }
    e.code()
}

/// Why the database cannot store anything: the operator's problem, not the caller's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageProblem {
    /// The disk (or the database's size limit) is full.
    Full,
    /// The database file or its folder is read-only.
    ReadOnly,
    /// The disk fails to read or write.
    Failing,
}

impl StorageProblem {
    /// Recognises the engines' storage errors: SQLite's primary result codes `SQLITE_FULL`
    /// (13), `SQLITE_READONLY` (8) and `SQLITE_IOERR` (10), and PostgreSQL's SQLSTATEs
    /// `53100` (disk full), `25006` (read-only transaction, a standby) and class `58` (I/O).
    pub fn of(e: &dyn sqlx::error::DatabaseError) -> Option<StorageProblem> {
        let code = e.code()?;
        if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
            return match code.parse::<i64>().ok()? & 0xff {
                13 => Some(StorageProblem::Full),
                8 => Some(StorageProblem::ReadOnly),
                10 => Some(StorageProblem::Failing),
                _ => None,
            };
        }
        match code.as_ref() {
            "53100" => Some(StorageProblem::Full),
            "25006" => Some(StorageProblem::ReadOnly),
            c if c.starts_with("58") => Some(StorageProblem::Failing),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            StorageProblem::Full => "storage_full",
            StorageProblem::ReadOnly => "storage_read_only",
            StorageProblem::Failing => "storage_failing",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            StorageProblem::Full => {
                "The service's storage is full, so nothing was changed. Reading still works; \
                 the operator has been alerted."
            }
            StorageProblem::ReadOnly => {
                "The service's storage is read-only, so nothing was changed. Reading still \
                 works; the operator has been alerted."
            }
            StorageProblem::Failing => {
                "The service cannot write to its storage, so nothing was changed. Try again \
                 shortly."
            }
        }
    }
}

/// Turns a unique-constraint violation into a domain error instead of a check-then-insert race.
pub trait ResultExt<T> {
    fn on_unique_violation(self, f: impl FnOnce() -> Error) -> Result<T>;
}

impl<T> ResultExt<T> for std::result::Result<T, sqlx::Error> {
    fn on_unique_violation(self, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => f(),
            _ => e.into(),
        })
    }
}

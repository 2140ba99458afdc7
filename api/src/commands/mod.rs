//! The write path: every route that changes something. Handlers parse and validate input,
//! authorise the caller, build a domain command and run it through the command service; the
//! answer carries the entity id, the stream version and the log position.
//!
//! Two headers apply to every command route: `Idempotency-Key` (a retry with the same key, by
//! the same caller, answers the first result and writes nothing) and `If-Match` (the stream
//! version the caller last saw; another version is refused with 409, never retried).

pub mod admin;
pub mod auth;
pub mod directory;
pub mod tickets;

use actix_web::{HttpMessage, HttpRequest};
use ledgerdesk_core::command::{CommandOptions, Executed};
use ledgerdesk_core::{StreamId, StreamKind};
use serde::Serialize;
use ulid::Ulid;

use crate::auth::Caller;
use crate::error::ApiError;

/// The longest accepted `Idempotency-Key`.
const IDEMPOTENCY_KEY_MAX: usize = 255;

/// What a command route answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommandAnswer {
    /// The entity's id (`kind-ULID`).
    pub id: String,
    /// Its sequential number within its kind.
    pub number: u64,
    /// The stream's version after the command.
    pub version: u64,
    /// The log position of the command's last event: pass it as `min_position` to read it back.
    pub position: u64,
}

impl CommandAnswer {
    /// The answer for what the command service did (a retried command answers the first run).
    pub fn of<E>(done: &Executed<E>) -> CommandAnswer {
        CommandAnswer {
            id: done.stream.to_string(),
            number: done.stream_number,
            version: done.version,
            position: done.position,
        }
    }
}

/// The command options a request asks for through its headers. The idempotency key is scoped
/// to the caller (`user:key`), so that two callers who happen to pick the same key never
/// receive each other's results.
pub fn options(req: &HttpRequest, caller: &Caller) -> Result<CommandOptions, ApiError> {
    let header = |name: &'static str| -> Result<Option<String>, ApiError> {
        req.headers()
            .get(name)
            .map(|v| {
                v.to_str().map(|s| s.trim().to_owned()).map_err(|_| {
                    ApiError::invalid(format!("{name} must be visible ASCII")).with_field(name)
                })
            })
            .transpose()
    };
    let idempotency_key = match header("Idempotency-Key")? {
        Some(key) if key.is_empty() || key.len() > IDEMPOTENCY_KEY_MAX => {
            return Err(ApiError::invalid(format!(
                "Idempotency-Key must have 1 to {IDEMPOTENCY_KEY_MAX} characters"
            ))
            .with_field("Idempotency-Key"))
        }
        Some(key) => Some(format!("{}:{key}", caller.user_id)),
        None => None,
    };
    let if_match = match header("If-Match")? {
        // An ETag-style value (`"3"`, `W/"3"`) is accepted as well as a bare version.
        Some(v) => Some(
            v.trim_start_matches("W/")
                .trim_matches('"')
                .parse::<u64>()
                .map_err(|_| {
                    ApiError::invalid("If-Match must be a stream version (a number)")
                        .with_field("If-Match")
                })?,
        ),
        None => None,
    };
    // The request id becomes the events' correlation id when it is a ULID (ours always are;
    // a client's own id of another shape leaves a fresh one), so an event leads back to the
    // request's log lines.
    let correlation_id = req
        .extensions()
        .get::<crate::request_id::RequestId>()
        .and_then(|id| Ulid::from_string(&id.0).ok());
    Ok(CommandOptions {
        if_match,
        idempotency_key,
        correlation_id,
        ..CommandOptions::default()
    })
}

/// An id of `kind` from a client: `kind-ULID` or a bare ULID; 400 on `field` otherwise.
pub fn parse_id(input: &str, kind: StreamKind, field: &str) -> Result<Ulid, ApiError> {
    let input = input.trim();
    let bad = || {
        ApiError::invalid(format!(
            "{input:?} is not a {kind} id ({kind}-ULID or ULID)",
            kind = kind.as_str()
        ))
        .with_field(field)
    };
    match input.parse::<StreamId>() {
        Ok(stream) if stream.kind == kind => Ok(stream.id),
        Ok(_) => Err(bad()),
        Err(_) => Ulid::from_string(input).map_err(|_| bad()),
    }
}

/// Mounts the command routes (each documented in the OpenAPI document as it is mounted).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(auth::login).service(admin::rebuild_projection);
    tickets::configure(cfg);
    directory::templates::configure(cfg);
    directory::configure(cfg);
}

//! The write path: every route that changes something. Handlers parse and validate input,
//! authorise the caller, build a domain command and run it through the command service; the
//! answer carries the entity id, the stream version and the log position.

pub mod auth;

use serde::Serialize;

/// What a command route answers.
#[derive(Debug, Serialize)]
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

/// Mounts the command routes (each documented in the OpenAPI document as it is mounted).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(auth::login);
}

//! The write path: every route that changes something. Handlers parse and validate input,
//! authorise the caller, build a domain command and run it through the command service; the
//! answer carries the entity id, the stream version and the log position.

pub mod auth;

use actix_web::web;
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

/// Mounts the command routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/login", web::post().to(auth::login));
}

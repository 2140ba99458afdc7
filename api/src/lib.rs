//! ledgerdesk-api: the HTTP server.
//!
//! - [`config`]: flags, environment and an optional TOML file, resolved once.
//! - [`startup`]: [`startup::Application`] builds everything (store, command service,
//!   projections, first-start bootstrap), binds, and serves until SIGTERM.
//! - [`catalogue`]: the default statuses, ticket types and priorities, and the resolution of
//!   their ids into what ticket commands carry.
//! - [`demo`]: `--demo` loads a realistic sample desk through the command service, once.
//! - [`auth`]: passwords (argon2id), API tokens (stored as BLAKE3 hashes in the credential
//!   store), the [`auth::Caller`] extractor and role checks, login rate limits.
//! - [`commands`]: the write path (`POST`/`PUT`/`DELETE`), through the command service.
//! - [`queries`]: the read path (`GET`): read models, the log for integrators, health.
//! - [`openapi`]: the OpenAPI document's frame; paths are collected as routes are mounted
//!   (utoipa-actix-web), so a mounted route cannot be missing from it.
//! - [`request_id`]: a request id on every log line of a request, returned as `X-Request-Id`.
//! - [`error`]: the one JSON error shape and the mapping of every typed error to a status.
#![forbid(unsafe_code)]

pub mod auth;
pub mod blobs;
pub mod catalogue;
pub mod commands;
pub mod config;
pub mod demo;
pub mod error;
pub mod event_json;
pub mod metrics;
pub mod openapi;
pub mod queries;
pub mod request_id;
pub mod startup;
pub mod state;
pub mod telemetry;

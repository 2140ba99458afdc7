//! The read path: every `GET`. Queries read projections (and, for auditors and integrators,
//! the log itself), never write, and say which log position they reflect.

pub mod events;
pub mod health;
pub mod tickets;

use actix_web::web;

/// Mounts the query routes under `/api`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::get().to(events::list))
        .route("/events/feed", web::get().to(events::feed))
        .route("/streams/{stream}", web::get().to(events::stream))
        .route("/tickets/{id}/as-of", web::get().to(tickets::as_of));
}

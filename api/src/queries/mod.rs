//! The read path: every `GET`. Queries read projections (and, for auditors and integrators,
//! the log itself), never write, and say which log position they reflect.

pub mod events;
pub mod health;
pub mod tickets;

/// Mounts the query routes under `/api` (each documented as it is mounted). The feed comes
/// before the list so that `/events/feed` is not taken for a query of `/events`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(events::event_feed)
        .service(events::list_events)
        .service(events::read_stream)
        .service(tickets::ticket_as_of);
}

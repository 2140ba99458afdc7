//! The read path: every `GET`. Queries read projections (and, for auditors and integrators,
//! the log itself), never write, and say which log position they reflect.
//!
//! Read-your-writes: a query over read models accepts a minimum position (the `position` of a
//! command's answer), as the `min_position` query parameter or the `X-Min-Position` header. It
//! waits, at most [`CATCH_UP_TIMEOUT`], until every model it reads has reached it, then
//! answers; otherwise 503 `not_caught_up`.

pub mod approvals;
pub mod audit;
pub mod directory;
pub mod events;
mod filters;
pub mod health;
pub mod kb;
pub mod news;
mod params;
pub mod reports;
pub mod sla;
pub mod tickets;
pub mod time;

use std::time::Duration;

use actix_web::HttpRequest;

use crate::error::ApiError;
use crate::state::AppState;

/// How long a query waits for the read models to reach the position asked for.
pub const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(2);

/// The header form of `min_position`.
const MIN_POSITION_HEADER: &str = "X-Min-Position";

/// The minimum position a request asks for: the larger of the query parameter and the header.
pub fn min_position(req: &HttpRequest, from_query: Option<u64>) -> Result<u64, ApiError> {
    let from_header = match req.headers().get(MIN_POSITION_HEADER) {
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or_else(|| {
                ApiError::invalid("X-Min-Position must be a log position")
                    .with_field(MIN_POSITION_HEADER)
            })?,
        None => 0,
    };
    Ok(from_header.max(from_query.unwrap_or(0)))
}

/// Waits until the read models `models` have reached the position the request asks for.
pub async fn catch_up(
    state: &AppState,
    req: &HttpRequest,
    from_query: Option<u64>,
    models: &[&str],
) -> Result<(), ApiError> {
    let wanted = min_position(req, from_query)?;
    if wanted == 0 {
        return Ok(());
    }
    state
        .projections
        .wait_for(models, wanted, CATCH_UP_TIMEOUT)
        .await
        .map_err(|e| ApiError::not_caught_up(&e))
}

/// Mounts the query routes under `/api` (each documented as it is mounted). The feed comes
/// before the list so that `/events/feed` is not taken for a query of `/events`, and ticket
/// search and counts before `/tickets/{id}` so that `search` or `count` is not taken for a
/// ticket id.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(events::event_feed)
        .service(events::list_events)
        .service(events::read_stream)
        .service(tickets::search_tickets)
        .service(reports::count_tickets)
        .service(reports::ticket_counts)
        .service(tickets::list_tickets)
        .service(tickets::get_ticket)
        .service(tickets::ticket_history)
        .service(tickets::ticket_as_of)
        .service(approvals::pending)
        .service(approvals::ticket_approvals)
        .service(time::ticket_time)
        .service(time::time_report)
        .service(directory::group_members)
        .service(directory::user_groups)
        .service(directory::list_directory)
        .service(directory::get_directory)
        .service(directory::list_settings)
        .service(kb::list_articles)
        .service(kb::get_article)
        .service(news::list_news)
        .service(news::get_news)
        .service(news::list_notices)
        .service(sla::ticket_sla)
        .service(sla::overdue)
        .service(sla::compliance)
        .service(reports::daily)
        .service(reports::top)
        .service(audit::audit_feed)
        // A read, though its handler lives beside the upload it serves.
        .service(crate::commands::tickets::attachments::download);
}

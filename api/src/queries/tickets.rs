//! Ticket queries. `GET /api/tickets/{id}/as-of` is time travel: the ticket's state and
//! timeline as of a moment (`time`, RFC 3339) or a log position (`position`), folded from its
//! stream, exactly as `ledgerdesk-replay ticket --json` prints it.

use actix_web::{get, web, HttpResponse};
use ledgerdesk_core::ticket::TicketAggregate;
use ledgerdesk_core::timetravel::{self, Cutoff, ResolveError};
use ledgerdesk_core::EventStore;
use serde::Deserialize;

use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// Query of the time-travel route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    /// A moment, RFC 3339.
    time: Option<String>,
    /// A log position.
    position: Option<u64>,
}

/// The ticket as of a moment or position. Agents, auditors and admins (requesters would see
/// internal notes in a raw timeline).
#[utoipa::path(tag = "tickets", params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), AsOfQuery), security(("bearer" = [])), responses(
    (status = 200, description = "the ticket's state, version, position and timeline at the cutoff"),
    (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
))]
#[get("/tickets/{id}/as-of")]
pub async fn ticket_as_of(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Auditor, Role::Agent])?;
    let cutoff = Cutoff::parse(query.time.as_deref(), query.position)
        .map_err(|e| ApiError::invalid(e).with_field("time"))?;
    let stream = timetravel::resolve_ticket(&state.store, &path.into_inner())
        .await
        .map_err(|e| match e {
            ResolveError::Invalid(_) => ApiError::invalid(e.to_string()).with_field("id"),
            ResolveError::UnknownNumber(_) => ApiError::not_found(e.to_string()),
            ResolveError::Store(s) => s.into(),
        })?;
    let answer = timetravel::as_of::<TicketAggregate, _>(&state.store, stream, cutoff)
        .await
        .map_err(|e| ApiError::internal("folding a ticket", e))?;
    if answer.version == 0 && state.store.stream_version(stream).await?.is_none() {
        return Err(ApiError::not_found(format!("no ticket {stream}")));
    }
    Ok(HttpResponse::Ok().json(answer.snapshot(stream)))
}

//! Approval queries over the `approvals` read model: what a voter still has to vote on, and a
//! ticket's approvals with their votes. Both accept a minimum position (see
//! [`super::catch_up`]) and answer the `position` they reflect.

use actix_web::{get, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::{TicketAggregate, TicketLifecycle};
use ledgerdesk_core::StreamKind;
use ledgerdesk_projections::approvals;
use serde::Deserialize;
use serde_json::json;
use ulid::Ulid;

use super::catch_up;
use crate::auth::{Caller, Role};
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// Who may read approvals (requesters: their own tickets and their own pending votes).
const READERS: &[Role] = &[Role::Admin, Role::Agent, Role::Auditor, Role::Requester];

/// The ticket `id` names, if it exists and the caller may see it (404 otherwise, as for a
/// missing ticket).
pub(crate) async fn readable_ticket(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Ulid, ApiError> {
    let stream = crate::commands::tickets::resolve(state, id).await?;
    let (ticket, _) = state
        .commands
        .load::<TicketAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a ticket", e))?;
    let exists = !matches!(
        ticket.lifecycle,
        TicketLifecycle::NotCreated | TicketLifecycle::Purged
    );
    let visible = caller.role != Role::Requester || ticket.fields.requester_id == caller.user_id;
    if exists && visible {
        Ok(stream.id)
    } else {
        Err(ApiError::not_found(format!("no ticket {id}")))
    }
}

pub(crate) fn view(
    state: &AppState,
    name: &str,
) -> Result<ledgerdesk_projections::ProjectionView, ApiError> {
    state.view(name)
}

/// Query of `GET /api/approvals/pending`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PendingQuery {
    /// Another voter (`user-ULID` or ULID): agents and admins only. Default: the caller.
    voter: Option<String>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// The approvals still waiting for a voter's vote (the caller's by default), with the ticket
/// each belongs to.
#[utoipa::path(tag = "approvals", params(PendingQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `voter` and `items` (ticket id and approval)"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/approvals/pending")]
pub async fn pending(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<PendingQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let voter = match query.voter.as_deref() {
        Some(v) => parse_id(v, StreamKind::User, "voter")?,
        None => caller.user_id,
    };
    if voter != caller.user_id && !matches!(caller.role, Role::Admin | Role::Agent) {
        return Err(
            ApiError::forbidden("only agents and admins read another voter's approvals")
                .with_field("voter"),
        );
    }
    catch_up(&state, &req, query.min_position, &[approvals::NAME]).await?;
    let view = view(&state, approvals::NAME)?;
    let items = approvals::pending_for_voter(&view, voter)
        .map_err(|e| ApiError::internal("reading the approvals", e))?;
    Ok(HttpResponse::Ok().json(json!({
        "position": view.position(),
        "voter": voter.to_string(),
        "items": items,
    })))
}

/// Query of `GET /api/tickets/{id}/approvals`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TicketApprovalsQuery {
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// A ticket's approvals, waiting or ended, with each voter's vote.
#[utoipa::path(tag = "approvals", params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), TicketApprovalsQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position` and `approvals`"),
    (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/tickets/{id}/approvals")]
pub async fn ticket_approvals(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TicketApprovalsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let ticket = readable_ticket(&state, &caller, &path).await?;
    catch_up(&state, &req, query.min_position, &[approvals::NAME]).await?;
    let view = view(&state, approvals::NAME)?;
    let list = approvals::for_ticket(&view, ticket)
        .map_err(|e| ApiError::internal("reading the approvals", e))?;
    Ok(HttpResponse::Ok().json(json!({ "position": view.position(), "approvals": list })))
}

//! Solutions: an agent proposes one (a public reply marked as the solution, which moves the
//! ticket to a resolved status) or writes the resolution text; the requester accepts it with a
//! rating of 1 to 5 (which closes the ticket) or rejects it with a reason (which reopens it).
//! Agents and admins may record the requester's answer for them; auditors change nothing.

use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::{ReplyToTicket, Side, StatusCategory, StatusTarget, TicketCommand};
use serde::Deserialize;

use super::{
    new_item_id, run, run_creating, target, CommandHeaders, OnItemCreatedResponses,
    OnTicketResponses, PARTICIPANTS, WORKERS,
};
use crate::auth::Caller;
use crate::catalogue;
use crate::error::ApiError;
use crate::state::AppState;

/// A proposed solution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// The solution's text, sent to the requester as a public reply.
    body: String,
    /// A resolved status (default: the catalogue's Resolved).
    status_id: Option<String>,
}

/// Proposes a solution: a public reply marked as the solution, moving the ticket to a resolved
/// status. Answers the reply's id as `item_id`.
#[utoipa::path(tag = "tickets", request_body = Proposal, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnItemCreatedResponses))]
#[post("/tickets/{id}/solution")]
pub async fn propose(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Proposal>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input = body.into_inner();
    let stream = target(&state, &caller, &path).await?;
    let status = match &input.status_id {
        Some(s) => catalogue::status_ref(&state, s, "status_id").await?,
        None => catalogue::default_status(&state, StatusCategory::Resolved, "status_id").await?,
    };
    let comment_id = new_item_id(&req, &caller, "solution");
    let command = TicketCommand::Reply(Box::new(ReplyToTicket {
        is_solution: true,
        set_status: Some(StatusTarget {
            status,
            waiting_for: None,
        }),
        ..ReplyToTicket::plain(comment_id, caller.user_id, Side::Agent, &input.body)
    }));
    run_creating(&state, &caller, &req, stream, command, comment_id).await
}

/// The resolution text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// The text.
    text: String,
    /// Whether to copy it to linked tickets.
    #[serde(default)]
    propagate: bool,
}

/// Adds or edits the resolution text (SDP `resolutions`). Agents and admins.
#[utoipa::path(tag = "tickets", request_body = Resolution, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/resolution")]
pub async fn set_resolution(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Resolution>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input = body.into_inner();
    let stream = target(&state, &caller, &path).await?;
    let command = TicketCommand::SetResolution {
        text: input.text,
        propagate: input.propagate,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// The requester's acceptance.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// 1 (lowest) to 5 (highest).
    rating: u8,
    /// Required below 4.
    comment: Option<String>,
    /// A closed status (default: the catalogue's Closed).
    status_id: Option<String>,
}

/// Accepts the solution of a resolved ticket with a rating, which closes it.
#[utoipa::path(tag = "tickets", request_body = Acceptance, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/solution/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Acceptance>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PARTICIPANTS)?;
    let input = body.into_inner();
    if !(1..=5).contains(&input.rating) {
        return Err(ApiError::invalid("rating must be between 1 and 5").with_field("rating"));
    }
    let stream = target(&state, &caller, &path).await?;
    let closed_status = match &input.status_id {
        Some(s) => catalogue::status_ref(&state, s, "status_id").await?,
        None => catalogue::default_status(&state, StatusCategory::Closed, "status_id").await?,
    };
    let command = TicketCommand::AcceptSolution {
        rating: input.rating,
        comment: input.comment,
        closed_status,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// The requester's rejection.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolutionRejection {
    /// Why (required).
    reason: String,
    /// The status to reopen to (default: the catalogue's Open).
    status_id: Option<String>,
}

/// Rejects the solution of a resolved ticket, which reopens it.
#[utoipa::path(tag = "tickets", request_body = SolutionRejection, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/solution/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<SolutionRejection>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PARTICIPANTS)?;
    let input = body.into_inner();
    let stream = target(&state, &caller, &path).await?;
    let reopen_status = match &input.status_id {
        Some(s) => catalogue::status_ref(&state, s, "status_id").await?,
        None => catalogue::default_status(&state, StatusCategory::Open, "status_id").await?,
    };
    let command = TicketCommand::RejectSolution {
        reason: input.reason,
        reopen_status,
    };
    run(&state, &caller, &req, stream, command, false).await
}

//! Closing, reopening, and the trash.

use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::{CloseTicket, ClosedReason, StatusCategory, TicketCommand};
use serde::Deserialize;

use super::{optional_body, run, target, CommandHeaders, OnTicketResponses, WORKERS};
use crate::auth::Caller;
use crate::catalogue;
use crate::error::ApiError;
use crate::state::AppState;

/// Closure details.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    /// A status of the closed category (default: the catalogue's Closed).
    status_id: Option<String>,
    /// The agent's closing comments.
    comments: Option<String>,
}

/// Closes the ticket (manually). A closed ticket accepts only a reopen, trash and restore.
#[utoipa::path(tag = "tickets", request_body = Closure, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input: Closure = optional_body(&body)?;
    let stream = target(&state, &caller, &path).await?;
    let status = match &input.status_id {
        Some(s) => catalogue::status_ref(&state, s, "status_id").await?,
        None => catalogue::default_status(&state, StatusCategory::Closed, "status_id").await?,
    };
    let command = TicketCommand::Close(Box::new(CloseTicket {
        status,
        reason: ClosedReason::Manual,
        closure_code_id: None,
        comments: input.comments,
        requester_acknowledged: None,
        requester_comments: None,
    }));
    run(&state, &caller, &req, stream, command, false).await
}

/// A reopen.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reopening {
    /// A new, open or in-progress status (default: the catalogue's Open).
    status_id: Option<String>,
    /// Why.
    comment: Option<String>,
}

/// Reopens a resolved, closed or rejected ticket.
#[utoipa::path(tag = "tickets", request_body = Reopening, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/reopen")]
pub async fn reopen(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input: Reopening = optional_body(&body)?;
    let stream = target(&state, &caller, &path).await?;
    let status = match &input.status_id {
        Some(s) => catalogue::status_ref(&state, s, "status_id").await?,
        None => catalogue::default_status(&state, StatusCategory::Open, "status_id").await?,
    };
    let command = TicketCommand::Reopen {
        status,
        comment: input.comment,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// Moves the ticket to the trash: lists leave it out; only restore (and purge) apply.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/trash")]
pub async fn trash(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let stream = target(&state, &caller, &path).await?;
    run(&state, &caller, &req, stream, TicketCommand::Trash, false).await
}

/// Takes the ticket back from the trash.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/restore")]
pub async fn restore(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let stream = target(&state, &caller, &path).await?;
    run(&state, &caller, &req, stream, TicketCommand::Restore, false).await
}

//! Ending a ticket other than by closing it, and promoting it: cancel (the requester
//! withdraws it, or an agent does), reject (agents), purge (admins only: the ticket leaves
//! every read model for good) and promotion to major incident (agents).

use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::{StatusCategory, TicketCommand, TicketKind};
use serde::Deserialize;

use super::{optional_body, run, target, CommandHeaders, OnTicketResponses, PARTICIPANTS, WORKERS};
use crate::auth::{Caller, Role};
use crate::catalogue;
use crate::error::ApiError;
use crate::state::AppState;

/// A cancellation or a rejection.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ending {
    /// A status of the cancelled (or rejected) category (default: the catalogue's own).
    status_id: Option<String>,
    /// Why.
    comment: Option<String>,
}

async fn ending_status(
    state: &AppState,
    input: &Ending,
    category: StatusCategory,
) -> Result<ledgerdesk_core::ticket::StatusRef, ApiError> {
    match &input.status_id {
        Some(s) => catalogue::status_ref(state, s, "status_id").await,
        None => catalogue::default_status(state, category, "status_id").await,
    }
}

/// Withdraws the ticket for good (InvGate `incident.cancel`): by its requester or an agent.
#[utoipa::path(tag = "tickets", request_body = Ending, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(PARTICIPANTS)?;
    let input: Ending = optional_body(&body)?;
    let stream = target(&state, &caller, &path).await?;
    let status = ending_status(&state, &input, StatusCategory::Cancelled).await?;
    let command = TicketCommand::Cancel {
        status,
        comment: input.comment,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// Refuses the ticket (InvGate `incident.reject`). Agents and admins.
#[utoipa::path(tag = "tickets", request_body = Ending, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input: Ending = optional_body(&body)?;
    let stream = target(&state, &caller, &path).await?;
    let status = ending_status(&state, &input, StatusCategory::Rejected).await?;
    let command = TicketCommand::Reject {
        status,
        comment: input.comment,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// Removes the ticket from every read model for good (the log keeps its events). Admins only.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/purge")]
pub async fn purge(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let stream = target(&state, &caller, &path).await?;
    run(&state, &caller, &req, stream, TicketCommand::Purge, false).await
}

/// A promotion to major incident.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// A ticket type of the major-incident kind (default: the catalogue's Major incident).
    type_id: Option<String>,
}

/// Makes the ticket a major incident (InvGate `incident.promote.to.major.incident`).
#[utoipa::path(tag = "tickets", request_body = Promotion, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/promote")]
pub async fn promote(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let body: Promotion = optional_body(&body)?;
    let stream = target(&state, &caller, &path).await?;
    let ticket_type = match &body.type_id {
        Some(t) => catalogue::type_ref(&state, t, "type_id").await?,
        None => catalogue::default_type_of(&state, TicketKind::MajorIncident, "type_id").await?,
    };
    if ticket_type.kind != TicketKind::MajorIncident {
        return Err(
            ApiError::invalid("type_id must be a ticket type of the major-incident kind")
                .with_field("type_id"),
        );
    }
    let command = TicketCommand::PromoteToMajorIncident {
        type_id: ticket_type.type_id,
    };
    run(&state, &caller, &req, stream, command, false).await
}

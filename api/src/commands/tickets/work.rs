//! Working a ticket: its status and who it is assigned to.

use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::{StatusTarget, TicketCommand, WaitingReason};
use ledgerdesk_core::{StreamKind, Timestamp};
use serde::Deserialize;

use super::{group, run, target, user, CommandHeaders, OnTicketResponses, WORKERS};
use crate::auth::Caller;
use crate::catalogue;
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// What a ticket in a waiting status waits for: `"customer"`, `"agent"`,
/// `{"until": "<RFC 3339>"}` or `{"ticket": "<id>"}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum WaitingFor {
    /// A reply from the requester.
    Customer,
    /// An action by an agent.
    Agent,
    /// A moment (RFC 3339); the SLA clock resumes then.
    Until(String),
    /// Another ticket (`ticket-ULID` or ULID).
    Ticket(String),
}

impl WaitingFor {
    fn parse(&self) -> Result<WaitingReason, ApiError> {
        Ok(match self {
            WaitingFor::Customer => WaitingReason::Customer,
            WaitingFor::Agent => WaitingReason::Agent,
            WaitingFor::Until(at) => {
                let moment = chrono::DateTime::parse_from_rfc3339(at).map_err(|_| {
                    ApiError::invalid(format!("{at:?} is not an RFC 3339 moment"))
                        .with_field("waiting_for")
                })?;
                WaitingReason::Until(Timestamp(moment.timestamp_micros()))
            }
            WaitingFor::Ticket(id) => {
                WaitingReason::Ticket(parse_id(id, StreamKind::Ticket, "waiting_for")?)
            }
        })
    }
}

/// A move to another status of the catalogue.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// The status (`status-ULID` or ULID).
    status_id: String,
    /// Why.
    comment: Option<String>,
    /// Required for, and only for, a status of the waiting category.
    waiting_for: Option<WaitingFor>,
}

/// Moves the ticket to another status, within the transitions the domain allows.
#[utoipa::path(tag = "tickets", request_body = StatusChange, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<StatusChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let stream = target(&state, &caller, &path).await?;
    let input = body.into_inner();
    let status = catalogue::status_ref(&state, &input.status_id, "status_id").await?;
    let waiting_for = input
        .waiting_for
        .as_ref()
        .map(WaitingFor::parse)
        .transpose()?;
    let command = TicketCommand::ChangeStatus {
        target: StatusTarget {
            status,
            waiting_for,
        },
        comment: input.comment,
    };
    run(&state, &caller, &req, stream, command, false).await
}

// ---------------------------------------------------------------------------------------------
// Assignment.

/// A new group and/or agent; what is not named stays.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The group (`group-ULID` or ULID).
    group_id: Option<String>,
    /// The agent (`user-ULID` or ULID of an agent).
    agent_id: Option<String>,
}

/// Assigns a group and/or an agent (SDP `assign`).
#[utoipa::path(tag = "tickets", request_body = Assignment, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/assign")]
pub async fn assign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Assignment>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let stream = target(&state, &caller, &path).await?;
    let input = body.into_inner();
    let group_id = match &input.group_id {
        Some(g) => Some(group(&state, g, "group_id").await?),
        None => None,
    };
    let agent_id = match &input.agent_id {
        Some(a) => Some(user(&state, a, "agent_id", true).await?),
        None => None,
    };
    let command = TicketCommand::Assign { group_id, agent_id };
    run(&state, &caller, &req, stream, command, false).await
}

/// Assigns the ticket to the calling agent (SDP `pickup`); 409 if another agent holds it.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/pickup")]
pub async fn pick_up(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let stream = target(&state, &caller, &path).await?;
    run(&state, &caller, &req, stream, TicketCommand::PickUp, false).await
}

/// Removes the agent; the group stays. 409 if nobody is assigned.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/unassign")]
pub async fn unassign(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let stream = target(&state, &caller, &path).await?;
    run(
        &state,
        &caller,
        &req,
        stream,
        TicketCommand::Unassign,
        false,
    )
    .await
}

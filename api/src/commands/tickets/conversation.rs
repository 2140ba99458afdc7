//! The conversation: public replies (requesters on their own tickets too) and internal
//! notes (agents only).

use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::{ReplyToTicket, Side, StatusTarget, TicketCommand};
use serde::Deserialize;
use ulid::Ulid;

use super::{only_workers, run, target, CommandHeaders, OnTicketResponses, PARTICIPANTS, WORKERS};
use crate::auth::{Caller, Role};
use crate::catalogue;
use crate::error::ApiError;
use crate::state::AppState;

/// A public reply.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    /// The text, 1 to 100 000 characters.
    body: String,
    /// Whether it is the solution (then `status_id` must be a resolved status). Agents only.
    #[serde(default)]
    is_solution: bool,
    /// A status to move to with the reply. Agents only.
    status_id: Option<String>,
}

/// Adds a public reply: by an agent on any ticket, by a requester on their own.
#[utoipa::path(tag = "tickets", request_body = NewReply, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/replies")]
pub async fn reply(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewReply>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PARTICIPANTS)?;
    let input = body.into_inner();
    only_workers(&caller, input.is_solution, "is_solution")?;
    only_workers(&caller, input.status_id.is_some(), "status_id")?;
    let stream = target(&state, &caller, &path).await?;
    let set_status = match &input.status_id {
        Some(s) => Some(StatusTarget {
            status: catalogue::status_ref(&state, s, "status_id").await?,
            waiting_for: None,
        }),
        None => None,
    };
    let side = if caller.role == Role::Requester {
        Side::Requester
    } else {
        Side::Agent
    };
    let command = TicketCommand::Reply(Box::new(ReplyToTicket {
        set_status,
        is_solution: input.is_solution,
        ..ReplyToTicket::plain(Ulid::new(), caller.user_id, side, &input.body)
    }));
    run(&state, &caller, &req, stream, command, false).await
}

/// An internal note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// The text, 1 to 100 000 characters.
    body: String,
}

/// Adds an internal note, which requesters never see. Agents and admins only.
#[utoipa::path(tag = "tickets", request_body = NewNote, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/notes")]
pub async fn add_note(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewNote>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let stream = target(&state, &caller, &path).await?;
    let command = TicketCommand::AddNote {
        note_id: Ulid::new(),
        author_id: caller.user_id,
        body: body.into_inner().body,
        attachments: Vec::new(),
    };
    run(&state, &caller, &req, stream, command, false).await
}

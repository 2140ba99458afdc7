//! Editing and deleting replies and notes. The old text stays on record in the event; agents
//! and admins only (a requester's reply is part of the record once sent).

use actix_web::{delete, patch, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::TicketCommand;
use serde::Deserialize;

use super::{item_id, run, target, CommandHeaders, OnTicketResponses, WORKERS};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// A new text for a reply or a note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewText {
    /// The text, 1 to 100 000 characters.
    body: String,
}

/// Changes the text of a public reply.
#[utoipa::path(tag = "tickets", request_body = NewText, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("comment_id" = String, Path, description = "the reply's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[patch("/tickets/{id}/replies/{comment_id}")]
pub async fn edit_reply(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<NewText>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, comment) = path.into_inner();
    let comment_id = item_id(&comment, "comment_id")?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::EditReply {
        comment_id,
        body: body.into_inner().body,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// Deletes a public reply (its text stays on record).
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("comment_id" = String, Path, description = "the reply's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[delete("/tickets/{id}/replies/{comment_id}")]
pub async fn delete_reply(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, comment) = path.into_inner();
    let comment_id = item_id(&comment, "comment_id")?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::DeleteReply { comment_id };
    run(&state, &caller, &req, stream, command, false).await
}

/// Changes the text of an internal note.
#[utoipa::path(tag = "tickets", request_body = NewText, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("note_id" = String, Path, description = "the note's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[patch("/tickets/{id}/notes/{note_id}")]
pub async fn edit_note(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<NewText>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, note) = path.into_inner();
    let note_id = item_id(&note, "note_id")?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::EditNote {
        note_id,
        body: body.into_inner().body,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// Deletes an internal note (its text stays on record).
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("note_id" = String, Path, description = "the note's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[delete("/tickets/{id}/notes/{note_id}")]
pub async fn delete_note(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, note) = path.into_inner();
    let note_id = item_id(&note, "note_id")?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::DeleteNote { note_id };
    run(&state, &caller, &req, stream, command, false).await
}

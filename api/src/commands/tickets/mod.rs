//! Ticket commands: `POST /api/tickets` and the routes under `/api/tickets/{id}` that change a
//! ticket (fields, status, assignment, replies, notes, close, reopen, trash, restore).
//!
//! `{id}` is the ticket's number (1001...), `ticket-ULID` or its ULID. Each handler parses its
//! JSON body, resolves catalogue ids (a status comes with its category, a type with its kind),
//! checks who may do it, and hands one [`TicketCommand`] to the command service; the rules of
//! the ticket itself (transitions, closed tickets, lengths) are the domain's, and its refusals
//! come back through [`crate::error::Refusal`].
//!
//! Who may do what: agents and admins everything; a requester may open tickets for themselves
//! and reply to their own (another's ticket is a 404 to them, as if it did not exist);
//! auditors and custom roles change nothing here (403).
//!
//! Files: [`fields`] (create, `PATCH`), [`work`] (status, assign, pick up, unassign),
//! [`conversation`] (replies, notes), [`lifecycle`] (close, reopen, trash, restore); the steps
//! they share (resolving `{id}`, the requester check, running the command) are here.

use actix_web::{HttpRequest, HttpResponse};
use ledgerdesk_core::aggregate::CommandContext;
use ledgerdesk_core::directory::group::GroupAggregate;
use ledgerdesk_core::directory::user::{UserAggregate, UserKind};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::ticket::{TicketAggregate, TicketCommand, TicketLifecycle};
use ledgerdesk_core::timetravel::{self, ResolveError};
use ledgerdesk_core::{StreamId, StreamKind, Timestamp};
use serde::{Deserialize, Deserializer};
use ulid::Ulid;

use super::{options, parse_id, CommandAnswer};
use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::state::AppState;

pub mod conversation;
pub mod fields;
pub mod lifecycle;
pub mod work;

/// Roles that work tickets: every command.
pub(crate) const WORKERS: &[Role] = &[Role::Admin, Role::Agent];
/// Roles that may open tickets and reply (requesters on their own tickets only).
pub(crate) const PARTICIPANTS: &[Role] = &[Role::Admin, Role::Agent, Role::Requester];

/// Mounts the ticket command routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(fields::create_ticket)
        .service(fields::update_ticket)
        .service(work::change_status)
        .service(work::assign)
        .service(work::pick_up)
        .service(work::unassign)
        .service(conversation::reply)
        .service(conversation::add_note)
        .service(lifecycle::close)
        .service(lifecycle::reopen)
        .service(lifecycle::trash)
        .service(lifecycle::restore);
}

// ---------------------------------------------------------------------------------------------
// Shared steps.

/// The ticket stream `{id}` names (it may not exist: the domain then answers 404).
pub async fn resolve(state: &AppState, id: &str) -> Result<StreamId, ApiError> {
    timetravel::resolve_ticket(&state.store, id)
        .await
        .map_err(|e| match e {
            ResolveError::Invalid(_) => ApiError::invalid(e.to_string()).with_field("id"),
            ResolveError::UnknownNumber(_) => ApiError::not_found(e.to_string()),
            ResolveError::Store(s) => s.into(),
        })
}

/// Resolves `{id}` and, for a requester, checks that the ticket is theirs: another's ticket
/// answers 404 exactly like a missing one, so requesters cannot probe for tickets.
pub(crate) async fn target(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<StreamId, ApiError> {
    let stream = resolve(state, id).await?;
    if caller.role == Role::Requester {
        let (ticket, _) = state
            .commands
            .load::<TicketAggregate>(stream)
            .await
            .map_err(|e| ApiError::internal("loading a ticket", e))?;
        let visible = ticket.lifecycle != TicketLifecycle::NotCreated
            && ticket.fields.requester_id == caller.user_id;
        if !visible {
            return Err(ApiError::not_found(format!("no ticket {id}")));
        }
    }
    Ok(stream)
}

/// Runs `command` on `stream` as the caller, with the request's idempotency key and
/// `If-Match`, and answers the [`CommandAnswer`]: 201 with `Location` for a create, else 200.
pub(crate) async fn run(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    stream: StreamId,
    command: TicketCommand,
    created: bool,
) -> Result<HttpResponse, ApiError> {
    let options = options(req, caller)?;
    let ctx = CommandContext {
        actor: caller.actor(),
        now: Timestamp::now(),
    };
    let done = state
        .commands
        .execute::<TicketAggregate>(stream, &command, &ctx, options)
        .await?;
    let answer = CommandAnswer::of(&done);
    Ok(if created {
        HttpResponse::Created()
            .insert_header(("Location", format!("/api/tickets/{}", answer.number)))
            .json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    })
}

/// A user who exists and is not deleted; `agent` also requires an agent (not a requester).
pub(crate) async fn user(
    state: &AppState,
    input: &str,
    field: &str,
    agent: bool,
) -> Result<Ulid, ApiError> {
    let id = parse_id(input, StreamKind::User, field)?;
    let (user, _) = state
        .commands
        .load::<UserAggregate>(StreamId::new(StreamKind::User, id))
        .await
        .map_err(|e| ApiError::internal("loading a user", e))?;
    if user.lifecycle != Lifecycle::Active {
        return Err(ApiError::invalid(format!("no user {input}")).with_field(field));
    }
    if agent && user.kind != UserKind::Agent {
        return Err(ApiError::invalid(format!("{input} is not an agent")).with_field(field));
    }
    Ok(id)
}

/// A group that exists and is not deleted.
pub(crate) async fn group(state: &AppState, input: &str, field: &str) -> Result<Ulid, ApiError> {
    let id = parse_id(input, StreamKind::Group, field)?;
    let (group, _) = state
        .commands
        .load::<GroupAggregate>(StreamId::new(StreamKind::Group, id))
        .await
        .map_err(|e| ApiError::internal("loading a group", e))?;
    if group.lifecycle != Lifecycle::Active {
        return Err(ApiError::invalid(format!("no group {input}")).with_field(field));
    }
    Ok(id)
}

/// Refuses a field a requester may not set, naming it.
pub(crate) fn only_workers(caller: &Caller, set: bool, field: &str) -> Result<(), ApiError> {
    if set && caller.role == Role::Requester {
        return Err(
            ApiError::forbidden(format!("requesters cannot set {field}")).with_field(field),
        );
    }
    Ok(())
}

/// A JSON body that may be left out entirely (then every field takes its default). Not
/// `Option<Json<T>>`, which would silently take a malformed body or an unknown field for "no
/// body".
pub(crate) fn optional_body<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        let message = e.to_string();
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .map(str::to_owned);
        let mut error = ApiError::invalid(message);
        error.field = field;
        error
    })
}

/// For an optional field that may also be cleared: absent is `None`, `null` is `Some(None)`.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The consistency headers every ticket command takes, described once for the OpenAPI
/// document (handlers read them through `commands::options`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct CommandHeaders {
    /// The stream version last seen: a mismatch is a 409.
    #[param(rename = "If-Match")]
    if_match: Option<u64>,
    /// Makes a retry return the first answer and write nothing.
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
}

/// What a command on an existing ticket answers, described once for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum OnTicketResponses {
    /// Done (or a retry found it done): id, number, version and log position.
    #[response(status = 200)]
    Done(CommandAnswer),
    /// Bad input; `field` names it.
    #[response(status = 400)]
    BadInput(crate::error::ErrorBody),
    /// The caller's role may not do this.
    #[response(status = 403)]
    Forbidden(crate::error::ErrorBody),
    /// No such ticket (or not the requester's own).
    #[response(status = 404)]
    NotFound(crate::error::ErrorBody),
    /// The ticket's state refuses it, or `If-Match` is stale.
    #[response(status = 409)]
    Conflict(crate::error::ErrorBody),
}

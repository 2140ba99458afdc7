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
//! [`conversation`] (replies, notes), [`messages`] (editing and deleting them),
//! [`lifecycle`] (close, reopen, trash, restore), [`outcomes`] (cancel, reject, purge,
//! promotion), [`approvals`], [`solutions`], [`time`], [`people`], [`links`] and
//! [`attachments`]; the steps they share (resolving `{id}`, the requester check, running the
//! command, ids of new sub-entities) are here.

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

pub mod approvals;
pub mod attachments;
pub mod conversation;
pub mod fields;
pub mod lifecycle;
pub mod links;
pub mod messages;
pub mod outcomes;
pub mod people;
pub mod solutions;
pub mod time;
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
        .service(lifecycle::restore)
        .service(messages::edit_reply)
        .service(messages::delete_reply)
        .service(messages::edit_note)
        .service(messages::delete_note)
        .service(outcomes::cancel)
        .service(outcomes::reject)
        .service(outcomes::purge)
        .service(outcomes::promote)
        .service(approvals::request)
        .service(approvals::request_spontaneous)
        .service(approvals::add_voter)
        .service(approvals::vote)
        .service(approvals::cancel)
        .service(solutions::propose)
        .service(solutions::set_resolution)
        .service(solutions::accept)
        .service(solutions::reject)
        .service(time::log_time)
        .service(time::delete_entry)
        .service(time::edit_entry)
        .service(people::add_person)
        .service(people::remove_person)
        .service(links::link_ticket)
        .service(links::unlink_ticket)
        .service(links::link_external)
        .service(links::unlink_external)
        .service(links::associate)
        .service(links::dissociate)
        .service(attachments::upload)
        .service(attachments::remove);
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

/// What a command that creates something inside a ticket (an approval, a time entry, a link,
/// an attachment) answers: the [`CommandAnswer`] and the new item's id.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedAnswer {
    /// The ticket's id, number, version and log position.
    #[serde(flatten)]
    pub command: CommandAnswer,
    /// The id of what was created inside the ticket (a ULID).
    pub item_id: String,
}

/// Runs a command that creates `item_id` inside the ticket and answers [`CreatedAnswer`].
pub(crate) async fn run_creating(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    stream: StreamId,
    command: TicketCommand,
    item_id: Ulid,
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
    Ok(HttpResponse::Ok().json(CreatedAnswer {
        command: CommandAnswer::of(&done),
        item_id: item_id.to_string(),
    }))
}

/// The id of a sub-entity a command creates. With an `Idempotency-Key` it is derived from the
/// caller, the key and `what`, so a retry names the same id as the first run (whose answer the
/// command service replays); without one it is fresh.
pub(crate) fn new_item_id(req: &HttpRequest, caller: &Caller, what: &str) -> Ulid {
    match req
        .headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
    {
        Some(key) => {
            let hash = blake3::hash(format!("{}:{}:{what}", caller.user_id, key.trim()).as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&hash.as_bytes()[..16]);
            Ulid::from_bytes(bytes)
        }
        None => Ulid::new(),
    }
}

/// A ULID from a path segment or body field (approvals, entries, links, attachments); 400 on
/// `field` otherwise.
pub(crate) fn item_id(input: &str, field: &str) -> Result<Ulid, ApiError> {
    Ulid::from_string(input.trim())
        .map_err(|_| ApiError::invalid(format!("{input:?} is not a ULID")).with_field(field))
}

/// An RFC 3339 moment from a client; 400 on `field` otherwise.
pub(crate) fn moment(input: &str, field: &str) -> Result<Timestamp, ApiError> {
    chrono::DateTime::parse_from_rfc3339(input.trim())
        .map(|m| Timestamp(m.timestamp_micros()))
        .map_err(|_| {
            ApiError::invalid(format!("{input:?} is not an RFC 3339 moment")).with_field(field)
        })
}

/// A ticket (other than the one being worked) that exists: for links and associations.
pub(crate) async fn other_ticket(
    state: &AppState,
    caller: &Caller,
    input: &str,
    field: &str,
) -> Result<Ulid, ApiError> {
    let stream = target(state, caller, input).await.map_err(|e| {
        if e.status == actix_web::http::StatusCode::NOT_FOUND {
            ApiError::invalid(format!("no ticket {input}")).with_field(field)
        } else {
            e.with_field(field)
        }
    })?;
    let (ticket, _) = state
        .commands
        .load::<TicketAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a ticket", e))?;
    if matches!(
        ticket.lifecycle,
        TicketLifecycle::NotCreated | TicketLifecycle::Purged
    ) {
        return Err(ApiError::invalid(format!("no ticket {input}")).with_field(field));
    }
    Ok(stream.id)
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

/// What a command that creates something inside a ticket answers, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum OnItemCreatedResponses {
    /// Done (or a retry found it done): the ticket's answer and the new item's id.
    #[response(status = 200)]
    Done(CreatedAnswer),
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

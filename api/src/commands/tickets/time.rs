//! Time tracking: logging time spent on a ticket (with a time category), correcting an entry
//! and deleting one. Agents and admins log, correct any entry and delete; a user with a custom
//! role may correct only their own entries (the domain checks the author); requesters and
//! auditors never change time entries.

use actix_web::{delete, patch, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::catalogue_item::{ItemAggregate, ItemKind};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::ticket::{EditTimeEntry, TicketCommand};
use ledgerdesk_core::{StreamId, StreamKind, Timestamp};
use serde::Deserialize;
use ulid::Ulid;

use super::{
    item_id, moment, new_item_id, nullable, run, run_creating, target, user, CommandHeaders,
    OnItemCreatedResponses, OnTicketResponses, WORKERS,
};
use crate::auth::{Caller, Role};
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// The longest single entry: a week, in minutes.
const MAX_MINUTES: u32 = 7 * 24 * 60;

/// Time spent. Give `from` and `to`, or `minutes` (then `to` defaults to now).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTimeEntry {
    /// When the work started (RFC 3339).
    from: Option<String>,
    /// When it ended (RFC 3339; default now).
    to: Option<String>,
    /// How long, in minutes (instead of `from`).
    minutes: Option<u32>,
    /// The time category (`timecategory-ULID` or ULID).
    category_id: Option<String>,
    /// What was done.
    comment: Option<String>,
    /// Who spent it (an agent; default the caller).
    user_id: Option<String>,
}

/// A time category that exists and is not deleted.
async fn time_category(state: &AppState, input: &str) -> Result<Ulid, ApiError> {
    let id = parse_id(input, StreamKind::TimeCategory, "category_id")?;
    let (item, _) = state
        .commands
        .load::<ItemAggregate>(StreamId::new(StreamKind::TimeCategory, id))
        .await
        .map_err(|e| ApiError::internal("loading a time category", e))?;
    if item.lifecycle != Lifecycle::Active || item.kind != Some(ItemKind::TimeCategory) {
        return Err(
            ApiError::invalid(format!("no time category {input}")).with_field("category_id")
        );
    }
    Ok(id)
}

/// Records time spent on the ticket; answers the entry's id as `item_id`.
#[utoipa::path(tag = "time", request_body = NewTimeEntry, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnItemCreatedResponses))]
#[post("/tickets/{id}/time")]
pub async fn log_time(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewTimeEntry>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input = body.into_inner();
    let to = match &input.to {
        Some(at) => moment(at, "to")?,
        None => Timestamp::now(),
    };
    let from = match (&input.from, input.minutes) {
        (Some(_), Some(_)) => {
            return Err(
                ApiError::invalid("give either from or minutes, not both").with_field("minutes")
            )
        }
        (Some(at), None) => Some(moment(at, "from")?),
        (None, Some(m)) if m == 0 || m > MAX_MINUTES => {
            return Err(
                ApiError::invalid(format!("minutes must be between 1 and {MAX_MINUTES}"))
                    .with_field("minutes"),
            )
        }
        (None, Some(m)) => Some(Timestamp(to.0 - i64::from(m) * 60_000_000)),
        (None, None) => return Err(ApiError::invalid("give from or minutes").with_field("minutes")),
    };
    let stream = target(&state, &caller, &path).await?;
    let category_id = match &input.category_id {
        Some(c) => Some(time_category(&state, c).await?),
        None => None,
    };
    let user_id = match &input.user_id {
        Some(u) => user(&state, u, "user_id", true).await?,
        None => caller.user_id,
    };
    let entry_id = new_item_id(&req, &caller, "time");
    let command = TicketCommand::LogTime {
        entry_id,
        user_id,
        from,
        to,
        category_id,
        comment: input.comment,
    };
    run_creating(&state, &caller, &req, stream, command, entry_id).await
}

/// Deletes a time entry.
#[utoipa::path(tag = "time", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("entry_id" = String, Path, description = "the entry's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[delete("/tickets/{id}/time/{entry_id}")]
pub async fn delete_entry(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, entry) = path.into_inner();
    let entry_id = item_id(&entry, "entry_id")?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::DeleteTimeEntry { entry_id };
    run(&state, &caller, &req, stream, command, false).await
}

/// A correction of a time entry: every field is optional and left out keeps the entry's value;
/// `from` and `category_id` may be `null` (unknown start, no category). `minutes` sets the
/// start that many minutes before the (new or kept) end.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeEntryPatch {
    /// When the work started (RFC 3339; `null`: unknown).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    from: Option<Option<String>>,
    /// When it ended (RFC 3339).
    to: Option<String>,
    /// How long, in minutes (instead of `from`).
    minutes: Option<u32>,
    /// The time category (`timecategory-ULID` or ULID; `null`: none).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    category_id: Option<Option<String>>,
    /// What was done (`null` or empty: nothing).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    comment: Option<Option<String>>,
    /// Who spent it (an agent; agents and admins only).
    user_id: Option<String>,
}

/// Corrects a time entry; the time model moves its totals to the new values.
#[utoipa::path(tag = "time", request_body = TimeEntryPatch, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("entry_id" = String, Path, description = "the entry's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[patch("/tickets/{id}/time/{entry_id}")]
pub async fn edit_entry(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<TimeEntryPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Agent, Role::Custom])?;
    let any_entry = WORKERS.contains(&caller.role);
    let input = body.into_inner();
    let (id, entry) = path.into_inner();
    let entry_id = item_id(&entry, "entry_id")?;
    let to = input.to.as_deref().map(|at| moment(at, "to")).transpose()?;
    let from = match (&input.from, input.minutes) {
        (Some(_), Some(_)) => {
            return Err(
                ApiError::invalid("give either from or minutes, not both").with_field("minutes")
            )
        }
        (Some(None), None) => Some(None),
        (Some(Some(at)), None) => Some(Some(moment(at, "from")?)),
        (None, Some(m)) if m == 0 || m > MAX_MINUTES => {
            return Err(
                ApiError::invalid(format!("minutes must be between 1 and {MAX_MINUTES}"))
                    .with_field("minutes"),
            )
        }
        (None, Some(m)) => {
            // Minutes count back from the end: the new one, or the entry's current one.
            let end = match to {
                Some(to) => to,
                None => current_end(&state, &caller, &id, entry_id).await?,
            };
            Some(Some(Timestamp(end.0 - i64::from(m) * 60_000_000)))
        }
        (None, None) => None,
    };
    if input.user_id.is_some() && !any_entry {
        return Err(ApiError::forbidden(
            "only agents and admins may move an entry to another user",
        )
        .with_field("user_id"));
    }
    let stream = target(&state, &caller, &id).await?;
    let category_id = match &input.category_id {
        Some(Some(c)) => Some(Some(time_category(&state, c).await?)),
        Some(None) => Some(None),
        None => None,
    };
    let user_id = match &input.user_id {
        Some(u) => Some(user(&state, u, "user_id", true).await?),
        None => None,
    };
    let command = TicketCommand::EditTimeEntry(EditTimeEntry {
        entry_id,
        any_entry,
        user_id,
        from,
        to,
        category_id,
        comment: input.comment,
    });
    run(&state, &caller, &req, stream, command, false).await
}

/// The end of an existing entry (for `minutes` without `to`); an unknown entry is a 404.
async fn current_end(
    state: &AppState,
    caller: &Caller,
    id: &str,
    entry_id: Ulid,
) -> Result<Timestamp, ApiError> {
    let stream = target(state, caller, id).await?;
    let (ticket, _) = state
        .commands
        .load::<ledgerdesk_core::ticket::TicketAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a ticket", e))?;
    ticket
        .time_entries
        .get(&entry_id)
        .map(|e| e.to)
        .ok_or_else(|| ApiError::not_found(format!("no time entry {entry_id}")))
}

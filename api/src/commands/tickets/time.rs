//! Time tracking: logging time spent on a ticket (with a time category) and deleting an entry.
//! Agents and admins only; requesters never see or change time entries.
//!
//! The domain records an entry once and deletes it; it has no edit. A correction is a delete
//! and a new entry.

use actix_web::{delete, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::catalogue_item::{ItemAggregate, ItemKind};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::ticket::TicketCommand;
use ledgerdesk_core::{StreamId, StreamKind, Timestamp};
use serde::Deserialize;
use ulid::Ulid;

use super::{
    item_id, moment, new_item_id, run, run_creating, target, user, CommandHeaders,
    OnItemCreatedResponses, OnTicketResponses, WORKERS,
};
use crate::auth::Caller;
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

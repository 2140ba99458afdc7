//! Deletes whose guard counts references in the directory model as well as in the ticket
//! views (admins), each with an optional `?replacement_id=` of the same kind:
//! `DELETE /api/companies/{id}` (users whose profile names the company),
//! `DELETE /api/locations/{id}` (refused while it has sub-locations; tickets at it and users
//! whose profile names it), `DELETE /api/calendars/{id}` (priorities whose SLA counts in it),
//! `DELETE /api/categories/{id}` (refused while it has subcategories; tickets with it at any
//! level of their category path). Urgencies, impacts, closure codes and time categories are
//! deleted through `DELETE /api/catalogue/{kind}/{id}` ([`super::removals`]).
//!
//! Every count is read once the model it comes from reflects the whole log (a delete racing a
//! new reference may miss it; the domain guard then sees the count of the head it read). The
//! domain refuses (409 `still_referenced`, naming the count) while anything refers, unless a
//! live replacement is named (400 on `replacement_id` otherwise); the ticket views and the
//! directory model then move the tickets and users onto the replacement when they fold the
//! delete event.

use actix_web::{delete, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::calendar::{CalendarAggregate, CalendarCommand};
use ledgerdesk_core::directory::category::{CategoryAggregate, CategoryCommand};
use ledgerdesk_core::directory::company::{CompanyAggregate, CompanyCommand};
use ledgerdesk_core::directory::location::{LocationAggregate, LocationCommand};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::{EventStore, StreamId, StreamKind};
use ledgerdesk_projections::directory::{self, Entry};
use ledgerdesk_projections::views::TicketFilter;
use ledgerdesk_projections::ProjectionView;
use serde::Deserialize;
use serde_json::Value;
use ulid::Ulid;

use super::deletes::{delete_target, DeleteTarget};
use super::removals::{directory_entries, referring};
use super::{run, ticket_references, DirectoryResponses, Replacement, ADMINS};
use crate::auth::Caller;
use crate::commands::parse_id;
use crate::commands::tickets::CommandHeaders;
use crate::error::ApiError;
use crate::state::AppState;

/// The deepest a location tree is walked when resolving ancestors (a longer chain is refused).
const MAX_DEPTH: usize = 256;

/// The model `name`, once it reflects the whole log.
pub(super) async fn caught_up(state: &AppState, name: &str) -> Result<ProjectionView, ApiError> {
    state
        .projections
        .wait_for(
            &[name],
            state.store.head(),
            crate::queries::CATCH_UP_TIMEOUT,
        )
        .await
        .map_err(|e| ApiError::not_caught_up(&e))?;
    state.view(name)
}

/// Live users whose profile link `link` is `id`, from the directory model at the head.
pub(super) async fn linked_users(state: &AppState, link: &str, id: Ulid) -> Result<u64, ApiError> {
    let view = caught_up(state, directory::NAME).await?;
    directory::users_linked(&view, link, id).map_err(|e| ApiError::internal("counting users", e))
}

/// Deletes a company (admins): while users' profiles name it, `?replacement_id=` names the
/// company they move to.
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`company-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/companies/{id}")]
pub async fn delete_company(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let DeleteTarget {
        id, replacement_id, ..
    } = delete_target::<CompanyAggregate>(&state, &path, &query, StreamKind::Company, |x| {
        x.lifecycle
    })
    .await?;
    let command = CompanyCommand::Delete {
        open_ticket_references: linked_users(&state, "company_id", id).await?,
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::Company, id);
    run::<CompanyAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a location (admins): refused while it has sub-locations; while tickets are at it or
/// users' profiles name it, `?replacement_id=` names the location they move to.
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`location-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/locations/{id}")]
pub async fn delete_location(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let DeleteTarget {
        id, replacement_id, ..
    } = delete_target::<LocationAggregate>(&state, &path, &query, StreamKind::Location, |x| {
        x.lifecycle
    })
    .await?;
    let locations = directory_entries(&state, StreamKind::Location).await?;
    let filter = TicketFilter {
        location: Some(Some(id)),
        ..TicketFilter::default()
    };
    let tickets = ticket_references(&state, &filter).await?;
    let users = linked_users(&state, "location_id", id).await?;
    let command = LocationCommand::Delete {
        child_count: referring(&locations, "parent_id", id),
        open_ticket_references: tickets.saturating_add(users),
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::Location, id);
    run::<LocationAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Whether a priority entry's SLA counts in `calendar`.
fn counts_in(priority: &Entry, calendar: Ulid) -> bool {
    priority
        .attribute("sla")
        .and_then(|sla| sla.get("calendar_id").cloned())
        .is_some_and(|c| c == Value::String(calendar.to_string()))
}

/// Deletes a calendar (admins): while priorities' SLA targets count in it, `?replacement_id=`
/// must name another live calendar. The priorities keep their targets (a deleted calendar
/// keeps counting for the clocks already running) until an admin sets them again.
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "`calendar-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/calendars/{id}")]
pub async fn delete_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let DeleteTarget {
        id, replacement_id, ..
    } = delete_target::<CalendarAggregate>(&state, &path, &query, StreamKind::Calendar, |x| {
        x.lifecycle
    })
    .await?;
    let priorities = directory_entries(&state, StreamKind::Priority).await?;
    let count = priorities.iter().filter(|p| counts_in(p, id)).count();
    let command = CalendarCommand::Delete {
        open_ticket_references: u64::try_from(count).unwrap_or(u64::MAX),
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::Calendar, id);
    run::<CalendarAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a ticket category (admins): refused while it has subcategories; while tickets have
/// it anywhere in their category path, `?replacement_id=` names the category they move to, a
/// sibling (same parent, or both top-level: 400 otherwise), so that their paths stay paths.
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "`category-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/categories/{id}")]
pub async fn delete_category(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let DeleteTarget {
        id,
        replacement_id,
        replacement: other,
    } = delete_target::<CategoryAggregate>(&state, &path, &query, StreamKind::Category, |x| {
        x.lifecycle
    })
    .await?;
    if let Some(other) = other {
        // Tickets keep their path with the node swapped in place: a sibling keeps it a path.
        let (this, _) = state
            .commands
            .load::<CategoryAggregate>(StreamId::new(StreamKind::Category, id))
            .await
            .map_err(|e| ApiError::internal("loading a category", e))?;
        if this.lifecycle == Lifecycle::Active && other.parent_id != this.parent_id {
            return Err(ApiError::invalid(
                "the replacement must sit under the same parent as the deleted category",
            )
            .with_field("replacement_id"));
        }
    }
    let categories = directory_entries(&state, StreamKind::Category).await?;
    let filter = TicketFilter {
        category_node: Some(id),
        ..TicketFilter::default()
    };
    let command = CategoryCommand::Delete {
        child_count: referring(&categories, "parent_id", id),
        open_ticket_references: ticket_references(&state, &filter).await?,
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::Category, id);
    run::<CategoryAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// The new parent of a location (`null`: the root).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParent {
    /// `location-ULID` or ULID of a live location, or `null` for the root.
    parent_id: Option<String>,
}

/// The ancestors of location `parent` (root first), walked up the directory model's parents.
fn ancestors(view: &ProjectionView, parent: Ulid) -> Result<Vec<Ulid>, ApiError> {
    let mut chain = Vec::new();
    let mut at = parent;
    loop {
        let entry = directory::get(view, StreamKind::Location, at)
            .map_err(|e| ApiError::internal("reading the directory", e))?;
        let next = entry
            .and_then(|e| e.attribute("parent_id"))
            .and_then(|p| p.as_str().and_then(|s| Ulid::from_string(s).ok()));
        match next {
            Some(p) if chain.len() < MAX_DEPTH => {
                chain.push(p);
                at = p;
            }
            Some(_) => {
                return Err(
                    ApiError::invalid("the location tree is too deep here").with_field("parent_id")
                )
            }
            None => break,
        }
    }
    chain.reverse();
    Ok(chain)
}

/// Moves a location under another (or to the root) (admins). The parent must be a live
/// location (400 on `parent_id`); a move under the location itself or one of its descendants
/// is refused (400 on `parent_id`). Its name must be free among its new siblings (409).
#[utoipa::path(tag = "directory", request_body = NewParent, security(("bearer" = [])),
    params(("id" = String, Path, description = "`location-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/locations/{id}/move")]
pub async fn move_location(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewParent>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::Location, "id")?;
    let parent_id = body
        .into_inner()
        .parent_id
        .map(|p| parse_id(&p, StreamKind::Location, "parent_id"))
        .transpose()?;
    let parent_ancestors = match parent_id {
        None => Vec::new(),
        Some(parent) => {
            let (found, _) = state
                .commands
                .load::<LocationAggregate>(StreamId::new(StreamKind::Location, parent))
                .await
                .map_err(|e| ApiError::internal("loading the parent", e))?;
            if found.lifecycle != Lifecycle::Active {
                return Err(
                    ApiError::invalid(format!("no location {parent}")).with_field("parent_id")
                );
            }
            let view = caught_up(&state, directory::NAME).await?;
            ancestors(&view, parent)?
        }
    };
    let command = LocationCommand::Move {
        parent_id,
        parent_ancestors,
    };
    let stream = StreamId::new(StreamKind::Location, id);
    run::<LocationAggregate>(&state, &caller, &req, stream, command, None, None).await
}

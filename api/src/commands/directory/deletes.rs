//! Deleting what tickets refer to (admins): `DELETE /api/groups/{id}`,
//! `DELETE /api/priorities/{id}`, `DELETE /api/statuses/{id}`,
//! `DELETE /api/ticket_types/{id}`, each with an optional
//! `?replacement_id=`. The domain refuses (409 `still_referenced`) a delete that tickets
//! still need unless a replacement is named; the count comes from the ticket views once they
//! reflect the whole log ([`super::ticket_references`]). The replacement must exist (400),
//! a status's replacement must have the same category, and a ticket type's must allow every
//! priority the deleted type allows (so the tickets that move keep a priority their type
//! allows).

use actix_web::{delete, web, HttpRequest, HttpResponse};
use ledgerdesk_core::aggregate::Aggregate;
use ledgerdesk_core::directory::group::{GroupAggregate, GroupCommand};
use ledgerdesk_core::directory::priority::{PriorityAggregate, PriorityCommand};
use ledgerdesk_core::directory::status::{StatusAggregate, StatusCommand};
use ledgerdesk_core::directory::ticket_type::{TicketTypeAggregate, TicketTypeCommand};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::{StreamId, StreamKind};
use ledgerdesk_projections::views::TicketFilter;
use ulid::Ulid;

use super::{run, ticket_references, DirectoryResponses, Replacement, ADMINS};
use crate::auth::Caller;
use crate::commands::parse_id;
use crate::commands::tickets::CommandHeaders;
use crate::error::ApiError;
use crate::state::AppState;

/// The state of the `?replacement_id=` entity of `kind`, after checking it is live (400 on
/// `replacement_id` otherwise); `None` when no replacement was named.
pub(super) async fn live_replacement<A>(
    state: &AppState,
    kind: StreamKind,
    replacement: Option<Ulid>,
    lifecycle: impl Fn(&A::State) -> Lifecycle,
) -> Result<Option<A::State>, ApiError>
where
    A: Aggregate,
    A::State: Send + Sync + 'static,
{
    let Some(id) = replacement else {
        return Ok(None);
    };
    let (found, _) = state
        .commands
        .load::<A>(StreamId::new(kind, id))
        .await
        .map_err(|e| ApiError::internal("loading the replacement", e))?;
    if lifecycle(&found) != Lifecycle::Active {
        return Err(
            ApiError::invalid(format!("no {} {id}", kind.as_str())).with_field("replacement_id")
        );
    }
    Ok(Some(found))
}

/// Deletes a group (admins).
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`group-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/groups/{id}")]
pub async fn delete_group(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::Group, "id")?;
    let replacement_id = query.id(StreamKind::Group)?;
    live_replacement::<GroupAggregate>(&state, StreamKind::Group, replacement_id, |g| g.lifecycle)
        .await?;
    let filter = TicketFilter {
        group: Some(Some(id)),
        ..TicketFilter::default()
    };
    let command = GroupCommand::Delete {
        open_ticket_references: ticket_references(&state, &filter).await?,
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::Group, id);
    run::<GroupAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a priority (admins).
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "`priority-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/priorities/{id}")]
pub async fn delete_priority(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::Priority, "id")?;
    let replacement_id = query.id(StreamKind::Priority)?;
    live_replacement::<PriorityAggregate>(&state, StreamKind::Priority, replacement_id, |p| {
        p.lifecycle
    })
    .await?;
    let filter = TicketFilter {
        priority: Some(Some(id)),
        ..TicketFilter::default()
    };
    let command = PriorityCommand::Delete {
        open_ticket_references: ticket_references(&state, &filter).await?,
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::Priority, id);
    run::<PriorityAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a status (admins); a replacement must have the same category.
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "`status-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/statuses/{id}")]
pub async fn delete_status(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::Status, "id")?;
    let replacement_id = query.id(StreamKind::Status)?;
    let other =
        live_replacement::<StatusAggregate>(&state, StreamKind::Status, replacement_id, |s| {
            s.lifecycle
        })
        .await?;
    if let Some(other) = other {
        let (this, _) = state
            .commands
            .load::<StatusAggregate>(StreamId::new(StreamKind::Status, id))
            .await
            .map_err(|e| ApiError::internal("loading a status", e))?;
        if this.lifecycle == Lifecycle::Active && other.category != this.category {
            return Err(ApiError::invalid(format!(
                "the replacement is {:?}, not {:?}",
                other.category, this.category
            ))
            .with_field("replacement_id"));
        }
    }
    let filter = TicketFilter {
        status: Some(id),
        ..TicketFilter::default()
    };
    let command = StatusCommand::Delete {
        open_ticket_references: ticket_references(&state, &filter).await?,
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::Status, id);
    run::<StatusAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a ticket type (admins). Its tickets keep their kind; a replacement must allow
/// every priority the deleted type allows (a type that allows any priority can only be
/// replaced by another that does), 400 on `replacement_id` otherwise.
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "`tickettype-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/ticket_types/{id}")]
pub async fn delete_ticket_type(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::TicketType, "id")?;
    let replacement_id = query.id(StreamKind::TicketType)?;
    let other = live_replacement::<TicketTypeAggregate>(
        &state,
        StreamKind::TicketType,
        replacement_id,
        |t| t.lifecycle,
    )
    .await?;
    if let Some(other) = other {
        let stream = StreamId::new(StreamKind::TicketType, id);
        let (this, _) = state
            .commands
            .load::<TicketTypeAggregate>(stream)
            .await
            .map_err(|e| ApiError::internal("loading the ticket type", e))?;
        let allows_all = |wanted: &std::collections::BTreeSet<Ulid>| {
            other.priority_ids.is_empty()
                || (!wanted.is_empty() && wanted.is_subset(&other.priority_ids))
        };
        if !allows_all(&this.priority_ids) {
            return Err(ApiError::invalid(
                "the replacement type does not allow every priority this type allows",
            )
            .with_field("replacement_id"));
        }
    }
    let filter = TicketFilter {
        ticket_type: Some(id),
        ..TicketFilter::default()
    };
    let command = TicketTypeCommand::Delete {
        open_ticket_references: ticket_references(&state, &filter).await?,
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::TicketType, id);
    run::<TicketTypeAggregate>(&state, &caller, &req, stream, command, None, None).await
}

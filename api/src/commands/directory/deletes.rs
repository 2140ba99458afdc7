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

/// What a delete with an optional `?replacement_id=` starts from: the id in the path, the
/// replacement's id, and the replacement's state once checked live.
pub(super) struct DeleteTarget<S> {
    /// The entity to delete.
    pub id: Ulid,
    /// The `?replacement_id=`, if any.
    pub replacement_id: Option<Ulid>,
    /// The replacement's state (for checks beyond "live": a status's category...).
    pub replacement: Option<S>,
}

/// Reads a delete's target of `kind` from `path` and its `?replacement_id=` from `query`, and
/// checks the replacement is live (400 on `replacement_id` otherwise).
pub(super) async fn delete_target<A>(
    state: &AppState,
    path: &str,
    query: &Replacement,
    kind: StreamKind,
    lifecycle: impl Fn(&A::State) -> Lifecycle,
) -> Result<DeleteTarget<A::State>, ApiError>
where
    A: Aggregate,
    A::State: Send + Sync + 'static,
{
    let id = parse_id(path, kind, "id")?;
    let replacement_id = query.id(kind)?;
    let Some(other) = replacement_id else {
        return Ok(DeleteTarget {
            id,
            replacement_id,
            replacement: None,
        });
    };
    let (found, _) = state
        .commands
        .load::<A>(StreamId::new(kind, other))
        .await
        .map_err(|e| ApiError::internal("loading the replacement", e))?;
    if lifecycle(&found) != Lifecycle::Active {
        return Err(
            ApiError::invalid(format!("no {} {other}", kind.as_str())).with_field("replacement_id")
        );
    }
    Ok(DeleteTarget {
        id,
        replacement_id,
        replacement: Some(found),
    })
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
    let DeleteTarget {
        id, replacement_id, ..
    } = delete_target::<GroupAggregate>(&state, &path, &query, StreamKind::Group, |x| x.lifecycle)
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
    let DeleteTarget {
        id, replacement_id, ..
    } = delete_target::<PriorityAggregate>(&state, &path, &query, StreamKind::Priority, |x| {
        x.lifecycle
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
    let DeleteTarget {
        id,
        replacement_id,
        replacement: other,
    } = delete_target::<StatusAggregate>(&state, &path, &query, StreamKind::Status, |x| {
        x.lifecycle
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
    let DeleteTarget {
        id,
        replacement_id,
        replacement: other,
    } = delete_target::<TicketTypeAggregate>(&state, &path, &query, StreamKind::TicketType, |x| {
        x.lifecycle
    })
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

//! Ticket queries over the read models, and time travel.
//!
//! - `GET /api/tickets`: a filtered, sorted page of ticket summaries with a cursor (the `views`
//!   model); `GET /api/tickets/search?q=`: full-text search over subjects, descriptions and
//!   public replies (`views`); `GET /api/tickets/{id}`: one summary and its links to other
//!   tickets, those made from it (`outbound`) and those made from the others (`inbound`,
//!   derived by the `views` model since a link is written only to the linking ticket's stream);
//!   `GET /api/tickets/{id}/history`: every change with old and new values (`history`).
//!   Each accepts a minimum position (see [`super::catch_up`]) and answers the `position` it
//!   reflects. Requesters see their own tickets only (another's is a 404), and never the
//!   `internal` history entries (notes, time tracking).
//! - `GET /api/tickets/{id}/as-of` is time travel: the ticket's state and timeline as of a
//!   moment (`time`, RFC 3339) or a log position (`position`), folded from its stream, exactly
//!   as `ledgerdesk-replay ticket --json` prints it.

use actix_web::{get, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::TicketAggregate;
use ledgerdesk_core::timetravel::{self, Cutoff, ResolveError};
use ledgerdesk_core::{EventStore, StreamKind};
use ledgerdesk_projections::history::{self, Visibility};
use ledgerdesk_projections::views::{self, SortField, TicketSummary, ViewsError};
use ledgerdesk_projections::ProjectionView;
use serde::Deserialize;
use serde_json::json;
use ulid::Ulid;

use super::catch_up;
use super::filters::ticket_filter_query;
use crate::auth::{Caller, Role};
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// Who may read tickets at all (requesters: their own only).
const READERS: &[Role] = &[Role::Admin, Role::Agent, Role::Auditor, Role::Requester];
/// The page size when the caller names none.
const DEFAULT_LIMIT: usize = 25;
/// The longest search text.
const SEARCH_MAX_CHARS: usize = 1_000;

fn view(state: &AppState, name: &str) -> Result<ProjectionView, ApiError> {
    state.view(name)
}

pub(crate) fn views_error(e: ViewsError) -> ApiError {
    match e {
        ViewsError::InvalidCursor => ApiError::invalid(e.to_string()).with_field("cursor"),
        ViewsError::PageSize(_) => ApiError::invalid(e.to_string()).with_field("limit"),
        ViewsError::Projection(p) => ApiError::read_model("reading the ticket views", p),
    }
}

/// The summary of the ticket `id` names (number, `ticket-ULID` or ULID), if the caller may
/// see it: 404 for a missing or purged ticket, and for a requester's view of another's.
fn find(view: &ProjectionView, caller: &Caller, id: &str) -> Result<TicketSummary, ApiError> {
    let found = match id.trim().parse::<u64>() {
        Ok(number) => views::get_by_number(view, number),
        Err(_) => views::get(view, parse_id(id, StreamKind::Ticket, "id")?),
    }
    .map_err(views_error)?;
    let visible = |s: &TicketSummary| {
        !s.purged && (caller.role != Role::Requester || s.requester_id == caller.user_id)
    };
    found
        .filter(visible)
        .ok_or_else(|| ApiError::not_found(format!("no ticket {id}")))
}

fn sort_field(input: Option<&str>) -> Result<SortField, ApiError> {
    Ok(match input.unwrap_or("created") {
        "created" => SortField::Created,
        "number" => SortField::Number,
        "updated" => SortField::Updated,
        "closed" => SortField::Closed,
        "priority" => SortField::Priority,
        "status" => SortField::Status,
        other => {
            return Err(ApiError::invalid(format!(
                "cannot sort by {other:?} (created, number, updated, closed, priority, status)"
            ))
            .with_field("sort"))
        }
    })
}

ticket_filter_query! {
    /// Query of `GET /api/tickets`: the list filters (shared with the count), then the order
    /// and the page. Ids are `kind-ULID` or ULIDs; `none` asks for tickets without one
    /// (`agent=none`: unassigned), and `agent=me` for the caller's.
    #[derive(Debug, Deserialize, utoipa::IntoParams)]
    #[serde(deny_unknown_fields)]
    pub struct ListQuery {
        /// `created` (default), `number`, `updated`, `closed`, `priority` or `status`.
        sort: Option<String>,
        /// `desc` (default) or `asc`.
        order: Option<String>,
        /// The `next` of the previous page.
        cursor: Option<String>,
        /// Page size, 1 to 100 (default 25).
        limit: Option<usize>,
        /// Wait until the read models reflect this log position (your last write's `position`).
        min_position: Option<u64>,
    }
}

/// A page of ticket summaries, with `next` to continue (a short page may still have one) and
/// the `position` it reflects.
#[utoipa::path(tag = "tickets", params(ListQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `items` (summaries), `next`, `total` when known"),
    (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody),
))]
#[get("/tickets")]
pub async fn list_tickets(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let query = query.into_inner();
    let filter = query.filter(&caller)?;
    let sort = sort_field(query.sort.as_deref())?;
    let descending = match query.order.as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(
                ApiError::invalid(format!("order is asc or desc, not {other:?}"))
                    .with_field("order"),
            )
        }
    };
    catch_up(&state, &req, query.min_position, &[views::NAME]).await?;
    let view = view(&state, views::NAME)?;
    let page = views::list(
        &view,
        &filter,
        sort,
        descending,
        query.cursor.as_deref(),
        query.limit.unwrap_or(DEFAULT_LIMIT),
    )
    .map_err(views_error)?;
    Ok(HttpResponse::Ok().json(page))
}

/// Query of the routes that read one ticket.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReadQuery {
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// One link as the ticket query answers it: the other ticket by id and number.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LinkAnswer {
    /// The link's id.
    link_id: String,
    /// The other ticket's id (ULID).
    ticket_id: String,
    /// The other ticket's number.
    number: u64,
    /// `outbound` (made from this ticket) or `inbound` (made from the other).
    #[schema(value_type = String)]
    direction: views::LinkDirection,
    /// Why they are linked.
    comment: Option<String>,
}

/// The links of `ticket` the caller may see: requesters only those to their own tickets.
fn links_of(
    view: &ProjectionView,
    caller: &Caller,
    ticket: Ulid,
) -> Result<Vec<LinkAnswer>, ApiError> {
    let records =
        views::links(view, ticket).map_err(|e| ApiError::internal("reading ticket links", e))?;
    let mut out = Vec::with_capacity(records.len());
    for link in records {
        let Some(other) = views::get(view, link.ticket_id).map_err(views_error)? else {
            continue;
        };
        if caller.role == Role::Requester && (other.purged || other.requester_id != caller.user_id)
        {
            continue;
        }
        out.push(LinkAnswer {
            link_id: link.link_id.to_string(),
            ticket_id: link.ticket_id.to_string(),
            number: other.number,
            direction: link.direction,
            comment: link.comment,
        });
    }
    Ok(out)
}

/// One ticket's summary, its links both ways, and the `position` it reflects.
#[utoipa::path(tag = "tickets", params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), ReadQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `ticket` (its summary) and `links` (`LinkAnswer`s, outbound and inbound)"),
    (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/tickets/{id}")]
pub async fn get_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    catch_up(&state, &req, query.min_position, &[views::NAME]).await?;
    let view = view(&state, views::NAME)?;
    let ticket = find(&view, &caller, &path)?;
    let links = links_of(&view, &caller, ticket.ticket_id)?;
    Ok(HttpResponse::Ok()
        .json(json!({ "position": view.position(), "ticket": ticket, "links": links })))
}

/// Query of `GET /api/tickets/{id}/history`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// The `next` of the previous page.
    after: Option<String>,
    /// Entries per page, 1 to 500 (default 100).
    limit: Option<usize>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// A ticket's history, oldest first: who changed what, when, with old and new values.
/// Requesters get the public entries of their own tickets only.
#[utoipa::path(tag = "tickets", params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), HistoryQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `entries` and `next`"),
    (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/tickets/{id}/history")]
pub async fn ticket_history(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(100);
    if !(1..=history::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and {}",
            history::MAX_LIMIT
        ))
        .with_field("limit"));
    }
    let after = query
        .after
        .as_deref()
        .map(str::parse::<history::Cursor>)
        .transpose()
        .map_err(|e| ApiError::invalid(e.to_string()).with_field("after"))?;
    catch_up(
        &state,
        &req,
        query.min_position,
        &[views::NAME, history::NAME],
    )
    .await?;
    // The summary says whether the ticket exists and whose it is.
    let ticket = find(&view(&state, views::NAME)?, &caller, &path)?;
    let history_view = view(&state, history::NAME)?;
    let mut page = history::ticket_history(&history_view, ticket.ticket_id, after, limit)
        .map_err(|e| ApiError::internal("reading the ticket history", e))?;
    if caller.role == Role::Requester {
        // After paging, so that `next` still follows the unfiltered entries.
        page.entries
            .retain(|entry| entry.visibility == Visibility::Public);
    }
    Ok(HttpResponse::Ok().json(page))
}

/// Query of `GET /api/tickets/search`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// The words to find (all of them), in subjects, descriptions and public replies.
    q: String,
    /// Search the trash instead.
    trashed: Option<bool>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 25).
    limit: Option<usize>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// Tickets containing every word of `q`. Internal notes are never searched. A requester gets
/// only their own tickets (a page may then be short and still have a `next`).
#[utoipa::path(tag = "tickets", params(SearchQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `terms`, `items` (summaries) and `next`"),
    (status = 400, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody),
))]
#[get("/tickets/search")]
pub async fn search_tickets(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let query = query.into_inner();
    if query.q.trim().is_empty() {
        return Err(ApiError::invalid("q must not be empty").with_field("q"));
    }
    if query.q.chars().count() > SEARCH_MAX_CHARS {
        return Err(
            ApiError::invalid(format!("q is longer than {SEARCH_MAX_CHARS} characters"))
                .with_field("q"),
        );
    }
    catch_up(&state, &req, query.min_position, &[views::NAME]).await?;
    let view = view(&state, views::NAME)?;
    let mut page = views::search(
        &view,
        &query.q,
        query.trashed.unwrap_or(false),
        query.cursor.as_deref(),
        query.limit.unwrap_or(DEFAULT_LIMIT),
    )
    .map_err(views_error)?;
    if caller.role == Role::Requester {
        page.items.retain(|s| s.requester_id == caller.user_id);
    }
    Ok(HttpResponse::Ok().json(page))
}

/// Query of the time-travel route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    /// A moment, RFC 3339.
    time: Option<String>,
    /// A log position.
    position: Option<u64>,
}

/// The ticket as of a moment or position. Agents, auditors and admins (requesters would see
/// internal notes in a raw timeline).
#[utoipa::path(tag = "tickets", params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), AsOfQuery), security(("bearer" = [])), responses(
    (status = 200, description = "the ticket's state, version, position and timeline at the cutoff"),
    (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
))]
#[get("/tickets/{id}/as-of")]
pub async fn ticket_as_of(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Auditor, Role::Agent])?;
    let cutoff = Cutoff::parse(query.time.as_deref(), query.position)
        .map_err(|e| ApiError::invalid(e).with_field("time"))?;
    let stream = timetravel::resolve_ticket(&state.store, &path.into_inner())
        .await
        .map_err(|e| match e {
            ResolveError::Invalid(_) => ApiError::invalid(e.to_string()).with_field("id"),
            ResolveError::UnknownNumber(_) => ApiError::not_found(e.to_string()),
            ResolveError::Store(s) => s.into(),
        })?;
    let answer = timetravel::as_of::<TicketAggregate, _>(&state.store, stream, cutoff)
        .await
        .map_err(|e| ApiError::internal("folding a ticket", e))?;
    if answer.version == 0 && state.store.stream_version(stream).await?.is_none() {
        return Err(ApiError::not_found(format!("no ticket {stream}")));
    }
    Ok(HttpResponse::Ok().json(answer.snapshot(stream)))
}

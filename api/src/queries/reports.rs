//! Ticket counts and dashboard statistics over the `views` model (Trudesk `tickets/count`,
//! `tickets/stats`, `count/tags`, `count/topgroups`; SDP's list totals):
//!
//! - `GET /api/tickets/count`: the exact number of tickets a list with the same filters as
//!   `GET /api/tickets` holds, and per filtered field how many tickets have that value;
//! - `GET /api/tickets/counts/{field}`: counts per value of a field, paged;
//! - `GET /api/stats/daily`: tickets created and closed per UTC day;
//! - `GET /api/stats/top/{field}`: the largest counters of a field.
//!
//! Agents, auditors and admins (a requester gets 403: counts over everyone's tickets). Each
//! accepts a minimum position (see [`super::catch_up`]) and answers the `position` it reflects.

use actix_web::{get, web, HttpRequest, HttpResponse};
use ledgerdesk_core::Timestamp;
use ledgerdesk_projections::views::{self, Field};
use serde::Deserialize;
use serde_json::json;

use super::approvals::view;
use super::catch_up;
use super::filters::ticket_filter_query;
use super::params::{limit, name_of, named, ordered};
use super::tickets::views_error;
use super::time::day;
use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// Who may read counts and statistics.
const STAFF: &[Role] = &[Role::Admin, Role::Agent, Role::Auditor];
/// The counts page size when the caller names none.
const DEFAULT_LIMIT: usize = 25;
/// The largest page of counts.
const MAX_LIMIT: usize = views::MAX_PAGE;
/// The days a daily statistic covers when the caller names no start.
const DEFAULT_DAYS: i64 = 30;
/// The most days one daily statistic covers (a year and a day: every day of a leap year).
const MAX_DAYS: i64 = 366;
/// The top counters served when the caller names no `n`.
const DEFAULT_TOP: usize = 10;
/// The most top counters served.
const MAX_TOP: usize = 100;

ticket_filter_query! {
    /// Query of `GET /api/tickets/count`: exactly the filters of `GET /api/tickets`.
    #[derive(Debug, Deserialize, utoipa::IntoParams)]
    #[serde(deny_unknown_fields)]
    pub struct CountQuery {
        /// Wait until the read models reflect this log position (your last write's `position`).
        min_position: Option<u64>,
    }
}

/// The number of tickets the list with these filters holds (`count`), and per filtered field
/// how many tickets have the value asked for (`per_field`, each an upper bound of `count`).
#[utoipa::path(tag = "reports", params(CountQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `count` and `per_field` (field name → tickets)"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/tickets/count")]
pub async fn count_tickets(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<CountQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let filter = query.filter(&caller)?;
    catch_up(&state, &req, query.min_position, &[views::NAME]).await?;
    let view = view(&state, views::NAME)?;
    let counted = views::count_filtered(&view, &filter).map_err(views_error)?;
    let per_field: serde_json::Map<String, serde_json::Value> = counted
        .per_field
        .iter()
        .filter_map(|(field, n)| Some((name_of(field)?, json!(n))))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "position": counted.position,
        "count": counted.exact,
        "per_field": per_field,
    })))
}

/// Query of `GET /api/tickets/counts/{field}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CountsQuery {
    /// Count the trash instead of the active tickets.
    trashed: Option<bool>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Values per page, 1 to 100 (default 25).
    limit: Option<usize>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// How many tickets have each value of a field (`status`, `status_category`, `group`,
/// `agent`, `priority`, `tag`, `created_day`...), in value order; `none` counts the tickets
/// without one. Values nobody has are absent.
#[utoipa::path(tag = "reports", params(("field" = String, Path, description = "`all`, `status`, `status_category`, `group`, `department`, `help_desk`, `agent`, `requester`, `priority`, `type`, `category`, `tag`, `source`, `created_day` or `closed_day`"), CountsQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `field`, `counts` (value, count) and `next`"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/tickets/counts/{field}")]
pub async fn ticket_counts(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<CountsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let field = named(&path, "field", &Field::ALL)?;
    let limit = limit(query.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    catch_up(&state, &req, query.min_position, &[views::NAME]).await?;
    let view = view(&state, views::NAME)?;
    let page = views::counts(
        &view,
        field,
        query.trashed.unwrap_or(false),
        query.cursor.as_deref(),
        limit,
    )
    .map_err(views_error)?;
    Ok(HttpResponse::Ok().json(page))
}

/// Query of `GET /api/stats/daily`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DailyQuery {
    /// First UTC day, `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<String>,
    /// Last UTC day, `YYYY-MM-DD` (default: today).
    to: Option<String>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// Active tickets created and closed on each UTC day of a range (at most 366 days), every day
/// listed, zero days included. A statistic of the current state: a reopened ticket no longer
/// counts on the day it was closed, a trashed one drops out until restored.
#[utoipa::path(tag = "reports", params(DailyQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position` and `days` (day, date, created, closed)"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/stats/daily")]
pub async fn daily(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<DailyQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let to_day = match query.to.as_deref() {
        Some(t) => day(t, "to")?,
        None => ledgerdesk_projections::time::day_of(Timestamp::now()),
    };
    let from_day = match query.from.as_deref() {
        Some(f) => day(f, "from")?,
        None => to_day - (DEFAULT_DAYS - 1),
    };
    ordered(from_day, to_day)?;
    if to_day - from_day + 1 > MAX_DAYS {
        return Err(
            ApiError::invalid(format!("a daily statistic covers at most {MAX_DAYS} days"))
                .with_field("from"),
        );
    }
    catch_up(&state, &req, query.min_position, &[views::NAME]).await?;
    let view = view(&state, views::NAME)?;
    let stats = views::daily(&view, from_day, to_day).map_err(views_error)?;
    Ok(HttpResponse::Ok().json(stats))
}

/// Query of `GET /api/stats/top/{field}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TopQuery {
    /// How many counters, 1 to 100 (default 10).
    n: Option<usize>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// The `n` largest counters of a field among active tickets (top tags, top groups...),
/// largest first, ties by value.
#[utoipa::path(tag = "reports", params(("field" = String, Path, description = "a field of `GET /api/tickets/counts/{field}` (`tag`, `group`, `agent`, `priority`, `status`...)"), TopQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `field` and `counts` (value, count)"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/stats/top/{field}")]
pub async fn top(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TopQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let field = named(&path, "field", &Field::ALL)?;
    let n = query.n.unwrap_or(DEFAULT_TOP);
    if !(1..=MAX_TOP).contains(&n) {
        return Err(
            ApiError::invalid(format!("n must be between 1 and {MAX_TOP}")).with_field("n"),
        );
    }
    catch_up(&state, &req, query.min_position, &[views::NAME]).await?;
    let view = view(&state, views::NAME)?;
    let page = views::top(&view, field, n).map_err(views_error)?;
    Ok(HttpResponse::Ok().json(page))
}

//! Time-tracking queries over the `time` read model: one ticket's entries and totals, and
//! reports over a range of UTC days per agent, category and day. Agents, auditors and admins
//! (time tracking is internal: requesters never see it). Both accept a minimum position (see
//! [`super::catch_up`]) and answer the `position` they reflect.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ledgerdesk_core::StreamKind;
use ledgerdesk_projections::time::{self, ReportFilter, MAX_DAYS};
use serde::Deserialize;
use serde_json::json;

use super::approvals::{readable_ticket, view};
use super::catch_up;
use crate::auth::{Caller, Role};
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// Who may read time tracking.
const READERS: &[Role] = &[Role::Admin, Role::Agent, Role::Auditor];
/// The range a report covers when the caller names none: the last 30 days.
const DEFAULT_DAYS: i64 = 30;

/// Query of `GET /api/tickets/{id}/time`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TicketTimeQuery {
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// A ticket's time entries, with totals per agent and per category (seconds and entries).
#[utoipa::path(tag = "time", params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), TicketTimeQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `entries`, `total`, `by_agent`, `by_category`"),
    (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/tickets/{id}/time")]
pub async fn ticket_time(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TicketTimeQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let ticket = readable_ticket(&state, &caller, &path).await?;
    catch_up(&state, &req, query.min_position, &[time::NAME]).await?;
    let view = view(&state, time::NAME)?;
    let answer =
        time::ticket_time(&view, ticket).map_err(|e| ApiError::internal("reading time", e))?;
    Ok(HttpResponse::Ok().json(json!({ "position": view.position(), "time": answer })))
}

/// Query of `GET /api/time`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TimeReportQuery {
    /// Only this agent (`user-ULID`, ULID, or `me`).
    agent: Option<String>,
    /// Only this time category (`timecategory-ULID`, ULID, or `none` for uncategorised).
    category: Option<String>,
    /// First UTC day, `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<String>,
    /// Last UTC day, `YYYY-MM-DD` (default: today).
    to: Option<String>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; 400 on `field` otherwise.
pub(crate) fn day(input: &str, field: &str) -> Result<i64, ApiError> {
    let date = NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(format!("{input:?} is not a date (YYYY-MM-DD)")).with_field(field)
    })?;
    Ok(date.signed_duration_since(NaiveDate::default()).num_days())
}

/// The date of a day number.
fn date(day: i64) -> String {
    (NaiveDate::default() + chrono::Duration::days(day)).to_string()
}

/// Time tracked over a range of UTC days: total, per agent, per category and per day
/// (seconds and entries), optionally for one agent and/or category.
#[utoipa::path(tag = "time", params(TimeReportQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `from`, `to`, `total`, `by_agent`, `by_category`, `by_day`"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/time")]
pub async fn time_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<TimeReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let query = query.into_inner();
    let agent = match query.agent.as_deref() {
        Some(me) if me.eq_ignore_ascii_case("me") => Some(caller.user_id),
        Some(a) => Some(parse_id(a, StreamKind::User, "agent")?),
        None => None,
    };
    let category = match query.category.as_deref() {
        Some(none) if none.eq_ignore_ascii_case("none") => Some(None),
        Some(c) => Some(Some(parse_id(c, StreamKind::TimeCategory, "category")?)),
        None => None,
    };
    let to_day = match query.to.as_deref() {
        Some(t) => day(t, "to")?,
        None => ledgerdesk_projections::time::day_of(ledgerdesk_core::Timestamp::now()),
    };
    let from_day = match query.from.as_deref() {
        Some(f) => day(f, "from")?,
        None => to_day - (DEFAULT_DAYS - 1),
    };
    if from_day > to_day {
        return Err(ApiError::invalid("from is after to").with_field("from"));
    }
    if to_day - from_day + 1 > MAX_DAYS {
        return Err(
            ApiError::invalid(format!("a report covers at most {MAX_DAYS} days"))
                .with_field("from"),
        );
    }
    catch_up(&state, &req, query.min_position, &[time::NAME]).await?;
    let view = view(&state, time::NAME)?;
    let filter = ReportFilter {
        from_day,
        to_day,
        agent,
        category,
    };
    let report = time::report(&view, &filter).map_err(|e| ApiError::internal("reading time", e))?;
    let by_day: Vec<_> = report
        .by_day
        .iter()
        .map(|r| json!({ "date": date(r.key), "totals": r.totals }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "position": view.position(),
        "from": date(from_day),
        "to": date(to_day),
        "total": report.total,
        "by_agent": report.by_agent,
        "by_category": report.by_category,
        "by_day": by_day,
    })))
}

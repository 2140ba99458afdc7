//! SLA queries over the `sla` read model: one ticket's clocks, the overdue list as of any
//! time, and compliance reports. Each accepts a minimum position (see [`super::catch_up`]) and
//! answers the `position` it reflects.
//!
//! "Now" (the default `as_of`, the end of a compliance period) is read from the server's clock
//! here at the edge: the model itself only knows the times recorded on events, which keeps it
//! a pure function of the log.

use actix_web::{get, web, HttpRequest, HttpResponse};
use ledgerdesk_core::Timestamp;
use ledgerdesk_projections::sla::{self, GroupBy, OverdueCursor, SlaKind};
use serde::Deserialize;
use serde_json::json;

use super::approvals::{readable_ticket, view};
use super::catch_up;
use super::params::{instant, limit, named};
use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// Who may read one ticket's SLA (requesters: their own tickets only).
const READERS: &[Role] = &[Role::Admin, Role::Agent, Role::Auditor, Role::Requester];
/// Who may read the overdue lists and reports.
const STAFF: &[Role] = &[Role::Admin, Role::Agent, Role::Auditor];
/// The overdue page size when the caller names none.
const DEFAULT_LIMIT: usize = 25;
/// The compliance period when the caller names no start: the 30 days before its end.
const DEFAULT_PERIOD_MICROS: i64 = 30 * 86_400_000_000;
/// What a compliance report groups by.
const GROUP_BYS: [GroupBy; 3] = [GroupBy::Priority, GroupBy::Group, GroupBy::Agent];

fn sla_error(e: ledgerdesk_projections::ProjectionError) -> ApiError {
    ApiError::internal("reading the sla model", e)
}

/// Query of `GET /api/tickets/{id}/sla`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TicketSlaQuery {
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// A ticket's SLA: the policy of each clock (first response, next update, resolution), due
/// times, pauses, met or breached outcomes, and which clocks are overdue now. `sla` is `null`
/// while the model has not yet reached the ticket's creation (ask with `min_position`).
#[utoipa::path(tag = "sla", params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), TicketSlaQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `ticket_id`, `as_of` (now), `sla` and `overdue` (the kinds overdue now)"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 404, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody),
))]
#[get("/tickets/{id}/sla")]
pub async fn ticket_sla(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<TicketSlaQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let ticket = readable_ticket(&state, &caller, &path).await?;
    catch_up(&state, &req, query.min_position, &[sla::NAME]).await?;
    let view = view(&state, sla::NAME)?;
    let answer = sla::ticket_sla(&view, ticket).map_err(sla_error)?;
    let now = Timestamp::now();
    let overdue_now: Vec<SlaKind> = match &answer.sla {
        Some(s) if !s.trashed => SlaKind::ALL
            .into_iter()
            .filter(|kind| s.clock(*kind).overdue_at(now))
            .collect(),
        _ => Vec::new(),
    };
    Ok(HttpResponse::Ok().json(json!({
        "position": answer.position,
        "ticket_id": ticket,
        "as_of": now,
        "sla": answer.sla,
        "overdue": overdue_now,
    })))
}

/// Query of `GET /api/sla/overdue`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OverdueQuery {
    /// The clock: `first_response`, `next_update` or `resolution` (required).
    kind: Option<String>,
    /// The moment to judge at (RFC 3339 or `YYYY-MM-DD`; default now). A past moment gives
    /// the list as it stood then; a future one, what will be overdue by then if nothing happens.
    as_of: Option<String>,
    /// The `next` of the previous page (same `kind` and `as_of`).
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 25).
    limit: Option<usize>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// Tickets whose `kind` clock is (or was, or will be) overdue at `as_of`, most overdue first,
/// with their priority, group and agent. Agents, auditors and admins.
#[utoipa::path(tag = "sla", params(OverdueQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `as_of`, `kind`, `items` (ticket, due, priority, group, agent) and `next`"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/sla/overdue")]
pub async fn overdue(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<OverdueQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let query = query.into_inner();
    let kind = match query.kind.as_deref() {
        Some(k) => named(k, "kind", &SlaKind::ALL)?,
        None => {
            return Err(ApiError::invalid(
                "kind is required: first_response, next_update or resolution",
            )
            .with_field("kind"))
        }
    };
    let as_of = match query.as_of.as_deref() {
        Some(at) => instant(at, "as_of")?,
        None => Timestamp::now(),
    };
    let cursor = query
        .cursor
        .as_deref()
        .map(str::parse::<OverdueCursor>)
        .transpose()
        .map_err(|e| ApiError::invalid(e.to_string()).with_field("cursor"))?;
    let limit = limit(query.limit, DEFAULT_LIMIT, sla::MAX_LIMIT)?;
    catch_up(&state, &req, query.min_position, &[sla::NAME]).await?;
    let view = view(&state, sla::NAME)?;
    let page = sla::overdue(&view, as_of, kind, cursor, limit).map_err(sla_error)?;
    Ok(HttpResponse::Ok().json(page))
}

/// Query of `GET /api/sla/compliance`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ComplianceQuery {
    /// Start of the period, inclusive (RFC 3339 or `YYYY-MM-DD`; default 30 days before `to`).
    from: Option<String>,
    /// End of the period, exclusive (RFC 3339 or `YYYY-MM-DD`; default and at most now: it
    /// is also the moment running clocks are judged at).
    to: Option<String>,
    /// `priority` (default), `group` or `agent`.
    by: Option<String>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

/// First-response and resolution targets met and breached in a period, per priority, group
/// or agent (a breach counts at its due time; a clock still running past its due time counts
/// as breached). Agents, auditors and admins.
#[utoipa::path(tag = "sla", params(ComplianceQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `from`, `to`, `by`, `rows` (key, first_response and resolution met/breached) and `truncated`"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/sla/compliance")]
pub async fn compliance(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ComplianceQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let query = query.into_inner();
    let by = match query.by.as_deref() {
        Some(b) => named(b, "by", &GROUP_BYS)?,
        None => GroupBy::Priority,
    };
    let now = Timestamp::now();
    // Running clocks are judged at `to`: a later end would count breaches that have not
    // happened (yet).
    let to = match query.to.as_deref() {
        Some(t) => instant(t, "to")?.min(now),
        None => now,
    };
    let from = match query.from.as_deref() {
        Some(f) => instant(f, "from")?,
        None => Timestamp(to.as_micros().saturating_sub(DEFAULT_PERIOD_MICROS)),
    };
    if from > to {
        return Err(ApiError::invalid("from is after to (to is at most now)").with_field("from"));
    }
    catch_up(&state, &req, query.min_position, &[sla::NAME]).await?;
    let view = view(&state, sla::NAME)?;
    let report = sla::compliance(&view, from, to, by).map_err(sla_error)?;
    Ok(HttpResponse::Ok().json(report))
}

//! The audit feed across tickets, over the `history` model: every change of every ticket, or
//! what one actor did, in time order, with old and new values and internal entries included.
//! Auditors and admins only. Accepts a minimum position (see [`super::catch_up`]) and answers
//! the `position` it reflects.

use actix_web::{get, web, HttpRequest, HttpResponse};
use ledgerdesk_core::{Actor, StreamKind};
use ledgerdesk_projections::history::{self, Cursor};
use serde::Deserialize;
use serde_json::json;

use super::approvals::view;
use super::catch_up;
use super::params::{instant, limit, ordered};
use crate::auth::{Caller, Role};
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// Who may read the audit feed.
const AUDITORS: &[Role] = &[Role::Admin, Role::Auditor];
/// The page size when the caller names none.
const DEFAULT_LIMIT: usize = 100;

/// Query of `GET /api/audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only what this actor did: a user (`user-ULID` or ULID) or `system`. Default: everyone.
    actor: Option<String>,
    /// From this moment, inclusive (RFC 3339 or `YYYY-MM-DD`).
    from: Option<String>,
    /// Before this moment, exclusive (RFC 3339 or `YYYY-MM-DD`).
    to: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Entries per page, 1 to 500 (default 100).
    limit: Option<usize>,
    /// Wait until the read models reflect this log position (your last write's `position`).
    min_position: Option<u64>,
}

fn actor(input: &str) -> Result<Actor, ApiError> {
    if input.trim().eq_ignore_ascii_case("system") {
        Ok(Actor::System)
    } else {
        parse_id(input, StreamKind::User, "actor").map(Actor::User)
    }
}

/// Ticket changes in `[from, to)` across tickets, oldest first, optionally of one actor: who
/// changed what, when, on which ticket, with old and new values (internal entries too).
#[utoipa::path(tag = "audit", params(AuditQuery,
        ("X-Min-Position" = Option<u64>, Header, description = "same as `min_position`")),
    security(("bearer" = [])), responses(
    (status = 200, description = "`position`, `actor` (or null), `entries` and `next`"),
    (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
    (status = 503, body = crate::error::ErrorBody),
))]
#[get("/audit")]
pub async fn audit_feed(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUDITORS)?;
    let query = query.into_inner();
    let actor = query.actor.as_deref().map(actor).transpose()?;
    let from = query
        .from
        .as_deref()
        .map(|f| instant(f, "from"))
        .transpose()?;
    let to = query.to.as_deref().map(|t| instant(t, "to")).transpose()?;
    if let (Some(from), Some(to)) = (from, to) {
        ordered(from, to)?;
    }
    let after = query
        .cursor
        .as_deref()
        .map(str::parse::<Cursor>)
        .transpose()
        .map_err(|e| ApiError::invalid(e.to_string()).with_field("cursor"))?;
    let limit = limit(query.limit, DEFAULT_LIMIT, history::MAX_LIMIT)?;
    catch_up(&state, &req, query.min_position, &[history::NAME]).await?;
    let view = view(&state, history::NAME)?;
    let page = match actor {
        Some(actor) => history::audit_by_actor(&view, actor, from, to, after, limit),
        None => history::audit_by_time(&view, from, to, after, limit),
    }
    .map_err(|e| ApiError::internal("reading the audit feed", e))?;
    Ok(HttpResponse::Ok().json(json!({
        "position": page.position,
        "actor": actor.map(|a| a.to_string()),
        "entries": page.entries,
        "next": page.next,
    })))
}

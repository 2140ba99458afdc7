//! Breaking news and notices over the `news` read model, for every role:
//! `GET /api/news` (active news, as of the latest news event or `as_of_us`; `all=true` for
//! every item), `GET /api/news/{id}` with its updates, `GET /api/notices` (active notices;
//! `all=true` lists inactive ones too, for staff and auditors).

use actix_web::{get, web, HttpRequest, HttpResponse};
use ledgerdesk_core::StreamKind;
use ledgerdesk_projections::news::{self, News, Notice};
use ledgerdesk_projections::ProjectionView;
use serde::Deserialize;
use serde_json::{json, Value};

use super::catch_up;
use crate::auth::{Caller, Role};
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

const READERS: &[Role] = &[Role::Admin, Role::Agent, Role::Auditor, Role::Requester];

/// Query of `GET /api/news`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NewsQuery {
    /// Active as of this time (microseconds since the epoch); default: the latest news event.
    as_of_us: Option<i64>,
    /// Every item, open or closed.
    all: Option<bool>,
    /// Wait until the model reflects this log position.
    min_position: Option<u64>,
}

/// Query of single reads and of notices.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    /// Inactive notices too (staff and auditors).
    all: Option<bool>,
    /// Wait until the model reflects this log position.
    min_position: Option<u64>,
}

fn view(state: &AppState) -> Result<ProjectionView, ApiError> {
    state.view(news::NAME)
}

fn news_json(n: &News) -> Value {
    let ids = |k: StreamKind, set: &std::collections::BTreeSet<ulid::Ulid>| {
        set.iter()
            .map(|id| format!("{}-{id}", k.as_str()))
            .collect::<Vec<_>>()
    };
    json!({
        "id": format!("{}-{}", StreamKind::BreakingNews.as_str(), n.id),
        "title": n.title,
        "body": n.body,
        "importance": format!("{:?}", n.importance).to_lowercase(),
        "group_ids": ids(StreamKind::Group, &n.group_ids),
        "helpdesk_ids": ids(StreamKind::HelpDesk, &n.helpdesk_ids),
        "resolution_time_us": n.resolution_time,
        "creator_id": n.creator_id.map(|c| format!("user-{c}")),
        "open": n.open,
        "updates": n.updates.iter().map(|u| json!({
            "id": u.update_id.to_string(),
            "body": u.body,
            "author_id": u.author_id.map(|a| format!("user-{a}")),
            "closed": u.closed,
            "at_us": u.at.0,
        })).collect::<Vec<_>>(),
        "created_at_us": n.created_at,
        "updated_at_us": n.updated_at,
        "version": n.version,
    })
}

fn notice_json(n: &Notice) -> Value {
    json!({
        "id": format!("{}-{}", StreamKind::Notice.as_str(), n.id),
        "name": n.content.name,
        "message": n.content.message,
        "colour": n.content.colour,
        "font_colour": n.content.font_colour,
        "alert_window": n.content.alert_window,
        "active": n.active_since.is_some(),
        "active_since_us": n.active_since,
        "version": n.version,
    })
}

/// Breaking news that is open (as of a time), newest first, with their updates.
#[utoipa::path(tag = "news", security(("bearer" = [])), params(NewsQuery),
    responses((status = 200, description = "news, as_of_us, position"),
        (status = 400, body = crate::error::ErrorBody)))]
#[get("/news")]
pub async fn list_news(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<NewsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    catch_up(&state, &req, query.min_position, &[news::NAME]).await?;
    let view = view(&state)?;
    let failed = |e| ApiError::internal("reading the news", e);
    let as_of = match query.as_of_us {
        Some(t) => t,
        None => news::latest(&view).map_err(failed)?,
    };
    let items = if query.all == Some(true) {
        news::all(&view)
    } else {
        news::active(&view, Some(as_of))
    }
    .map_err(failed)?;
    let items: Vec<Value> = items.iter().map(news_json).collect();
    Ok(HttpResponse::Ok().json(json!({
        "news": items,
        "as_of_us": as_of,
        "position": view.position(),
    })))
}

/// One breaking-news item with its updates.
#[utoipa::path(tag = "news", security(("bearer" = [])),
    params(("id" = String, Path, description = "`breakingnews-ULID` or ULID"), NoticeQuery),
    responses((status = 200, description = "news, position"),
        (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/news/{id}")]
pub async fn get_news(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let id = parse_id(&path, StreamKind::BreakingNews, "id")?;
    catch_up(&state, &req, query.min_position, &[news::NAME]).await?;
    let view = view(&state)?;
    let item = news::get(&view, id)
        .map_err(|e| ApiError::internal("reading the news", e))?
        .ok_or_else(|| ApiError::not_found(format!("no breaking news {path}")))?;
    Ok(HttpResponse::Ok().json(json!({"news": news_json(&item), "position": view.position()})))
}

/// The notices shown now (`all=true`: every notice not deleted; staff and auditors).
#[utoipa::path(tag = "news", security(("bearer" = [])), params(NoticeQuery),
    responses((status = 200, description = "notices, position"),
        (status = 403, body = crate::error::ErrorBody)))]
#[get("/notices")]
pub async fn list_notices(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let all = query.all == Some(true);
    if all {
        caller.require(&[Role::Admin, Role::Agent, Role::Auditor])?;
    }
    catch_up(&state, &req, query.min_position, &[news::NAME]).await?;
    let view = view(&state)?;
    let items = news::notices(&view, !all).map_err(|e| ApiError::internal("reading notices", e))?;
    let items: Vec<Value> = items.iter().map(notice_json).collect();
    Ok(HttpResponse::Ok().json(json!({"notices": items, "position": view.position()})))
}

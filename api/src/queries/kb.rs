//! KB queries over the `kb` read model: `GET /api/kb/articles` (keyword search with `q`,
//! else every article, newest update first) and `GET /api/kb/articles/{id}`. Requesters see
//! published articles only (a draft is a 404 to them); staff and auditors see drafts too.

use actix_web::{get, web, HttpRequest, HttpResponse};
use ledgerdesk_core::StreamKind;
use ledgerdesk_projections::kb::{self, Article, SearchPage, MAX_LIMIT};
use ledgerdesk_projections::ProjectionView;
use serde::Deserialize;
use serde_json::{json, Value};
use ulid::Ulid;

use super::catch_up;
use crate::auth::{Caller, Role};
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// The longest search text.
const QUERY_MAX_CHARS: usize = 500;

/// Query of `GET /api/kb/articles`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArticlesQuery {
    /// Keywords: articles having every word, best first.
    q: Option<String>,
    /// How many results to skip.
    offset: Option<usize>,
    /// Page size, 1 to 100 (default 20).
    limit: Option<usize>,
    /// Wait until the model reflects this log position.
    min_position: Option<u64>,
}

/// Query of `GET /api/kb/articles/{id}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArticleQuery {
    /// Wait until the model reflects this log position.
    min_position: Option<u64>,
}

fn readers(caller: &Caller) -> Result<(), ApiError> {
    caller.require(&[Role::Admin, Role::Agent, Role::Auditor, Role::Requester])
}

fn view(state: &AppState) -> Result<ProjectionView, ApiError> {
    state.view(kb::NAME)
}

fn article_json(a: &Article) -> Value {
    json!({
        "id": format!("{}-{}", StreamKind::KbArticle.as_str(), a.id),
        "title": a.title,
        "description": a.description,
        "content": a.content,
        "category_id": format!("{}-{}", StreamKind::KbCategory.as_str(), a.category_id),
        "published": a.published(),
        "private": a.private,
        "author_id": format!("user-{}", a.author_id),
        "responsible_id": format!("user-{}", a.responsible_id),
        "keywords": a.keywords,
        "attachments": a.attachments.iter().map(|(id, name)| json!({"id": id.to_string(), "name": name})).collect::<Vec<_>>(),
        "created_at_us": a.created_at,
        "updated_at_us": a.updated_at,
        "deleted": a.deleted,
        "version": a.version,
    })
}

/// Searches or lists KB articles.
#[utoipa::path(tag = "kb", security(("bearer" = [])), params(ArticlesQuery),
    responses((status = 200, description = "articles (with score when searching), total, position"),
        (status = 400, body = crate::error::ErrorBody)))]
#[get("/kb/articles")]
pub async fn list_articles(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ArticlesQuery>,
) -> Result<HttpResponse, ApiError> {
    readers(&caller)?;
    let limit = query.limit.unwrap_or(20);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(
            ApiError::invalid(format!("limit must be between 1 and {MAX_LIMIT}"))
                .with_field("limit"),
        );
    }
    if query
        .q
        .as_ref()
        .is_some_and(|q| q.chars().count() > QUERY_MAX_CHARS)
    {
        return Err(
            ApiError::invalid(format!("q is longer than {QUERY_MAX_CHARS} characters"))
                .with_field("q"),
        );
    }
    catch_up(&state, &req, query.min_position, &[kb::NAME]).await?;
    let view = view(&state)?;
    let published_only = caller.role == Role::Requester;
    let offset = query.offset.unwrap_or(0);
    let page: SearchPage = match query.q.as_deref().map(str::trim) {
        Some(q) if !q.is_empty() => kb::search(&view, q, published_only, offset, limit),
        Some(_) => return Err(ApiError::invalid("q must not be empty").with_field("q")),
        None => kb::list(&view, published_only, offset, limit),
    }
    .map_err(|e| ApiError::internal("reading the KB", e))?;
    let articles: Vec<Value> = page
        .hits
        .iter()
        .map(|h| {
            let mut v = article_json(&h.article);
            v["score"] = json!(h.score);
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "articles": articles,
        "total": page.total,
        "position": view.position(),
    })))
}

/// One KB article.
#[utoipa::path(tag = "kb", security(("bearer" = [])),
    params(("id" = String, Path, description = "`kbarticle-ULID` or ULID"), ArticleQuery),
    responses((status = 200, description = "article, position"),
        (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/kb/articles/{id}")]
pub async fn get_article(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ArticleQuery>,
) -> Result<HttpResponse, ApiError> {
    readers(&caller)?;
    let id: Ulid = parse_id(&path, StreamKind::KbArticle, "id")?;
    catch_up(&state, &req, query.min_position, &[kb::NAME]).await?;
    let view = view(&state)?;
    let article = kb::get(&view, id)
        .map_err(|e| ApiError::internal("reading the KB", e))?
        .filter(|a| !a.deleted && (caller.role != Role::Requester || a.published()))
        .ok_or_else(|| ApiError::not_found(format!("no article {path}")))?;
    Ok(HttpResponse::Ok()
        .json(json!({"article": article_json(&article), "position": view.position()})))
}

//! KB articles (admins and agents): `POST /api/kb/articles`, `PATCH /api/kb/articles/{id}`,
//! `DELETE /api/kb/articles/{id}`. A private article is a draft for staff; the others are
//! published to requesters.

use std::collections::BTreeSet;

use actix_web::{delete, patch, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::kb::{
    ArticleAggregate, ArticleCommand, ArticleContent, ArticlePatch,
};
use ledgerdesk_core::{StreamId, StreamKind};
use serde::Deserialize;
use ulid::Ulid;

use super::{run, DirectoryResponses, AUTHORS};
use crate::auth::Caller;
use crate::commands::parse_id;
use crate::commands::tickets::{nullable, CommandHeaders};
use crate::error::ApiError;
use crate::state::AppState;

/// A new article.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArticle {
    /// Title.
    title: String,
    /// Short description.
    description: Option<String>,
    /// Body.
    content: String,
    /// Its KB category (`kbcategory-ULID` or ULID).
    category_id: String,
    /// A draft for staff (default) or published (`false`).
    #[serde(default = "yes")]
    private: bool,
    /// Keywords.
    #[serde(default)]
    keywords: BTreeSet<String>,
}

fn yes() -> bool {
    true
}

/// Changes to an article; absent fields stay, `description: null` removes it.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleChanges {
    /// Title.
    title: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// Body.
    content: Option<String>,
    /// KB category.
    category_id: Option<String>,
    /// Draft (`true`) or published (`false`).
    private: Option<bool>,
    /// Keywords (replacing them all).
    keywords: Option<BTreeSet<String>>,
}

fn stream(path: &str) -> Result<StreamId, ApiError> {
    Ok(StreamId::new(
        StreamKind::KbArticle,
        parse_id(path, StreamKind::KbArticle, "id")?,
    ))
}

/// Writes an article (admins, agents); the caller is its author and responsible.
#[utoipa::path(tag = "kb", request_body = NewArticle, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/kb/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewArticle>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUTHORS)?;
    let input = body.into_inner();
    let article_id = Ulid::new();
    let command = ArticleCommand::Create {
        article_id,
        author_id: caller.user_id,
        content: ArticleContent {
            title: input.title,
            description: input.description,
            content: input.content,
            category_id: parse_id(&input.category_id, StreamKind::KbCategory, "category_id")?,
            private: input.private,
            responsible_id: caller.user_id,
            keywords: input.keywords,
        },
        responsible_id: None,
        attachments: Vec::new(),
    };
    let stream = StreamId::new(StreamKind::KbArticle, article_id);
    let location = Some("/api/kb/articles");
    run::<ArticleAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Changes an article (admins, agents), e.g. publishes it with `private: false`.
#[utoipa::path(tag = "kb", request_body = ArticleChanges, security(("bearer" = [])),
    params(("id" = String, Path, description = "`kbarticle-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/kb/articles/{id}")]
pub async fn update_article(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ArticleChanges>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUTHORS)?;
    let stream = stream(&path)?;
    let input = body.into_inner();
    let patch = ArticlePatch {
        title: input.title,
        description: input.description,
        content: input.content,
        category_id: input
            .category_id
            .map(|c| parse_id(&c, StreamKind::KbCategory, "category_id"))
            .transpose()?,
        private: input.private,
        responsible_id: None,
        keywords: input.keywords,
    };
    let command = ArticleCommand::Modify { patch };
    run::<ArticleAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes an article (admins, agents).
#[utoipa::path(tag = "kb", security(("bearer" = [])),
    params(("id" = String, Path, description = "`kbarticle-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/kb/articles/{id}")]
pub async fn delete_article(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUTHORS)?;
    let stream = stream(&path)?;
    run::<ArticleAggregate>(
        &state,
        &caller,
        &req,
        stream,
        ArticleCommand::Delete,
        None,
        None,
    )
    .await
}

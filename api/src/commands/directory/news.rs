//! Breaking news (admins and agents): `POST /api/news`, `POST /api/news/{id}/updates`,
//! `POST /api/news/{id}/close`, `PATCH /api/news/{id}`, `POST /api/news/{id}/reopen`;
//! notices (admins): `POST /api/notices`, `PATCH /api/notices/{id}`,
//! `POST /api/notices/{id}/activate`, `POST /api/notices/{id}/clear`.

use std::collections::BTreeSet;

use actix_web::{patch, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::breaking_news::{
    BreakingNewsAggregate, BreakingNewsCommand, Importance, NewsContent,
};
use ledgerdesk_core::directory::notice::{NoticeAggregate, NoticeCommand, NoticeContent};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::{StreamId, StreamKind, Timestamp};
use serde::Deserialize;
use ulid::Ulid;

use super::{run, DirectoryResponses, ADMINS, AUTHORS};
use crate::auth::Caller;
use crate::commands::tickets::CommandHeaders;
use crate::commands::{parse_id, tickets::group};
use crate::error::ApiError;
use crate::state::AppState;

/// Breaking news to announce.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNews {
    /// Title.
    title: String,
    /// Body.
    body: String,
    /// `high`, `medium` (default) or `low`.
    importance: Option<String>,
    /// Affected groups (at least one group or help desk).
    #[serde(default)]
    group_ids: Vec<String>,
    /// Affected help desks.
    #[serde(default)]
    helpdesk_ids: Vec<String>,
    /// Estimated resolution time, microseconds since the epoch.
    resolution_time_us: Option<i64>,
}

/// An update to post.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUpdate {
    /// Its text.
    body: String,
    /// Close the news with it.
    #[serde(default)]
    close: bool,
}

/// A notice to create (inactive until activated).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNotice {
    /// Internal name.
    name: String,
    /// The message shown.
    message: String,
    /// Background colour.
    colour: Option<String>,
    /// Font colour.
    font_colour: Option<String>,
    /// Show a blocking alert window.
    #[serde(default)]
    alert_window: bool,
}

fn importance(input: Option<&str>) -> Result<Importance, ApiError> {
    Ok(match input.unwrap_or("medium") {
        "high" => Importance::High,
        "medium" => Importance::Medium,
        "low" => Importance::Low,
        other => {
            return Err(ApiError::invalid(format!(
                "{other:?} is not an importance (high, medium, low)"
            ))
            .with_field("importance"))
        }
    })
}

fn news_stream(path: &str) -> Result<StreamId, ApiError> {
    let id = parse_id(path, StreamKind::BreakingNews, "id")?;
    Ok(StreamId::new(StreamKind::BreakingNews, id))
}

fn notice_stream(path: &str) -> Result<StreamId, ApiError> {
    Ok(StreamId::new(
        StreamKind::Notice,
        parse_id(path, StreamKind::Notice, "id")?,
    ))
}

/// Announces breaking news (admins, agents); the caller is its creator.
#[utoipa::path(tag = "news", request_body = NewNews, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/news")]
pub async fn create_news(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewNews>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUTHORS)?;
    let input = body.into_inner();
    let mut group_ids = BTreeSet::new();
    for g in &input.group_ids {
        group_ids.insert(group(&state, g, "group_ids").await?);
    }
    let helpdesk_ids = input
        .helpdesk_ids
        .iter()
        .map(|h| parse_id(h, StreamKind::HelpDesk, "helpdesk_ids"))
        .collect::<Result<BTreeSet<Ulid>, ApiError>>()?;
    let news_id = Ulid::new();
    let command = BreakingNewsCommand::Create {
        news_id,
        content: NewsContent {
            title: input.title,
            body: input.body,
            importance: importance(input.importance.as_deref())?,
            helpdesk_ids,
            group_ids,
            resolution_time: input.resolution_time_us.map(Timestamp),
        },
        creator_id: Some(caller.user_id),
        major_incident_id: None,
    };
    let stream = StreamId::new(StreamKind::BreakingNews, news_id);
    let location = Some("/api/news");
    run::<BreakingNewsAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Posts an update to breaking news (admins, agents), optionally closing it.
#[utoipa::path(tag = "news", request_body = NewUpdate, security(("bearer" = [])),
    params(("id" = String, Path, description = "`breakingnews-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/news/{id}/updates")]
pub async fn post_update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewUpdate>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUTHORS)?;
    let stream = news_stream(&path)?;
    let input = body.into_inner();
    let command = BreakingNewsCommand::PostUpdate {
        update_id: Ulid::new(),
        body: input.body,
        author_id: Some(caller.user_id),
        close: input.close,
    };
    run::<BreakingNewsAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Closes breaking news (admins, agents).
#[utoipa::path(tag = "news", security(("bearer" = [])),
    params(("id" = String, Path, description = "`breakingnews-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/news/{id}/close")]
pub async fn close_news(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUTHORS)?;
    let stream = news_stream(&path)?;
    let command = BreakingNewsCommand::Close;
    run::<BreakingNewsAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Creates a notice (admins), inactive.
#[utoipa::path(tag = "news", request_body = NewNotice, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/notices")]
pub async fn create_notice(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewNotice>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let notice_id = Ulid::new();
    let command = NoticeCommand::Create {
        notice_id,
        content: NoticeContent {
            name: input.name,
            message: input.message,
            colour: input.colour,
            font_colour: input.font_colour,
            alert_window: input.alert_window,
        },
    };
    let stream = StreamId::new(StreamKind::Notice, notice_id);
    let location = Some("/api/notices");
    run::<NoticeAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Shows a notice to everyone (admins).
#[utoipa::path(tag = "news", security(("bearer" = [])),
    params(("id" = String, Path, description = "`notice-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/notices/{id}/activate")]
pub async fn activate_notice(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = notice_stream(&path)?;
    run::<NoticeAggregate>(
        &state,
        &caller,
        &req,
        stream,
        NoticeCommand::Activate,
        None,
        None,
    )
    .await
}

/// Stops showing a notice (admins).
#[utoipa::path(tag = "news", security(("bearer" = [])),
    params(("id" = String, Path, description = "`notice-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/notices/{id}/clear")]
pub async fn clear_notice(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = notice_stream(&path)?;
    run::<NoticeAggregate>(
        &state,
        &caller,
        &req,
        stream,
        NoticeCommand::Clear,
        None,
        None,
    )
    .await
}

/// Changes to breaking news; absent fields stay.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewsPatch {
    /// Title.
    title: Option<String>,
    /// Body.
    body: Option<String>,
    /// `high`, `medium` or `low`.
    importance: Option<String>,
    /// Affected groups (replacing them; at least one group or help desk stays).
    group_ids: Option<Vec<String>>,
    /// Affected help desks (replacing them).
    helpdesk_ids: Option<Vec<String>>,
    /// Estimated resolution time, microseconds since the epoch.
    resolution_time_us: Option<i64>,
}

/// Changes to a notice; absent fields stay, an empty colour clears it.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticePatch {
    /// Internal name.
    name: Option<String>,
    /// The message shown.
    message: Option<String>,
    /// Background colour.
    colour: Option<String>,
    /// Font colour.
    font_colour: Option<String>,
    /// Show a blocking alert window.
    alert_window: Option<bool>,
}

/// Edits breaking news (admins, agents): the given fields replace the current ones, which
/// the command needs whole.
#[utoipa::path(tag = "news", request_body = NewsPatch, security(("bearer" = [])),
    params(("id" = String, Path, description = "`breakingnews-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/news/{id}")]
pub async fn update_news(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewsPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUTHORS)?;
    let stream = news_stream(&path)?;
    let input = body.into_inner();
    let (news, _) = state
        .commands
        .load::<BreakingNewsAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading breaking news", e))?;
    if news.lifecycle == Lifecycle::New {
        return Err(ApiError::not_found(format!(
            "no breaking news {}",
            stream.id
        )));
    }
    let mut content = news.content;
    if let Some(title) = input.title {
        content.title = title;
    }
    if let Some(body) = input.body {
        content.body = body;
    }
    if let Some(i) = input.importance.as_deref() {
        content.importance = importance(Some(i))?;
    }
    if let Some(groups) = input.group_ids {
        let mut group_ids = BTreeSet::new();
        for g in &groups {
            group_ids.insert(group(&state, g, "group_ids").await?);
        }
        content.group_ids = group_ids;
    }
    if let Some(desks) = input.helpdesk_ids {
        content.helpdesk_ids = desks
            .iter()
            .map(|h| parse_id(h, StreamKind::HelpDesk, "helpdesk_ids"))
            .collect::<Result<BTreeSet<Ulid>, ApiError>>()?;
    }
    if let Some(t) = input.resolution_time_us {
        content.resolution_time = Some(Timestamp(t));
    }
    let command = BreakingNewsCommand::Modify { content };
    run::<BreakingNewsAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Reopens closed breaking news (admins, agents).
#[utoipa::path(tag = "news", security(("bearer" = [])),
    params(("id" = String, Path, description = "`breakingnews-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/news/{id}/reopen")]
pub async fn reopen_news(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUTHORS)?;
    let stream = news_stream(&path)?;
    let command = BreakingNewsCommand::Reopen;
    run::<BreakingNewsAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Edits a notice (admins): the given fields replace the current ones.
#[utoipa::path(tag = "news", request_body = NoticePatch, security(("bearer" = [])),
    params(("id" = String, Path, description = "`notice-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/notices/{id}")]
pub async fn update_notice(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NoticePatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = notice_stream(&path)?;
    let input = body.into_inner();
    let (notice, _) = state
        .commands
        .load::<NoticeAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a notice", e))?;
    if notice.lifecycle == Lifecycle::New {
        return Err(ApiError::not_found(format!("no notice {}", stream.id)));
    }
    let mut content = notice.content;
    if let Some(name) = input.name {
        content.name = name;
    }
    if let Some(message) = input.message {
        content.message = message;
    }
    let clear = |c: String| if c.trim().is_empty() { None } else { Some(c) };
    if let Some(c) = input.colour {
        content.colour = clear(c);
    }
    if let Some(c) = input.font_colour {
        content.font_colour = clear(c);
    }
    if let Some(a) = input.alert_window {
        content.alert_window = a;
    }
    let command = NoticeCommand::Update { content };
    run::<NoticeAggregate>(&state, &caller, &req, stream, command, None, None).await
}

//! The log for integrators (auditor or admin): `GET /api/events`, `GET /api/streams/{stream}`
//! and the Server-Sent Events feed `GET /api/events/feed`, which resumes from `Last-Event-ID`.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use ledgerdesk_core::{EventStore, StreamId};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::event_json::EventJson;
use crate::state::AppState;

const MAX_LIMIT: usize = 1_000;
/// How many events one filtered request looks at, at most, before answering with a cursor.
const SCAN_BUDGET: usize = 10_000;
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Who may read the raw log.
const LOG_READERS: &[Role] = &[Role::Admin, Role::Auditor];

/// Query of `GET /api/events`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// First position (default 1).
    from: Option<u64>,
    /// How many events at most (default 100, at most 1000).
    limit: Option<usize>,
    /// Only this stream (`kind-ULID`).
    stream: Option<String>,
    /// Only this event type.
    #[serde(rename = "type")]
    event_type: Option<String>,
}

fn limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit.unwrap_or(100) {
        0 => Err(ApiError::invalid("limit must be at least 1").with_field("limit")),
        n if n > MAX_LIMIT => {
            Err(ApiError::invalid(format!("limit must be at most {MAX_LIMIT}")).with_field("limit"))
        }
        n => Ok(n),
    }
}

fn parse_stream(s: &str) -> Result<StreamId, ApiError> {
    s.parse().map_err(|_| {
        ApiError::invalid(format!("{s:?} is not a stream id like ticket-01H..."))
            .with_field("stream")
    })
}

/// Events from a position, optionally of one stream or one type, with a cursor to continue.
#[utoipa::path(tag = "log", params(ListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "events, the head, and `next_from` to continue"),
    (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody),
))]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(LOG_READERS)?;
    let query = query.into_inner();
    let limit = limit(query.limit)?;
    let from = query.from.unwrap_or(1).max(1);
    let stream = query.stream.as_deref().map(parse_stream).transpose()?;
    let mut events = Vec::with_capacity(limit);
    let mut next = from;
    let mut scanned = 0usize;
    'scan: while events.len() < limit && scanned < SCAN_BUDGET {
        let batch = state.store.read_all(next, 1_000).await?;
        if batch.is_empty() {
            break;
        }
        for record in &batch {
            scanned += 1;
            next = record.position + 1;
            let stream_ok = stream.is_none_or(|s| s == record.stream);
            let type_ok = query
                .event_type
                .as_deref()
                .is_none_or(|t| t == record.event_type);
            if stream_ok && type_ok {
                events.push(EventJson::from(record));
                if events.len() == limit {
                    break 'scan;
                }
            }
        }
    }
    let head = state.store.head();
    Ok(HttpResponse::Ok().json(json!({
        "events": events,
        "head": head,
        "next_from": if next <= head { Some(next) } else { None },
    })))
}

/// Query of `GET /api/streams/{stream}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// First version (default 1).
    from_version: Option<u64>,
    /// How many events at most (default 100, at most 1000).
    limit: Option<usize>,
}

/// One stream's events in version order.
#[utoipa::path(tag = "log", params(("stream" = String, Path, description = "`kind-ULID`"), StreamQuery), security(("bearer" = [])), responses(
    (status = 200, description = "the stream's number, version and events"),
    (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
))]
#[get("/streams/{stream}")]
pub async fn read_stream(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<StreamQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(LOG_READERS)?;
    let stream = parse_stream(&path.into_inner())?;
    let limit = limit(query.limit)?;
    let records = state
        .store
        .read_stream(stream, query.from_version.unwrap_or(1), limit)
        .await?;
    let version = state.store.stream_version(stream).await?;
    let Some(version) = version else {
        return Err(ApiError::not_found(format!("no stream {stream}")));
    };
    Ok(HttpResponse::Ok().json(json!({
        "stream": stream.to_string(),
        "number": state.store.stream_number(stream).await?,
        "version": version,
        "events": records.iter().map(EventJson::from).collect::<Vec<_>>(),
    })))
}

/// Query of the SSE feed.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// First position, when there is no `Last-Event-ID` header.
    from: Option<u64>,
}

struct Feed {
    store: ledgerdesk_core::SledEventStore,
    next: u64,
    head: tokio::sync::watch::Receiver<u64>,
}

/// A Server-Sent Events feed of the log: `id:` is the position, `event:` the event type,
/// `data:` the event as JSON. A reconnecting client sends `Last-Event-ID` and resumes after
/// it; without one, it starts at `from` (default: after the current head, i.e. only new events).
#[utoipa::path(tag = "log", params(FeedQuery, ("Last-Event-ID" = Option<u64>, Header, description = "resume after this position")), security(("bearer" = [])), responses(
    (status = 200, description = "text/event-stream of events", content_type = "text/event-stream"),
    (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
))]
#[get("/events/feed")]
pub async fn event_feed(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(LOG_READERS)?;
    let last_event_id = match req.headers().get("Last-Event-ID") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::invalid("Last-Event-ID must be a log position")
                        .with_field("Last-Event-ID")
                })?,
        ),
        None => None,
    };
    let next = match (last_event_id, query.from) {
        (Some(id), _) => id + 1,
        (None, Some(from)) => from.max(1),
        (None, None) => state.store.head() + 1,
    };
    let feed = Feed {
        store: state.store.clone(),
        next,
        head: state.store.subscribe(),
    };
    let body = futures::stream::unfold(feed, |mut feed| async move {
        loop {
            match feed.store.read_all(feed.next, 200).await {
                Ok(records) if !records.is_empty() => {
                    let mut out = String::new();
                    for record in &records {
                        let data =
                            serde_json::to_string(&EventJson::from(record)).unwrap_or_default();
                        out.push_str(&format!(
                            "id: {}\nevent: {}\ndata: {}\n\n",
                            record.position, record.event_type, data
                        ));
                        feed.next = record.position + 1;
                    }
                    return Some((Ok::<Bytes, actix_web::Error>(Bytes::from(out)), feed));
                }
                Ok(_) => match tokio::time::timeout(KEEP_ALIVE, feed.head.changed()).await {
                    Ok(Ok(())) => continue,
                    Ok(Err(_)) => return None,
                    Err(_) => return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), feed)),
                },
                Err(e) => {
                    tracing::error!(error = %e, "event feed stopped");
                    return None;
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .streaming(body))
}

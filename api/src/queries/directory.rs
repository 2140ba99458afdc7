//! Directory and catalogue queries over the `directory` read model:
//! `GET /api/directory/{kind}` (a page in name order), `GET /api/directory/{kind}/{id}`,
//! `GET /api/directory/groups/{id}/members`, `GET /api/directory/users/{id}/groups` and
//! `GET /api/settings`. Each accepts a minimum position (see [`super::catch_up`]) and
//! answers the `position` it reflects.
//!
//! Who reads what: admins, agents and auditors every kind (settings: admins and auditors).
//! Requesters read what a requester of a service desk needs to open tickets: priorities,
//! ticket types, statuses, categories, KB categories, sources, urgencies, impacts, custom
//! fields, and the public departments and groups; of the users, only themselves. Anything
//! else is 403 to them (a user who is not them: 404, as if absent).

use actix_web::{get, web, HttpRequest, HttpResponse};
use ledgerdesk_core::StreamKind;
use ledgerdesk_projections::directory::{self, Entry, ListError};
use ledgerdesk_projections::ProjectionView;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use ulid::Ulid;

use super::catch_up;
use crate::auth::{Caller, Role};
use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// The page size when the caller names none.
const DEFAULT_LIMIT: usize = 50;

/// Path names of the kinds, with their stream kind.
const KINDS: [(&str, StreamKind); 22] = [
    ("users", StreamKind::User),
    ("roles", StreamKind::Role),
    ("groups", StreamKind::Group),
    ("departments", StreamKind::Department),
    ("helpdesks", StreamKind::HelpDesk),
    ("companies", StreamKind::Company),
    ("locations", StreamKind::Location),
    ("priorities", StreamKind::Priority),
    ("ticket_types", StreamKind::TicketType),
    ("statuses", StreamKind::Status),
    ("categories", StreamKind::Category),
    ("kb_categories", StreamKind::KbCategory),
    ("sources", StreamKind::Source),
    ("urgencies", StreamKind::Urgency),
    ("impacts", StreamKind::Impact),
    ("closure_codes", StreamKind::ClosureCode),
    ("tags", StreamKind::Tag),
    ("custom_fields", StreamKind::CustomField),
    ("time_categories", StreamKind::TimeCategory),
    ("calendars", StreamKind::Calendar),
    ("settings", StreamKind::Setting),
    ("approval_templates", StreamKind::ApprovalTemplate),
];

/// Kinds a requester reads in full.
const REQUESTER_KINDS: [StreamKind; 9] = [
    StreamKind::Priority,
    StreamKind::TicketType,
    StreamKind::Status,
    StreamKind::Category,
    StreamKind::KbCategory,
    StreamKind::Source,
    StreamKind::Urgency,
    StreamKind::Impact,
    StreamKind::CustomField,
];

fn kind(input: &str) -> Result<StreamKind, ApiError> {
    KINDS
        .iter()
        .find(|(name, _)| *name == input)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
            ApiError::not_found(format!(
                "no directory list {input:?} (one of {})",
                names.join(", ")
            ))
            .with_field("kind")
        })
}

/// Whether a requester sees `entry` (of a kind they may list).
fn requester_sees(caller: &Caller, entry: &Entry, kind: StreamKind) -> bool {
    match kind {
        StreamKind::User => entry.id == caller.user_id,
        StreamKind::Department | StreamKind::Group => {
            entry.attribute("public") == Some(Value::Bool(true))
        }
        k => REQUESTER_KINDS.contains(&k),
    }
}

/// Refuses a kind the caller may not read at all.
fn may_read(caller: &Caller, kind: StreamKind, listing: bool) -> Result<(), ApiError> {
    let allowed = match caller.role {
        Role::Admin | Role::Auditor => true,
        Role::Agent => kind != StreamKind::Setting,
        Role::Requester => {
            REQUESTER_KINDS.contains(&kind)
                || matches!(kind, StreamKind::Department | StreamKind::Group)
                || (kind == StreamKind::User && !listing)
        }
        Role::Custom => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "the {:?} role may not read {}",
            caller.role,
            kind.as_str()
        )))
    }
}

fn view(state: &AppState) -> Result<ProjectionView, ApiError> {
    state.view(directory::NAME)
}

/// An entry as JSON: attributes and items parsed back, ids as `kind-ULID`.
pub(crate) fn entry_json(entry: &Entry) -> Value {
    let parse = |v: &String| serde_json::from_str::<Value>(v).unwrap_or(Value::Null);
    let attributes: Map<String, Value> = entry
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), parse(v)))
        .collect();
    let sets: Map<String, Value> = entry
        .sets
        .iter()
        .map(|(k, ids)| {
            (
                k.clone(),
                json!(ids.iter().map(Ulid::to_string).collect::<Vec<_>>()),
            )
        })
        .collect();
    let items: Map<String, Value> = entry
        .items
        .iter()
        .map(|(k, items)| (k.clone(), Value::Array(items.values().map(parse).collect())))
        .collect();
    json!({
        "id": format!("{}-{}", entry.kind, entry.id),
        "kind": entry.kind,
        "name": entry.name,
        "deleted": entry.deleted,
        "attributes": attributes,
        "sets": sets,
        "items": items,
        "created_at_us": entry.created_at,
        "updated_at_us": entry.updated_at,
        "version": entry.version,
    })
}

/// Query of the directory lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The `next` of the previous page.
    after: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<usize>,
    /// Wait until the model reflects this log position.
    min_position: Option<u64>,
    /// Users only: those whose profile names this company (`company-ULID` or ULID).
    company_id: Option<String>,
    /// Users only: those whose profile names this department (`department-ULID` or ULID).
    department_id: Option<String>,
}

/// The most entries one filtered list page reads before it answers (possibly short, with a
/// `next` to go on from).
const FILTER_SCAN: usize = 5_000;

/// The profile-link filters of a user list, as `(link, id)` pairs (400 on another kind).
fn link_filters(
    kind: StreamKind,
    query: &ListQuery,
) -> Result<Vec<(&'static str, Ulid)>, ApiError> {
    let mut out = Vec::new();
    for (field, link_kind, value) in [
        ("company_id", StreamKind::Company, &query.company_id),
        (
            "department_id",
            StreamKind::Department,
            &query.department_id,
        ),
    ] {
        if let Some(v) = value {
            if kind != StreamKind::User {
                return Err(
                    ApiError::invalid(format!("{field} filters the users list only"))
                        .with_field(field),
                );
            }
            out.push((field, parse_id(v, link_kind, field)?));
        }
    }
    Ok(out)
}

/// A page of `kind` whose entries pass `filters`: pages are read (each at most what is still
/// wanted) until `limit` entries pass, the list ends, or [`FILTER_SCAN`] entries were read.
fn filtered_page(
    view: &ProjectionView,
    kind: StreamKind,
    after: Option<&str>,
    limit: usize,
    filters: &[(&'static str, Ulid)],
) -> Result<directory::Page, ListError> {
    let mut items = Vec::new();
    let mut cursor = after.map(str::to_owned);
    let mut read = 0;
    loop {
        let page = directory::list(view, kind, cursor.as_deref(), limit - items.len())?;
        read += page.items.len();
        items.extend(page.items.into_iter().filter(|e| {
            filters
                .iter()
                .all(|(link, id)| directory::user_link(e, link) == Some(*id))
        }));
        cursor = page.next;
        if items.len() == limit || cursor.is_none() || read >= FILTER_SCAN {
            return Ok(directory::Page {
                items,
                next: cursor,
            });
        }
    }
}

/// Query of single reads.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReadQuery {
    /// Wait until the model reflects this log position.
    min_position: Option<u64>,
}

async fn list_kind(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    kind: StreamKind,
    query: &ListQuery,
) -> Result<HttpResponse, ApiError> {
    may_read(caller, kind, true)?;
    let filters = link_filters(kind, query)?;
    catch_up(state, req, query.min_position, &[directory::NAME]).await?;
    let view = view(state)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let page = if filters.is_empty() || limit == 0 {
        directory::list(&view, kind, query.after.as_deref(), limit)
    } else {
        filtered_page(&view, kind, query.after.as_deref(), limit, &filters)
    }
    .map_err(|e| match e {
        ListError::InvalidCursor => ApiError::invalid(e.to_string()).with_field("after"),
        ListError::Limit => ApiError::invalid(e.to_string()).with_field("limit"),
        ListError::Projection(p) => ApiError::internal("reading the directory", p),
    })?;
    let items: Vec<Value> = page
        .items
        .iter()
        .filter(|e| caller.role != Role::Requester || requester_sees(caller, e, kind))
        .map(entry_json)
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "items": items,
        "next": page.next,
        "position": view.position(),
    })))
}

/// Lists the entities of a kind that are not deleted, in name order (case-insensitive),
/// a page at a time. Users can be filtered by the company or department of their profile; a
/// filtered page can be short and still have a `next`.
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("kind" = String, Path, description = "users, roles, groups, departments, \
        helpdesks, companies, locations, priorities, ticket_types, statuses, categories, \
        kb_categories, sources, urgencies, impacts, closure_codes, tags, custom_fields, \
        time_categories, calendars, settings, approval_templates"), ListQuery),
    responses((status = 200, description = "items, next, position"),
        (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
#[get("/directory/{kind}")]
pub async fn list_directory(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = kind(&path)?;
    list_kind(&state, &caller, &req, kind, &query).await
}

/// Lists the settings (admins and auditors).
#[utoipa::path(tag = "directory", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "items, next, position"),
        (status = 403, body = crate::error::ErrorBody)))]
#[get("/settings")]
pub async fn list_settings(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    list_kind(&state, &caller, &req, StreamKind::Setting, &query).await
}

async fn find(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    kind: StreamKind,
    id: &str,
    min_position: Option<u64>,
) -> Result<(Entry, ProjectionView), ApiError> {
    may_read(caller, kind, false)?;
    let ulid = parse_id(id, kind, "id")?;
    catch_up(state, req, min_position, &[directory::NAME]).await?;
    let view = view(state)?;
    let entry = directory::get(&view, kind, ulid)
        .map_err(|e| ApiError::internal("reading the directory", e))?
        .filter(|e| {
            caller.role != Role::Requester || (requester_sees(caller, e, kind) && !e.deleted)
        })
        .ok_or_else(|| ApiError::not_found(format!("no {} {id}", kind.as_str())))?;
    Ok((entry, view))
}

/// One entity, deleted ones included (marked), with its stream version for `If-Match`.
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("kind" = String, Path, description = "as for the list"),
        ("id" = String, Path, description = "`kind-ULID` or ULID"), ReadQuery),
    responses((status = 200, description = "entry, position"),
        (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
#[get("/directory/{kind}/{id}")]
pub async fn get_directory(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let (kind_name, id) = path.into_inner();
    let kind = kind(&kind_name)?;
    let (entry, view) = find(&state, &caller, &req, kind, &id, query.min_position).await?;
    Ok(HttpResponse::Ok().json(json!({"entry": entry_json(&entry), "position": view.position()})))
}

/// The members of a group, as user entries (admins, agents, auditors).
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`group-ULID` or ULID"), ReadQuery),
    responses((status = 200, description = "members, position"),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/directory/groups/{id}/members")]
pub async fn group_members(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Agent, Role::Auditor])?;
    let (group, view) = find(
        &state,
        &caller,
        &req,
        StreamKind::Group,
        &path,
        query.min_position,
    )
    .await?;
    let members = directory::members_of(&view, &group)
        .map_err(|e| ApiError::internal("reading the directory", e))?;
    let members: Vec<Value> = members.iter().map(entry_json).collect();
    Ok(HttpResponse::Ok().json(json!({"members": members, "position": view.position()})))
}

/// The groups a user is a member of (admins, agents, auditors; anyone for themselves).
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`user-ULID` or ULID"), ReadQuery),
    responses((status = 200, description = "groups, position"),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/directory/users/{id}/groups")]
pub async fn user_groups(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let (user, view) = find(
        &state,
        &caller,
        &req,
        StreamKind::User,
        &path,
        query.min_position,
    )
    .await?;
    if user.id != caller.user_id {
        caller.require(&[Role::Admin, Role::Agent, Role::Auditor])?;
    }
    let groups = directory::groups_of(&view, user.id)
        .map_err(|e| ApiError::internal("reading the directory", e))?;
    let groups: Vec<Value> = groups.iter().map(entry_json).collect();
    Ok(HttpResponse::Ok().json(json!({"groups": groups, "position": view.position()})))
}

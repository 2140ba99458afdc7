//! More deletes (admins): `DELETE /api/departments/{id}` (with `?replacement_id=` while
//! tickets are in it, like the group/priority/status deletes of [`super::deletes`]),
//! `DELETE /api/helpdesks/{id}` (refused while it has sub-desks; a replacement while
//! tickets are in it), `DELETE /api/roles/{id}` (a replacement while users hold it),
//! `DELETE /api/catalogue/{kind}/{id}` (sources, tags, urgencies, impacts, closure codes: a
//! replacement while tickets use it; time categories: while time entries are in it),
//! `DELETE /api/custom_fields/{id}`, `DELETE /api/notices/{id}` and
//! `DELETE /api/settings/{name}` (back to the built-in default).
//!
//! The counts the domain guards need come from the read models once they reflect the whole
//! log: tickets from the ticket views ([`super::ticket_references`]), sub-desks and role
//! holders from the directory model ([`directory_entries`]), time entries from the time model.
//! Companies, locations, calendars and categories: [`super::references`].

use actix_web::{delete, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::catalogue_item::{ItemAggregate, ItemCommand, ItemKind};
use ledgerdesk_core::directory::custom_field::{CustomFieldAggregate, CustomFieldCommand};
use ledgerdesk_core::directory::department::{DepartmentAggregate, DepartmentCommand};
use ledgerdesk_core::directory::helpdesk::{HelpDeskAggregate, HelpDeskCommand};
use ledgerdesk_core::directory::notice::{NoticeAggregate, NoticeCommand};
use ledgerdesk_core::directory::role::{RoleAggregate, RoleCommand};
use ledgerdesk_core::directory::setting::{
    SettingAggregate, SettingCommand, NAME_SCOPE as SETTING_SCOPE,
};
use ledgerdesk_core::{EventStore, StreamId, StreamKind};
use ledgerdesk_projections::directory::{self, Entry};
use ledgerdesk_projections::time;
use ledgerdesk_projections::views::TicketFilter;
use ulid::Ulid;

use super::catalogue::item_kind;
use super::deletes::{delete_target, DeleteTarget};
use super::{run, ticket_references, DirectoryResponses, Replacement, ADMINS};
use crate::auth::Caller;
use crate::commands::parse_id;
use crate::commands::tickets::CommandHeaders;
use crate::error::ApiError;
use crate::state::AppState;

/// Every live entity of `kind` in the directory model, once it reflects the whole log
/// (directory-sized: read a page of [`directory::MAX_LIMIT`] at a time).
pub(super) async fn directory_entries(
    state: &AppState,
    kind: StreamKind,
) -> Result<Vec<Entry>, ApiError> {
    state
        .projections
        .wait_for(
            &[directory::NAME],
            state.store.head(),
            crate::queries::CATCH_UP_TIMEOUT,
        )
        .await
        .map_err(|e| ApiError::not_caught_up(&e))?;
    let view = state.view(directory::NAME)?;
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = directory::list(&view, kind, after.as_deref(), directory::MAX_LIMIT)
            .map_err(|e| ApiError::internal("reading the directory", e))?;
        out.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}

/// How many of `entries` have the id attribute `key` equal to `id` (attributes hold JSON).
pub(super) fn referring(entries: &[Entry], key: &str, id: Ulid) -> u64 {
    let id = id.to_string();
    let count = entries
        .iter()
        .filter(|e| {
            e.attributes
                .get(key)
                .and_then(|v| serde_json::from_str::<String>(v).ok())
                .is_some_and(|v| v == id)
        })
        .count();
    u64::try_from(count).unwrap_or(u64::MAX)
}

/// Deletes a help desk (admins): refused (409) while it has sub-desks; while tickets are in
/// it, `?replacement_id=` names the desk they move to.
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`helpdesk-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/helpdesks/{id}")]
pub async fn delete_helpdesk(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let DeleteTarget {
        id, replacement_id, ..
    } = delete_target::<HelpDeskAggregate>(&state, &path, &query, StreamKind::HelpDesk, |x| {
        x.lifecycle
    })
    .await?;
    let desks = directory_entries(&state, StreamKind::HelpDesk).await?;
    let filter = TicketFilter {
        helpdesk: Some(Some(id)),
        ..TicketFilter::default()
    };
    let command = HelpDeskCommand::Delete {
        child_count: referring(&desks, "parent_id", id),
        open_ticket_references: ticket_references(&state, &filter).await?,
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::HelpDesk, id);
    run::<HelpDeskAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a custom role (admins; built-in roles: 409): while users hold it,
/// `?replacement_id=` names the role they move to.
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`role-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/roles/{id}")]
pub async fn delete_role(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let DeleteTarget {
        id, replacement_id, ..
    } = delete_target::<RoleAggregate>(&state, &path, &query, StreamKind::Role, |x| x.lifecycle)
        .await?;
    let users = directory_entries(&state, StreamKind::User).await?;
    let command = RoleCommand::Delete {
        user_references: referring(&users, "role_id", id),
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::Role, id);
    run::<RoleAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a department (admins): while tickets are in it or users' profiles name it,
/// `?replacement_id=` names the department they move to.
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "`department-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/departments/{id}")]
pub async fn delete_department(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let DeleteTarget {
        id, replacement_id, ..
    } = delete_target::<DepartmentAggregate>(&state, &path, &query, StreamKind::Department, |x| {
        x.lifecycle
    })
    .await?;
    let filter = TicketFilter {
        department: Some(Some(id)),
        ..TicketFilter::default()
    };
    let tickets = ticket_references(&state, &filter).await?;
    let users = super::references::linked_users(&state, "department_id", id).await?;
    let command = DepartmentCommand::Delete {
        open_ticket_references: tickets.saturating_add(users),
        replacement_id,
    };
    let stream = StreamId::new(StreamKind::Department, id);
    run::<DepartmentAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a source, tag, urgency, impact or closure code (admins): while tickets use it,
/// `?replacement_id=` names another of the same kind (the ticket views move the tickets onto
/// it). A time category: while time entries are in it (counted by the time model), a
/// replacement is required too; the entries keep the category they were logged in.
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("kind" = String, Path, description = "sources, tags, urgencies, impacts, \
        closure_codes or time_categories"),
        ("id" = String, Path, description = "`kind-ULID` or ULID"), Replacement,
        CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/catalogue/{kind}/{id}")]
pub async fn delete_item(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<Replacement>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let (kind, id) = path.into_inner();
    let kind = item_kind(&kind)?;
    let stream_kind = kind.stream_kind();
    let DeleteTarget {
        id, replacement_id, ..
    } = delete_target::<ItemAggregate>(&state, &id, &query, stream_kind, |x| x.lifecycle).await?;
    let mut filter = TicketFilter::default();
    match kind {
        ItemKind::Source => filter.source = Some(Some(id)),
        ItemKind::Tag => filter.tag = Some(id),
        ItemKind::Urgency => filter.urgency = Some(Some(id)),
        ItemKind::Impact => filter.impact = Some(Some(id)),
        ItemKind::ClosureCode => filter.closure_code = Some(Some(id)),
        ItemKind::TimeCategory => {}
    }
    let references = if kind == ItemKind::TimeCategory {
        let view = super::references::caught_up(&state, time::NAME).await?;
        time::entries_in_category(&view, id)
            .map_err(|e| ApiError::internal("counting time entries", e))?
    } else {
        ticket_references(&state, &filter).await?
    };
    let command = ItemCommand::Delete {
        open_ticket_references: references,
        replacement_id,
    };
    let stream = StreamId::new(stream_kind, id);
    run::<ItemAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a custom field (admins); tickets keep the values they had.
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "`customfield-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/custom_fields/{id}")]
pub async fn delete_custom_field(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::CustomField, "id")?;
    let stream = StreamId::new(StreamKind::CustomField, id);
    let command = CustomFieldCommand::Delete;
    run::<CustomFieldAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Deletes a notice (admins).
#[utoipa::path(tag = "news", security(("bearer" = [])),
    params(("id" = String, Path, description = "`notice-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/notices/{id}")]
pub async fn delete_notice(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::Notice, "id")?;
    let stream = StreamId::new(StreamKind::Notice, id);
    run::<NoticeAggregate>(
        &state,
        &caller,
        &req,
        stream,
        NoticeCommand::Delete,
        None,
        None,
    )
    .await
}

/// Removes a setting (admins): it goes back to its built-in default. 404 for a name never set.
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("name" = String, Path, description = "the setting's name"), CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/settings/{name}")]
pub async fn remove_setting(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let name = path.into_inner();
    let stream = state
        .store
        .claim_holder(SETTING_SCOPE, &name.trim().to_lowercase())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no setting {name:?}")))?;
    run::<SettingAggregate>(
        &state,
        &caller,
        &req,
        stream,
        SettingCommand::Remove,
        None,
        None,
    )
    .await
}

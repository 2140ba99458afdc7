//! Directory, catalogue, KB and news commands: the admin manages people, groups and the
//! catalogue; agents write KB articles and breaking news.
//!
//! Files: [`users`] (create with an initial password, password, deactivate, role),
//! [`groups`] (create, rename, members), [`catalogue`] (priorities with SLA targets,
//! statuses, departments, categories, simple catalogue items, settings), [`org`] (custom
//! roles and grants, ticket types, companies, locations), [`desks`] (help desks and their
//! levels, custom fields, calendars), [`deletes`] (groups, priorities, statuses, with a replacement
//! when tickets still refer to them), [`kb`] (articles),
//! [`news`] (breaking news, updates, notices), [`renames`] (renames of departments,
//! catalogue items, categories, companies, locations, help desks, custom fields, calendars,
//! roles), [`removals`] (departments, help desks, roles, custom fields, notices,
//! settings), [`references`] (companies, locations, calendars, categories, counted in the
//! directory model and the ticket views; location moves), [`templates`] (approval templates).
//! The steps they share (running a command of
//! any directory aggregate, mapping its refusals) are here.
//!
//! Who may do what: admins everything here; agents KB articles and breaking news; requesters
//! and auditors nothing (403). A user may change their own password.

pub mod catalogue;
pub mod deletes;
pub mod desks;
pub mod groups;
pub mod kb;
mod links;
pub mod news;
pub mod org;
pub mod references;
pub mod removals;
pub mod renames;
pub mod templates;
pub mod users;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use ledgerdesk_core::aggregate::CommandContext;
use ledgerdesk_core::command::CommandOptions;
use ledgerdesk_core::directory::breaking_news::BreakingNewsError;
use ledgerdesk_core::directory::catalogue_item::ItemError;
use ledgerdesk_core::directory::kb::ArticleError;
use ledgerdesk_core::directory::setting::SettingError;
use ledgerdesk_core::directory::Aggregate;
use ledgerdesk_core::{StreamId, Timestamp};

use super::{options, CommandAnswer};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, Refusal};
use crate::state::AppState;

/// Roles that manage the directory and the catalogue.
pub(crate) const ADMINS: &[Role] = &[Role::Admin];
/// Roles that write KB articles and breaking news.
pub(crate) const AUTHORS: &[Role] = &[Role::Admin, Role::Agent];

/// Mounts the directory command routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(users::create_user)
        .service(users::set_password)
        .service(users::deactivate)
        .service(users::assign_role)
        .service(groups::create_group)
        .service(groups::update_group)
        .service(groups::add_member)
        .service(groups::remove_member)
        .service(deletes::delete_group)
        .service(deletes::delete_priority)
        .service(deletes::delete_status)
        .service(catalogue::create_priority)
        .service(catalogue::update_priority)
        .service(catalogue::create_status)
        .service(catalogue::create_department)
        .service(catalogue::create_item)
        .service(catalogue::create_category)
        .service(catalogue::put_setting)
        .service(org::create_role)
        .service(org::set_grants)
        .service(org::create_ticket_type)
        .service(org::create_company)
        .service(org::create_location)
        .service(desks::create_helpdesk)
        .service(desks::add_level)
        .service(desks::create_custom_field)
        .service(desks::create_calendar)
        .service(kb::create_article)
        .service(kb::update_article)
        .service(kb::delete_article)
        .service(news::create_news)
        .service(news::post_update)
        .service(news::close_news)
        .service(news::create_notice)
        .service(news::activate_notice)
        .service(news::clear_notice)
        .service(users::update_profile)
        .service(users::change_email)
        .service(users::activate)
        .service(renames::rename_department)
        .service(renames::rename_item)
        .service(renames::rename_category)
        .service(renames::rename_company)
        .service(renames::rename_location)
        .service(renames::rename_helpdesk)
        .service(renames::rename_custom_field)
        .service(renames::rename_calendar)
        .service(renames::rename_role)
        .service(removals::delete_department)
        .service(removals::delete_helpdesk)
        .service(removals::delete_role)
        .service(removals::delete_item)
        .service(removals::delete_custom_field)
        .service(removals::delete_notice)
        .service(removals::remove_setting)
        .service(news::update_news)
        .service(news::reopen_news)
        .service(news::update_notice)
        .service(deletes::delete_ticket_type)
        .service(references::delete_company)
        .service(references::delete_location)
        .service(references::delete_calendar)
        .service(references::delete_category)
        .service(references::move_location);
}

/// Runs `command` on `stream` as the caller with the request's `Idempotency-Key` and
/// `If-Match` (plus `extra` options such as credential writes), and answers the
/// [`CommandAnswer`]: 201 with `Location: {location}/{id}` for a create, else 200.
pub(crate) async fn run<A>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    stream: StreamId,
    command: A::Command,
    created: Option<&str>,
    extra: Option<CommandOptions>,
) -> Result<HttpResponse, ApiError>
where
    A: Aggregate,
    A::State: Send + Sync + 'static,
    A::Error: Refusal,
{
    let mut opts = options(req, caller)?;
    if let Some(extra) = extra {
        opts.credentials = extra.credentials;
    }
    let ctx = CommandContext {
        actor: caller.actor(),
        now: Timestamp::now(),
    };
    let done = state
        .commands
        .execute::<A>(stream, &command, &ctx, opts)
        .await?;
    let answer = CommandAnswer::of(&done);
    Ok(match created {
        Some(base) => HttpResponse::Created()
            .insert_header(("Location", format!("{base}/{}", answer.id)))
            .json(answer),
        None => HttpResponse::Ok().json(answer),
    })
}

/// Runs several commands on one stream for one request (a `PATCH` of several fields), in
/// order, answering the last one's [`CommandAnswer`]. The request's `Idempotency-Key` is
/// derived per command (`key#0`, `key#1`...) so a retry replays each of them, and its
/// `If-Match` guards the first; each later one expects the version the previous one left.
pub(crate) async fn run_all<A>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    stream: StreamId,
    commands: Vec<A::Command>,
) -> Result<HttpResponse, ApiError>
where
    A: Aggregate,
    A::State: Send + Sync + 'static,
    A::Error: Refusal,
{
    let base = options(req, caller)?;
    let ctx = CommandContext {
        actor: caller.actor(),
        now: Timestamp::now(),
    };
    let mut answer = None;
    for (i, command) in commands.iter().enumerate() {
        let opts = CommandOptions {
            idempotency_key: base.idempotency_key.as_ref().map(|k| format!("{k}#{i}")),
            if_match: match &answer {
                None => base.if_match,
                Some(CommandAnswer { version, .. }) => Some(*version),
            },
            ..CommandOptions::default()
        };
        let done = state
            .commands
            .execute::<A>(stream, command, &ctx, opts)
            .await?;
        answer = Some(CommandAnswer::of(&done));
    }
    let answer = answer.ok_or_else(|| ApiError::invalid("nothing to change"))?;
    Ok(HttpResponse::Ok().json(answer))
}

impl Refusal for ItemError {
    fn to_api(&self) -> ApiError {
        match self {
            ItemError::Common(c) => c.to_api(),
            ItemError::NotATimeCategory(_) => {
                ApiError::invalid(self.to_string()).with_field("cost_per_hour_cents")
            }
        }
    }
}

impl Refusal for SettingError {
    fn to_api(&self) -> ApiError {
        match self {
            SettingError::Common(c) => c.to_api(),
            SettingError::WrongName(_) => ApiError::invalid(self.to_string()).with_field("name"),
        }
    }
}

impl Refusal for ArticleError {
    fn to_api(&self) -> ApiError {
        match self {
            ArticleError::Common(c) => c.to_api(),
            ArticleError::AttachmentExists(_) | ArticleError::UnknownAttachment(_) => {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "attachment_conflict",
                    self.to_string(),
                )
            }
        }
    }
}

impl Refusal for BreakingNewsError {
    fn to_api(&self) -> ApiError {
        match self {
            BreakingNewsError::Common(c) => c.to_api(),
            BreakingNewsError::NoAudience => {
                ApiError::invalid(self.to_string()).with_field("group_ids")
            }
            BreakingNewsError::Closed => {
                ApiError::new(StatusCode::CONFLICT, "news_closed", self.to_string())
            }
            BreakingNewsError::UpdateExists(_) => {
                ApiError::new(StatusCode::CONFLICT, "already_exists", self.to_string())
            }
        }
    }
}

/// What a directory command answers, described once for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum DirectoryResponses {
    /// Done (200; 201 for a create): id, number, version and log position.
    #[response(status = 200)]
    Done(CommandAnswer),
    /// Bad input; `field` names it.
    #[response(status = 400)]
    BadInput(crate::error::ErrorBody),
    /// The caller's role may not do this.
    #[response(status = 403)]
    Forbidden(crate::error::ErrorBody),
    /// No such entity.
    #[response(status = 404)]
    NotFound(crate::error::ErrorBody),
    /// A unique name is taken, the entity's state refuses it, or `If-Match` is stale.
    #[response(status = 409)]
    Conflict(crate::error::ErrorBody),
}

/// How many tickets (not in the trash, closed ones included) still refer to the value of
/// `filter`, from the `views` counters once they reflect the whole log. Closed tickets are
/// counted too, so a delete may ask for a replacement more often than strictly needed, never
/// less: that is the safe side of a guard.
pub(crate) async fn ticket_references(
    state: &AppState,
    filter: &ledgerdesk_projections::views::TicketFilter,
) -> Result<u64, ApiError> {
    use ledgerdesk_core::EventStore;
    use ledgerdesk_projections::views;
    state
        .projections
        .wait_for(
            &[views::NAME],
            state.store.head(),
            crate::queries::CATCH_UP_TIMEOUT,
        )
        .await
        .map_err(|e| ApiError::not_caught_up(&e))?;
    let view = state.view(views::NAME)?;
    let count = views::count_filtered(&view, filter)
        .map_err(|e| ApiError::internal("counting tickets", e))?;
    Ok(count.per_field.iter().map(|(_, n)| *n).max().unwrap_or(0))
}

/// The optional replacement of a delete: `?replacement_id=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Replacement {
    /// Where tickets that still refer to the deleted entity move to (required when some do).
    replacement_id: Option<String>,
}

impl Replacement {
    /// The replacement id, of `kind`.
    pub(crate) fn id(
        &self,
        kind: ledgerdesk_core::StreamKind,
    ) -> Result<Option<ulid::Ulid>, ApiError> {
        self.replacement_id
            .as_deref()
            .map(|r| super::parse_id(r, kind, "replacement_id"))
            .transpose()
    }
}

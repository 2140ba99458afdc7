//! Approval templates (admins): `POST /api/catalogue/approval-templates`,
//! `PATCH /api/catalogue/approval-templates/{id}` and `DELETE .../{id}`. A template names its
//! voters (agents, and groups whose members vote) and the rule; `POST
//! /api/tickets/{id}/approvals` with a `template_id` expands it at that moment. Reads go
//! through the directory model: `GET /api/directory/approval_templates[/{id}]`.
//!
//! These routes are mounted before the generic `/catalogue/{kind}` ones (see
//! [`configure`]) so that `approval-templates` is not taken for a catalogue-item kind.

use std::collections::BTreeSet;

use actix_web::{delete, patch, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::approval_template::{TemplateAggregate, TemplateCommand};
use ledgerdesk_core::directory::LinkOp;
use ledgerdesk_core::{StreamId, StreamKind};
use serde::Deserialize;
use ulid::Ulid;

use super::{run, run_all, DirectoryResponses, ADMINS};
use crate::auth::Caller;
use crate::commands::parse_id;
use crate::commands::tickets::approvals::Rule;
use crate::commands::tickets::{group, user, CommandHeaders};
use crate::error::ApiError;
use crate::state::AppState;

/// Mounts the template routes; called before the directory routes (see the module docs).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_template)
        .service(update_template)
        .service(delete_template);
}

/// A new approval template.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTemplate {
    /// Its name (unique).
    name: String,
    /// Voting agents (`user-ULID` or ULID).
    #[serde(default)]
    user_ids: Vec<String>,
    /// Groups whose members vote (`group-ULID` or ULID).
    #[serde(default)]
    group_ids: Vec<String>,
    /// How the votes decide.
    rule: Rule,
}

/// Changes to an approval template; lists replace the template's whole list.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatePatch {
    /// A new name.
    name: Option<String>,
    /// The new list of voting agents.
    user_ids: Option<Vec<String>>,
    /// The new list of voting groups.
    group_ids: Option<Vec<String>>,
    /// A new rule.
    rule: Option<Rule>,
}

async fn users(state: &AppState, inputs: &[String]) -> Result<BTreeSet<Ulid>, ApiError> {
    let mut out = BTreeSet::new();
    for input in inputs {
        out.insert(user(state, input, "user_ids", true).await?);
    }
    Ok(out)
}

async fn groups(state: &AppState, inputs: &[String]) -> Result<BTreeSet<Ulid>, ApiError> {
    let mut out = BTreeSet::new();
    for input in inputs {
        out.insert(group(state, input, "group_ids").await?);
    }
    Ok(out)
}

/// Creates an approval template (admins); 201 with its id.
#[utoipa::path(tag = "catalogue", request_body = NewTemplate, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/catalogue/approval-templates")]
pub async fn create_template(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewTemplate>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let user_ids = users(&state, &input.user_ids).await?;
    let group_ids = groups(&state, &input.group_ids).await?;
    let template_id = Ulid::new();
    let command = TemplateCommand::Create {
        template_id,
        name: input.name,
        user_ids,
        group_ids,
        rule: (&input.rule).into(),
    };
    let stream = StreamId::new(StreamKind::ApprovalTemplate, template_id);
    run::<TemplateAggregate>(
        &state,
        &caller,
        &req,
        stream,
        command,
        Some("/api/directory/approval_templates"),
        None,
    )
    .await
}

/// Changes an approval template (admins): name, voters, rule. Approvals already asked for
/// keep the voters they were given.
#[utoipa::path(tag = "catalogue", request_body = TemplatePatch, security(("bearer" = [])),
    params(("id" = String, Path, description = "`approvaltemplate-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/catalogue/approval-templates/{id}")]
pub async fn update_template(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<TemplatePatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::ApprovalTemplate, "id")?;
    let input = body.into_inner();
    let mut commands = Vec::new();
    if let Some(name) = input.name {
        commands.push(TemplateCommand::Rename { name });
    }
    let user_op = match &input.user_ids {
        Some(u) => Some(TemplateCommand::LinkUsers {
            op: LinkOp::Replace(users(&state, u).await?),
        }),
        None => None,
    };
    let group_op = match &input.group_ids {
        Some(g) => Some(TemplateCommand::LinkGroups {
            op: LinkOp::Replace(groups(&state, g).await?),
        }),
        None => None,
    };
    // A template must keep a voter after each step: when the users are emptied, the groups
    // (which may be what replaces them) change first.
    if input.user_ids.as_ref().is_some_and(Vec::is_empty) {
        commands.extend(group_op.into_iter().chain(user_op));
    } else {
        commands.extend(user_op.into_iter().chain(group_op));
    }
    if let Some(rule) = &input.rule {
        commands.push(TemplateCommand::SetRule { rule: rule.into() });
    }
    if commands.is_empty() {
        return Err(ApiError::invalid("nothing to change"));
    }
    let stream = StreamId::new(StreamKind::ApprovalTemplate, id);
    run_all::<TemplateAggregate>(&state, &caller, &req, stream, commands).await
}

/// Deletes an approval template (admins); approvals made from it keep their voters.
#[utoipa::path(tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "`approvaltemplate-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/catalogue/approval-templates/{id}")]
pub async fn delete_template(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::ApprovalTemplate, "id")?;
    let stream = StreamId::new(StreamKind::ApprovalTemplate, id);
    run::<TemplateAggregate>(
        &state,
        &caller,
        &req,
        stream,
        TemplateCommand::Delete,
        None,
        None,
    )
    .await
}

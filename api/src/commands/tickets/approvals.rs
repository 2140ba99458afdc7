//! Approvals: asking for one (predefined, with voters and rule, or spontaneous, of one voter),
//! adding a voter, voting and cancelling.
//!
//! Agents and admins ask, add voters and cancel. Voters are agents (admins included) or the
//! ticket's own requester: another requester could neither see the ticket nor vote on it, and
//! their pending list would leak it, so naming one is a 400. A vote is always the caller's own:
//! the caller must be one of the approval's voters (the domain refuses anyone else with 409).
//! Auditors change nothing.
//!
//! A predefined approval names its template (`template_id`): without `voter_ids` and `rule`,
//! the template of the catalogue (`api/src/commands/directory/templates.rs`) is expanded here,
//! at the moment of asking, to its users and the members of its groups who can vote on the
//! ticket (active agents, or the ticket's requester), with its rule; an unknown or deleted
//! template is a 400 on `template_id`. With both `voter_ids` and `rule` the request carries
//! them inline (the form integrations used before the catalogue existed, kept for them); the
//! template id is then only recorded, and refused only if the catalogue has it deleted.

use std::collections::BTreeSet;

use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::approval_template::{TemplateAggregate, TemplateState};
use ledgerdesk_core::directory::group::GroupAggregate;
use ledgerdesk_core::directory::user::{UserAggregate, UserKind};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::ticket::{
    ApprovalRule, RequestApproval, TicketAggregate, TicketCommand, VoteDecision,
};
use ledgerdesk_core::{StreamId, StreamKind};
use serde::Deserialize;
use ulid::Ulid;

use super::{
    item_id, moment, new_item_id, run, run_creating, target, user, CommandHeaders,
    OnItemCreatedResponses, OnTicketResponses, PARTICIPANTS, WORKERS,
};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// How the votes decide: `"all"`, `"any"` or `{"quorum": n}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Approved when every voter accepted; rejected by the first rejection.
    All,
    /// Approved by the first acceptance; rejected when every voter rejected.
    Any,
    /// Approved when this many voters accepted.
    Quorum(u32),
}

impl From<&Rule> for ApprovalRule {
    fn from(rule: &Rule) -> ApprovalRule {
        match rule {
            Rule::All => ApprovalRule::All,
            Rule::Any => ApprovalRule::Any,
            Rule::Quorum(n) => ApprovalRule::Quorum(*n),
        }
    }
}

/// A predefined approval.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApproval {
    /// The approval template it comes from (`approvaltemplate-ULID` or ULID).
    template_id: String,
    /// What is to be approved.
    description: String,
    /// The voters (`user-ULID` or ULID), at least one; leave out with `rule` to use the
    /// template's.
    voter_ids: Option<Vec<String>>,
    /// How the votes decide; leave out with `voter_ids` to use the template's.
    rule: Option<Rule>,
    /// When it expires (RFC 3339), if ever.
    expires_at: Option<String>,
}

/// A voter on the ticket of `stream`: an active agent, or the ticket's requester.
async fn voter(
    state: &AppState,
    stream: StreamId,
    input: &str,
    field: &str,
) -> Result<Ulid, ApiError> {
    let id = user(state, input, field, false).await?;
    let (ticket, _) = state
        .commands
        .load::<TicketAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a ticket", e))?;
    if id == ticket.fields.requester_id {
        return Ok(id);
    }
    user(state, input, field, true).await.map_err(|_| {
        ApiError::invalid(format!(
            "{input} is neither an agent nor the ticket's requester"
        ))
        .with_field(field)
    })
}

async fn voters(
    state: &AppState,
    stream: StreamId,
    inputs: &[String],
) -> Result<BTreeSet<Ulid>, ApiError> {
    let mut out = BTreeSet::new();
    for input in inputs {
        out.insert(voter(state, stream, input, "voter_ids").await?);
    }
    Ok(out)
}

/// The catalogue's template `id`, if its stream exists (deleted or not).
async fn template(state: &AppState, id: Ulid) -> Result<Option<TemplateState>, ApiError> {
    let stream = StreamId::new(StreamKind::ApprovalTemplate, id);
    let (template, _) = state
        .commands
        .load::<TemplateAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading an approval template", e))?;
    Ok((template.lifecycle != Lifecycle::New).then_some(template))
}

/// Whether `id` can vote on the ticket whose requester is `requester`: an active agent, or
/// the requester.
async fn can_vote(state: &AppState, id: Ulid, requester: Ulid) -> Result<bool, ApiError> {
    let (user, _) = state
        .commands
        .load::<UserAggregate>(StreamId::new(StreamKind::User, id))
        .await
        .map_err(|e| ApiError::internal("loading a user", e))?;
    Ok(user.lifecycle == Lifecycle::Active && (user.kind == UserKind::Agent || id == requester))
}

/// A live template's voters and rule, as of now: its users and the members of its groups that
/// are live, who can vote on the ticket (others are left out: a deactivated agent or a
/// requester member of a group could never vote here). None left is a 400 on `template_id`.
async fn expand(
    state: &AppState,
    stream: StreamId,
    template: &TemplateState,
    input: &str,
) -> Result<(BTreeSet<Ulid>, ApprovalRule), ApiError> {
    let (ticket, _) = state
        .commands
        .load::<TicketAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a ticket", e))?;
    let requester = ticket.fields.requester_id;
    let mut candidates = template.user_ids.clone();
    for group_id in &template.group_ids {
        let (group, _) = state
            .commands
            .load::<GroupAggregate>(StreamId::new(StreamKind::Group, *group_id))
            .await
            .map_err(|e| ApiError::internal("loading a group", e))?;
        if group.lifecycle == Lifecycle::Active {
            candidates.extend(group.members.iter().copied());
        }
    }
    let mut voters = BTreeSet::new();
    for id in candidates {
        if can_vote(state, id, requester).await? {
            voters.insert(id);
        }
    }
    if voters.is_empty() {
        return Err(ApiError::invalid(format!(
            "approval template {input} has no voter who can vote on this ticket"
        ))
        .with_field("template_id"));
    }
    Ok((voters, template.rule.unwrap_or(ApprovalRule::All)))
}

/// Asks for a predefined approval; answers the new approval's id as `item_id`.
#[utoipa::path(tag = "approvals", request_body = NewApproval, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnItemCreatedResponses))]
#[post("/tickets/{id}/approvals")]
pub async fn request(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewApproval>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input = body.into_inner();
    let template_id = crate::commands::parse_id(
        &input.template_id,
        ledgerdesk_core::StreamKind::ApprovalTemplate,
        "template_id",
    )?;
    let expires_at = input
        .expires_at
        .as_deref()
        .map(|at| moment(at, "expires_at"))
        .transpose()?;
    let stream = target(&state, &caller, &path).await?;
    let template = template(&state, template_id).await?;
    let (voters, rule) = match (&input.voter_ids, &input.rule) {
        (None, None) => {
            let Some(template) = template.filter(|t| t.lifecycle == Lifecycle::Active) else {
                return Err(ApiError::invalid(format!(
                    "no approval template {}",
                    input.template_id
                ))
                .with_field("template_id"));
            };
            expand(&state, stream, &template, &input.template_id).await?
        }
        (Some(ids), Some(rule)) => {
            if template.is_some_and(|t| t.lifecycle == Lifecycle::Deleted) {
                return Err(ApiError::invalid(format!(
                    "approval template {} was deleted",
                    input.template_id
                ))
                .with_field("template_id"));
            }
            (voters(&state, stream, ids).await?, rule.into())
        }
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "give rule with voter_ids, or neither to use the template's",
            )
            .with_field("rule"))
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "give voter_ids with rule, or neither to use the template's",
            )
            .with_field("voter_ids"))
        }
    };
    let approval_id = new_item_id(&req, &caller, "approval");
    let command = TicketCommand::RequestApproval(Box::new(RequestApproval {
        approval_id,
        template_id,
        description: input.description,
        voters,
        rule,
        expires_at,
    }));
    run_creating(&state, &caller, &req, stream, command, approval_id).await
}

/// A spontaneous approval.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSpontaneousApproval {
    /// The one voter (`user-ULID` or ULID).
    voter_id: String,
    /// What is to be approved.
    description: String,
    /// When it expires (RFC 3339), if ever.
    expires_at: Option<String>,
}

/// Asks one named voter for approval (InvGate `incident.spontaneous_approval`); answers the
/// new approval's id as `item_id`.
#[utoipa::path(tag = "approvals", request_body = NewSpontaneousApproval, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnItemCreatedResponses))]
#[post("/tickets/{id}/approvals/spontaneous")]
pub async fn request_spontaneous(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewSpontaneousApproval>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input = body.into_inner();
    let expires_at = input
        .expires_at
        .as_deref()
        .map(|at| moment(at, "expires_at"))
        .transpose()?;
    let stream = target(&state, &caller, &path).await?;
    let voter_id = voter(&state, stream, &input.voter_id, "voter_id").await?;
    let approval_id = new_item_id(&req, &caller, "approval");
    let command = TicketCommand::RequestSpontaneousApproval {
        approval_id,
        voter_id,
        description: input.description,
        expires_at,
    };
    run_creating(&state, &caller, &req, stream, command, approval_id).await
}

/// A voter to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVoter {
    /// The user (`user-ULID` or ULID).
    voter_id: String,
}

/// Adds a voter to a waiting approval.
#[utoipa::path(tag = "approvals", request_body = NewVoter, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("approval_id" = String, Path, description = "the approval's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/approvals/{approval_id}/voters")]
pub async fn add_voter(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<NewVoter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, approval) = path.into_inner();
    let approval_id = item_id(&approval, "approval_id")?;
    let stream = target(&state, &caller, &id).await?;
    let voter_id = voter(&state, stream, &body.voter_id, "voter_id").await?;
    let command = TicketCommand::AddVoter {
        approval_id,
        voter_id,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// For or against.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// For.
    Approve,
    /// Against.
    Reject,
}

/// A vote.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// `approve` or `reject`.
    decision: Decision,
    /// The voter's comment.
    comment: Option<String>,
}

/// The caller votes on an approval they are a voter of. The vote that decides the approval
/// also records the decision, in the same append.
#[utoipa::path(tag = "approvals", request_body = Ballot, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("approval_id" = String, Path, description = "the approval's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/approvals/{approval_id}/vote")]
pub async fn vote(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Ballot>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PARTICIPANTS)?;
    let (id, approval) = path.into_inner();
    let approval_id = item_id(&approval, "approval_id")?;
    let stream = target(&state, &caller, &id).await?;
    let input = body.into_inner();
    let command = TicketCommand::Vote {
        approval_id,
        voter_id: caller.user_id,
        decision: match input.decision {
            Decision::Approve => VoteDecision::Accept,
            Decision::Reject => VoteDecision::Reject,
        },
        note: input.comment,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// Withdraws a waiting approval.
#[utoipa::path(tag = "approvals", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("approval_id" = String, Path, description = "the approval's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/approvals/{approval_id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, approval) = path.into_inner();
    let approval_id = item_id(&approval, "approval_id")?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::CancelApproval { approval_id };
    run(&state, &caller, &req, stream, command, false).await
}

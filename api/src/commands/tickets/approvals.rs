//! Approvals: asking for one (predefined, with voters and rule, or spontaneous, of one voter),
//! adding a voter, voting and cancelling.
//!
//! Agents and admins ask, add voters and cancel. Voters are agents (admins included) or the
//! ticket's own requester: another requester could neither see the ticket nor vote on it, and
//! their pending list would leak it, so naming one is a 400. A vote is always the caller's own:
//! the caller must be one of the approval's voters (the domain refuses anyone else with 409).
//! Auditors change nothing.
//!
//! There is no approval-template catalogue yet: a predefined approval names its template id
//! and carries the template's voters and rule in the request, which the domain records as is.

use std::collections::BTreeSet;

use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::{
    ApprovalRule, RequestApproval, TicketAggregate, TicketCommand, VoteDecision,
};
use ledgerdesk_core::StreamId;
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
    /// The voters (`user-ULID` or ULID), at least one.
    voter_ids: Vec<String>,
    /// How the votes decide.
    rule: Rule,
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
    let voters = voters(&state, stream, &input.voter_ids).await?;
    let approval_id = new_item_id(&req, &caller, "approval");
    let command = TicketCommand::RequestApproval(Box::new(RequestApproval {
        approval_id,
        template_id,
        description: input.description,
        voters,
        rule: (&input.rule).into(),
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

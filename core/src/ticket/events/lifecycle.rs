//! Payloads of closure, resolution, solution, trash and approval events.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::ids::Timestamp;
use crate::ticket::types::{
    ApprovalKind, ApprovalRule, ApprovalStatus, ClosedReason, VoteDecision,
};

/// The details of a closure; the status change to the closed status follows as
/// `ticket.status_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureRecorded {
    /// Why it was closed.
    pub reason: ClosedReason,
    /// The closure code.
    pub closure_code_id: Option<Ulid>,
    /// The agent's closing comments.
    pub comments: Option<String>,
    /// Whether the requester acknowledged the resolution.
    pub requester_acknowledged: Option<bool>,
    /// The requester's comments.
    pub requester_comments: Option<String>,
}

/// The resolution text was added or edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolutionChange {
    /// The text before (`None`: there was none).
    pub old: Option<String>,
    /// The text after.
    pub new: String,
    /// Whether it is to be copied to the linked tickets.
    pub propagate: bool,
}

/// The requester accepted the solution; closure and status change follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolutionAccepted {
    /// The reply that was the solution, if one was marked.
    pub comment_id: Option<Ulid>,
    /// 1 to 5.
    pub rating: u8,
    /// The requester's comment.
    pub comment: Option<String>,
}

/// The requester rejected the solution; the status change that reopens follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolutionRejected {
    /// The reply that was the solution, if one was marked.
    pub comment_id: Option<Ulid>,
    /// Why.
    pub reason: String,
}

/// The ticket went to the trash, came back, or was purged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleMark {
    /// When (the command's time).
    pub at: Timestamp,
}

/// An approval was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequested {
    /// The approval's id.
    pub approval_id: Ulid,
    /// Predefined (with its template) or spontaneous.
    pub kind: ApprovalKind,
    /// What is to be approved.
    pub description: String,
    /// Who votes.
    pub voters: BTreeSet<Ulid>,
    /// How the votes decide.
    pub rule: ApprovalRule,
    /// When it expires, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was asked for (the command's time).
    pub at: Timestamp,
}

/// A voter was added to a waiting approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterAdded {
    /// The approval.
    pub approval_id: Ulid,
    /// The new voter.
    pub voter_id: Ulid,
}

/// A voter voted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteCast {
    /// The approval.
    pub approval_id: Ulid,
    /// The voter.
    pub voter_id: Ulid,
    /// For or against.
    pub decision: VoteDecision,
    /// The voter's note.
    pub note: Option<String>,
}

/// The votes decided an approval (approved or rejected). Written once per approval, right
/// after the deciding vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDecided {
    /// The approval.
    pub approval_id: Ulid,
    /// `Approved` or `Rejected`.
    pub status: ApprovalStatus,
}

/// An approval ended without a decision (cancelled or expired, by the event type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalEnded {
    /// The approval.
    pub approval_id: Ulid,
}

//! Approvals of a ticket: their sub-state, the rule that turns votes into a decision, and the
//! decisions and state changes of the approval commands.
//!
//! An approval is predefined (from a template whose voters and rule the caller resolved) or
//! spontaneous (one named voter, decided by that vote). It waits until its rule decides it
//! (approved or rejected), or until it is cancelled or expires; after that it takes nothing
//! more. Each voter votes once. The deciding vote and the `ticket.approval_decided` event are
//! written together, so a log never holds a decided approval without its decision, nor two
//! decisions for one approval.

use std::collections::{BTreeMap, BTreeSet};

use ulid::Ulid;

use super::decide::{optional, required, LONG_MAX};
use super::error::TicketError;
use super::events::{
    ApprovalDecided, ApprovalEnded, ApprovalRequested, TicketEvent, VoteCast, VoterAdded,
};
use super::types::{
    ApprovalKind, ApprovalRule, ApprovalStatus, TicketApprovalStatus, VoteDecision,
};
use crate::ids::Timestamp;

/// A vote as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Vote {
    /// For or against.
    pub decision: VoteDecision,
    /// The voter's note.
    pub note: Option<String>,
}

/// One approval of a ticket, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApprovalState {
    /// The approval's id.
    pub approval_id: Ulid,
    /// Predefined (with its template) or spontaneous.
    pub kind: ApprovalKind,
    /// What is to be approved.
    pub description: String,
    /// How the votes decide.
    pub rule: ApprovalRule,
    /// Each voter and their vote (`None`: not voted yet).
    pub voters: BTreeMap<Ulid, Option<Vote>>,
    /// Where the approval stands.
    pub status: ApprovalStatus,
    /// When it expires, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was asked for.
    pub requested_at: Timestamp,
}

impl ApprovalState {
    /// What the votes so far decide under the approval's rule (ignores cancel and expiry).
    pub fn outcome(&self) -> ApprovalStatus {
        evaluate(self.rule, &self.voters)
    }
}

/// What `votes` decide under `rule`: `Waiting`, `Approved` or `Rejected`.
pub fn evaluate(rule: ApprovalRule, votes: &BTreeMap<Ulid, Option<Vote>>) -> ApprovalStatus {
    let count = |d: VoteDecision| {
        votes
            .values()
            .filter(|v| v.as_ref().map(|v| v.decision) == Some(d))
            .count()
    };
    let accepts = count(VoteDecision::Accept);
    let rejects = count(VoteDecision::Reject);
    let total = votes.len();
    let pending = total.saturating_sub(accepts).saturating_sub(rejects);
    match rule {
        ApprovalRule::All if rejects > 0 => ApprovalStatus::Rejected,
        ApprovalRule::All if total > 0 && accepts == total => ApprovalStatus::Approved,
        ApprovalRule::Any if accepts > 0 => ApprovalStatus::Approved,
        ApprovalRule::Any if total > 0 && rejects == total => ApprovalStatus::Rejected,
        ApprovalRule::Quorum(n) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if accepts >= n {
                ApprovalStatus::Approved
            } else if accepts.saturating_add(pending) < n {
                ApprovalStatus::Rejected
            } else {
                ApprovalStatus::Waiting
            }
        }
        _ => ApprovalStatus::Waiting,
    }
}

/// The ticket's approval status: pending while any approval waits, else the outcome of the
/// last decided one (`last_outcome`), else not requested.
pub fn ticket_approval_status(
    approvals: &BTreeMap<Ulid, ApprovalState>,
    last_outcome: Option<ApprovalStatus>,
) -> TicketApprovalStatus {
    if approvals.values().any(|a| a.status.is_waiting()) {
        return TicketApprovalStatus::Pending;
    }
    match last_outcome {
        Some(ApprovalStatus::Approved) => TicketApprovalStatus::Approved,
        Some(ApprovalStatus::Rejected) => TicketApprovalStatus::Rejected,
        _ => TicketApprovalStatus::NotRequested,
    }
}

/// The input of a new approval, predefined or spontaneous, before validation.
pub(super) struct NewApproval<'a> {
    pub approval_id: Ulid,
    pub kind: ApprovalKind,
    pub description: &'a str,
    pub description_required: bool,
    pub voters: BTreeSet<Ulid>,
    pub rule: ApprovalRule,
    pub expires_at: Option<Timestamp>,
}

/// Decides a new approval (the caller checked that its id is fresh).
pub(super) fn request(
    new: NewApproval<'_>,
    now: Timestamp,
) -> Result<Vec<TicketEvent>, TicketError> {
    let description = if new.description_required {
        required("description", new.description, LONG_MAX)?
    } else {
        optional("description", Some(new.description), LONG_MAX)?.unwrap_or_default()
    };
    if new.voters.is_empty() {
        return Err(TicketError::NoVoters);
    }
    if let ApprovalRule::Quorum(quorum) = new.rule {
        let too_many = usize::try_from(quorum).map_or(true, |q| q > new.voters.len());
        if quorum == 0 || too_many {
            return Err(TicketError::QuorumOutOfRange {
                quorum,
                voters: new.voters.len(),
            });
        }
    }
    if let Some(expires_at) = new.expires_at {
        if expires_at <= now {
            return Err(TicketError::ExpiryInPast { expires_at, now });
        }
    }
    Ok(vec![TicketEvent::ApprovalRequested(ApprovalRequested {
        approval_id: new.approval_id,
        kind: new.kind,
        description,
        voters: new.voters,
        rule: new.rule,
        expires_at: new.expires_at,
        at: now,
    })])
}

/// The approval `approval_id`, refused unless it exists and still waits.
fn waiting(
    approvals: &BTreeMap<Ulid, ApprovalState>,
    approval_id: Ulid,
) -> Result<&ApprovalState, TicketError> {
    let approval = approvals
        .get(&approval_id)
        .ok_or(TicketError::ApprovalNotFound { approval_id })?;
    if !approval.status.is_waiting() {
        return Err(TicketError::ApprovalClosed {
            approval_id,
            status: approval.status,
        });
    }
    Ok(approval)
}

/// Decides adding a voter to a waiting approval.
pub(super) fn add_voter(
    approvals: &BTreeMap<Ulid, ApprovalState>,
    approval_id: Ulid,
    voter_id: Ulid,
) -> Result<Vec<TicketEvent>, TicketError> {
    let approval = waiting(approvals, approval_id)?;
    if approval.voters.contains_key(&voter_id) {
        return Err(TicketError::AlreadyAVoter {
            approval_id,
            voter_id,
        });
    }
    Ok(vec![TicketEvent::VoterAdded(VoterAdded {
        approval_id,
        voter_id,
    })])
}

/// Decides a vote, followed by the decision when this vote decides the approval.
pub(super) fn vote(
    approvals: &BTreeMap<Ulid, ApprovalState>,
    approval_id: Ulid,
    voter_id: Ulid,
    decision: VoteDecision,
    note: Option<&str>,
) -> Result<Vec<TicketEvent>, TicketError> {
    let approval = waiting(approvals, approval_id)?;
    match approval.voters.get(&voter_id) {
        None => {
            return Err(TicketError::NotAVoter {
                approval_id,
                voter_id,
            })
        }
        Some(Some(_)) => {
            return Err(TicketError::AlreadyVoted {
                approval_id,
                voter_id,
            })
        }
        Some(None) => {}
    }
    let note = optional("note", note, LONG_MAX)?;
    let mut votes = approval.voters.clone();
    votes.insert(
        voter_id,
        Some(Vote {
            decision,
            note: note.clone(),
        }),
    );
    let mut events = vec![TicketEvent::VoteCast(VoteCast {
        approval_id,
        voter_id,
        decision,
        note,
    })];
    let status = evaluate(approval.rule, &votes);
    if !status.is_waiting() {
        events.push(TicketEvent::ApprovalDecided(ApprovalDecided {
            approval_id,
            status,
        }));
    }
    Ok(events)
}

/// Decides cancelling a waiting approval.
pub(super) fn cancel(
    approvals: &BTreeMap<Ulid, ApprovalState>,
    approval_id: Ulid,
) -> Result<Vec<TicketEvent>, TicketError> {
    waiting(approvals, approval_id)?;
    Ok(vec![TicketEvent::ApprovalCancelled(ApprovalEnded {
        approval_id,
    })])
}

/// Decides expiring a waiting approval; one with an expiry time expires only from then on.
pub(super) fn expire(
    approvals: &BTreeMap<Ulid, ApprovalState>,
    approval_id: Ulid,
    now: Timestamp,
) -> Result<Vec<TicketEvent>, TicketError> {
    let approval = waiting(approvals, approval_id)?;
    if let Some(expires_at) = approval.expires_at {
        if now < expires_at {
            return Err(TicketError::ApprovalNotDue {
                approval_id,
                expires_at,
            });
        }
    }
    Ok(vec![TicketEvent::ApprovalExpired(ApprovalEnded {
        approval_id,
    })])
}

/// Applies an approval event to the approvals of a ticket; returns the outcome when the
/// event decided an approval. Never panics: events about unknown approvals change nothing.
pub(super) fn apply(
    approvals: &mut BTreeMap<Ulid, ApprovalState>,
    event: &TicketEvent,
) -> Option<ApprovalStatus> {
    match event {
        TicketEvent::ApprovalRequested(e) => {
            approvals.insert(
                e.approval_id,
                ApprovalState {
                    approval_id: e.approval_id,
                    kind: e.kind,
                    description: e.description.clone(),
                    rule: e.rule,
                    voters: e.voters.iter().map(|v| (*v, None)).collect(),
                    status: ApprovalStatus::Waiting,
                    expires_at: e.expires_at,
                    requested_at: e.at,
                },
            );
        }
        TicketEvent::VoterAdded(e) => {
            if let Some(a) = approvals.get_mut(&e.approval_id) {
                a.voters.entry(e.voter_id).or_insert(None);
            }
        }
        TicketEvent::VoteCast(e) => {
            if let Some(a) = approvals.get_mut(&e.approval_id) {
                a.voters.insert(
                    e.voter_id,
                    Some(Vote {
                        decision: e.decision,
                        note: e.note.clone(),
                    }),
                );
            }
        }
        TicketEvent::ApprovalDecided(e) => {
            if let Some(a) = approvals.get_mut(&e.approval_id) {
                a.status = e.status;
                return Some(e.status);
            }
        }
        TicketEvent::ApprovalCancelled(e) => {
            if let Some(a) = approvals.get_mut(&e.approval_id) {
                a.status = ApprovalStatus::Cancelled;
            }
        }
        TicketEvent::ApprovalExpired(e) => {
            if let Some(a) = approvals.get_mut(&e.approval_id) {
                a.status = ApprovalStatus::Expired;
            }
        }
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn votes(accepts: u128, rejects: u128, pending: u128) -> BTreeMap<Ulid, Option<Vote>> {
        let vote = |decision| {
            Some(Vote {
                decision,
                note: None,
            })
        };
        (0..accepts)
            .map(|i| (Ulid(i), vote(VoteDecision::Accept)))
            .chain((0..rejects).map(|i| (Ulid(100 + i), vote(VoteDecision::Reject))))
            .chain((0..pending).map(|i| (Ulid(200 + i), None)))
            .collect()
    }

    #[test]
    fn all_needs_every_acceptance_and_falls_on_one_rejection() {
        use ApprovalStatus::*;
        assert_eq!(evaluate(ApprovalRule::All, &votes(2, 0, 0)), Approved);
        assert_eq!(evaluate(ApprovalRule::All, &votes(2, 0, 1)), Waiting);
        assert_eq!(evaluate(ApprovalRule::All, &votes(2, 1, 1)), Rejected);
        assert_eq!(evaluate(ApprovalRule::All, &votes(0, 0, 0)), Waiting);
    }

    #[test]
    fn any_needs_one_acceptance_and_falls_when_everyone_rejected() {
        use ApprovalStatus::*;
        assert_eq!(evaluate(ApprovalRule::Any, &votes(1, 2, 1)), Approved);
        assert_eq!(evaluate(ApprovalRule::Any, &votes(0, 2, 1)), Waiting);
        assert_eq!(evaluate(ApprovalRule::Any, &votes(0, 3, 0)), Rejected);
    }

    #[test]
    fn quorum_falls_as_soon_as_it_cannot_be_reached() {
        use ApprovalStatus::*;
        let q = ApprovalRule::Quorum(2);
        assert_eq!(evaluate(q, &votes(2, 1, 1)), Approved);
        assert_eq!(evaluate(q, &votes(1, 1, 1)), Waiting);
        assert_eq!(evaluate(q, &votes(1, 2, 0)), Rejected);
        assert_eq!(evaluate(q, &votes(0, 2, 1)), Rejected);
    }
}

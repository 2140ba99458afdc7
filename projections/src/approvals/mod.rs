//! The `approvals` read model: every approval of every ticket with its voters and votes, and
//! for each voter the approvals still waiting for their vote.
//!
//! **Events consumed**: `ticket.approval_requested`, `ticket.approval_voter_added`,
//! `ticket.approval_vote_cast`, `ticket.approval_decided`, `ticket.approval_cancelled`,
//! `ticket.approval_expired` and `ticket.purged`. Other events are skipped on their type name
//! without decoding, and write nothing.
//!
//! **Keys**: `a/<ticket 16><approval 16>` → [`ApprovalRecord`]; `v/<voter 16><ticket
//! 16><approval 16>` → empty, present exactly while that approval waits and that voter has not
//! voted. So "what must I still vote on" is one prefix scan, and each event writes a handful of
//! keys (an approval's record, and one index key per voter whose pending state changed). A
//! purge removes the ticket's approvals and their index keys.
//!
//! The model is a pure fold of the log (no clock: times are the events' own), so a rebuild
//! has the live model's digest. Bump [`VERSION`] when a key layout or a rule here changes.

mod query;
#[cfg(test)]
pub(crate) mod tests;

pub use query::{for_ticket, pending_for_voter, PendingApproval};

use std::collections::BTreeMap;

use ledgerdesk_core::ticket::{
    ApprovalKind, ApprovalRule, ApprovalStatus, TicketEvent, VoteDecision,
};
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind, Timestamp};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::kv::{load, save};
use crate::{Changes, Projection, ProjectionError};

/// The projection's name (its trees and its status line).
pub const NAME: &str = "approvals";
/// The projection's version: bump to rebuild at start-up after a change of meaning.
pub const VERSION: u32 = 1;

/// The event types this model reads; everything else is skipped undecoded.
const CONSUMED: [&str; 7] = [
    "ticket.approval_requested",
    "ticket.approval_voter_added",
    "ticket.approval_vote_cast",
    "ticket.approval_decided",
    "ticket.approval_cancelled",
    "ticket.approval_expired",
    "ticket.purged",
];

/// One voter's vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRecord {
    /// For or against.
    pub decision: VoteDecision,
    /// The voter's note.
    pub note: Option<String>,
    /// When (the event's time).
    pub at: Timestamp,
}

/// An approval as the read side shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    /// The ticket.
    pub ticket_id: Ulid,
    /// The approval.
    pub approval_id: Ulid,
    /// Predefined (with its template) or spontaneous.
    pub kind: ApprovalKind,
    /// What is to be approved.
    pub description: String,
    /// How the votes decide.
    pub rule: ApprovalRule,
    /// Each voter and their vote, if cast.
    pub voters: BTreeMap<Ulid, Option<VoteRecord>>,
    /// Waiting, approved, rejected, cancelled or expired.
    pub status: ApprovalStatus,
    /// When it was asked for.
    pub requested_at: Timestamp,
    /// When it expires, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it stopped waiting.
    pub ended_at: Option<Timestamp>,
}

/// The approvals read model.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApprovalsProjection;

pub(crate) fn record_key(ticket: Ulid, approval: Ulid) -> Vec<u8> {
    let mut k = b"a/".to_vec();
    k.extend_from_slice(&ticket.to_bytes());
    k.extend_from_slice(&approval.to_bytes());
    k
}

pub(crate) fn ticket_prefix(ticket: Ulid) -> Vec<u8> {
    let mut k = b"a/".to_vec();
    k.extend_from_slice(&ticket.to_bytes());
    k
}

pub(crate) fn pending_key(voter: Ulid, ticket: Ulid, approval: Ulid) -> Vec<u8> {
    let mut k = pending_prefix(voter);
    k.extend_from_slice(&ticket.to_bytes());
    k.extend_from_slice(&approval.to_bytes());
    k
}

pub(crate) fn pending_prefix(voter: Ulid) -> Vec<u8> {
    let mut k = b"v/".to_vec();
    k.extend_from_slice(&voter.to_bytes());
    k
}

impl Projection for ApprovalsProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn apply(
        &self,
        changes: &mut Changes<'_>,
        record: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        if record.stream.kind != StreamKind::Ticket
            || !CONSUMED.contains(&record.event_type.as_str())
        {
            return Ok(());
        }
        let event = TicketEvent::from_recorded(record).map_err(|e| ProjectionError::Decode {
            position: record.position,
            detail: e.to_string(),
        })?;
        let ticket = record.stream.id;
        let at = record.recorded_at;
        match event {
            TicketEvent::ApprovalRequested(e) => {
                let approval = ApprovalRecord {
                    ticket_id: ticket,
                    approval_id: e.approval_id,
                    kind: e.kind,
                    description: e.description,
                    rule: e.rule,
                    voters: e.voters.iter().map(|v| (*v, None)).collect(),
                    status: ApprovalStatus::Waiting,
                    requested_at: e.at,
                    expires_at: e.expires_at,
                    ended_at: None,
                };
                for voter in &e.voters {
                    changes.insert(&pending_key(*voter, ticket, e.approval_id), Vec::new());
                }
                save(changes, &record_key(ticket, e.approval_id), &approval)
            }
            TicketEvent::VoterAdded(e) => update(changes, ticket, e.approval_id, |a, c| {
                if a.voters.insert(e.voter_id, None).is_none() && a.status.is_waiting() {
                    c.insert(&pending_key(e.voter_id, ticket, e.approval_id), Vec::new());
                }
            }),
            TicketEvent::VoteCast(e) => update(changes, ticket, e.approval_id, |a, c| {
                a.voters.insert(
                    e.voter_id,
                    Some(VoteRecord {
                        decision: e.decision,
                        note: e.note.clone(),
                        at,
                    }),
                );
                c.remove(&pending_key(e.voter_id, ticket, e.approval_id));
            }),
            TicketEvent::ApprovalDecided(e) => end(changes, ticket, e.approval_id, e.status, at),
            TicketEvent::ApprovalCancelled(e) => end(
                changes,
                ticket,
                e.approval_id,
                ApprovalStatus::Cancelled,
                at,
            ),
            TicketEvent::ApprovalExpired(e) => {
                end(changes, ticket, e.approval_id, ApprovalStatus::Expired, at)
            }
            TicketEvent::Purged(_) => purge(changes, ticket),
            _ => Ok(()),
        }
    }
}

/// Applies `f` to a stored approval and saves it; an approval the model never saw is an
/// inconsistency (the domain writes none).
fn update(
    changes: &mut Changes<'_>,
    ticket: Ulid,
    approval: Ulid,
    f: impl FnOnce(&mut ApprovalRecord, &mut Changes<'_>),
) -> Result<(), ProjectionError> {
    let key = record_key(ticket, approval);
    let mut record: ApprovalRecord = load(changes, &key)?.ok_or_else(|| {
        ProjectionError::Inconsistent(format!("approval {approval} of ticket {ticket} is unknown"))
    })?;
    f(&mut record, changes);
    save(changes, &key, &record)
}

/// The approval stops waiting: nobody has to vote on it any more.
fn end(
    changes: &mut Changes<'_>,
    ticket: Ulid,
    approval: Ulid,
    status: ApprovalStatus,
    at: Timestamp,
) -> Result<(), ProjectionError> {
    update(changes, ticket, approval, |a, c| {
        for (voter, vote) in &a.voters {
            if vote.is_none() {
                c.remove(&pending_key(*voter, ticket, approval));
            }
        }
        a.status = status;
        a.ended_at = Some(at);
    })
}

fn purge(changes: &mut Changes<'_>, ticket: Ulid) -> Result<(), ProjectionError> {
    for key in changes.keys_with_prefix(&ticket_prefix(ticket))? {
        let record: Option<ApprovalRecord> = load(changes, &key)?;
        if let Some(a) = record {
            for voter in a.voters.keys() {
                changes.remove(&pending_key(*voter, ticket, a.approval_id));
            }
        }
        changes.remove(&key);
    }
    Ok(())
}

//! Entries of the closure, resolution, solution, trash and approval events.

use ledgerdesk_core::ticket::events::{
    ApprovalDecided, ApprovalEnded, ApprovalRequested, ClosureRecorded, ResolutionChange,
    SolutionAccepted, SolutionRejected, VoteCast, VoterAdded,
};
use ledgerdesk_core::ticket::{
    ApprovalKind, ApprovalRule, ApprovalStatus, ClosedReason, VoteDecision,
};

use super::{format_time, id, text, Described};
use crate::history::entry::{FieldChange, Value};

fn label(s: &str) -> Value {
    Value::Label(s.to_owned())
}

/// Only the values that are there, in the order given.
fn present(fields: Vec<(&str, Option<Value>)>) -> Vec<FieldChange> {
    fields
        .into_iter()
        .filter_map(|(field, value)| value.map(|v| FieldChange::set(field, v)))
        .collect()
}

pub(super) fn closure(c: &ClosureRecorded) -> Described {
    let reason = match c.reason {
        ClosedReason::Manual => "manual",
        ClosedReason::SolutionAccepted => "solution accepted",
        ClosedReason::SolutionExpired => "solution expired",
        ClosedReason::CustomerTimeout => "customer timeout",
        ClosedReason::FinalizedWorkflow => "finalized workflow",
    };
    let changes = present(vec![
        ("closed_reason", Some(label(reason))),
        ("closure_code", id(c.closure_code_id)),
        ("closing_comments", text(&c.comments)),
        (
            "requester_acknowledged",
            c.requester_acknowledged.map(Value::Flag),
        ),
        ("requester_comments", text(&c.requester_comments)),
    ]);
    Described::public(
        "ticket:closure:recorded",
        format!("Ticket closure was recorded: {reason}"),
        changes,
    )
}

pub(super) fn resolution(r: &ResolutionChange) -> Described {
    let description = match r.old {
        None => "Resolution was added.",
        Some(_) => "Resolution was updated.",
    };
    let mut changes = vec![FieldChange::new(
        "resolution",
        text(&r.old),
        Some(Value::Text(r.new.clone())),
    )];
    if r.propagate {
        changes.push(FieldChange::set("propagate", Value::Flag(true)));
    }
    Described::public("ticket:set:resolution", description.to_owned(), changes)
}

pub(super) fn solution_accepted(s: &SolutionAccepted) -> Described {
    let changes = present(vec![
        ("solution", id(s.comment_id)),
        ("rating", Some(Value::Integer(i64::from(s.rating)))),
        ("comment", text(&s.comment)),
    ]);
    Described::public(
        "ticket:solution:accepted",
        format!("Solution was accepted with rating {}/5", s.rating),
        changes,
    )
}

pub(super) fn solution_rejected(s: &SolutionRejected) -> Described {
    let changes = present(vec![
        ("solution", id(s.comment_id)),
        ("reason", Some(Value::Text(s.reason.clone()))),
    ]);
    Described::public(
        "ticket:solution:rejected",
        format!("Solution was rejected: {}", s.reason),
        changes,
    )
}

fn deleted_flag(old: bool, new: bool) -> Vec<FieldChange> {
    vec![FieldChange::new(
        "deleted",
        Some(Value::Flag(old)),
        Some(Value::Flag(new)),
    )]
}

pub(super) fn trashed() -> Described {
    Described::public(
        "ticket:delete",
        "Ticket was deleted.".to_owned(),
        deleted_flag(false, true),
    )
}

pub(super) fn restored() -> Described {
    Described::public(
        "ticket:restored",
        "Ticket was restored.".to_owned(),
        deleted_flag(true, false),
    )
}

pub(super) fn purged() -> Described {
    Described::public("ticket:purged", "Ticket was purged.".to_owned(), Vec::new())
}

fn rule_text(rule: ApprovalRule) -> String {
    match rule {
        ApprovalRule::All => "all".to_owned(),
        ApprovalRule::Any => "any".to_owned(),
        ApprovalRule::Quorum(n) => format!("quorum of {n}"),
    }
}

pub(super) fn approval_requested(a: &ApprovalRequested) -> Described {
    let (kind, template) = match a.kind {
        ApprovalKind::Predefined(template) => ("predefined", Some(template)),
        ApprovalKind::Spontaneous => ("spontaneous", None),
    };
    let changes = present(vec![
        ("approval", Some(Value::Id(a.approval_id))),
        ("approval_kind", Some(label(kind))),
        ("approval_template", id(template)),
        (
            "approval_description",
            Some(Value::Text(a.description.clone())),
        ),
        (
            "voters",
            Some(Value::Ids(a.voters.iter().copied().collect())),
        ),
        ("rule", Some(label(&rule_text(a.rule)))),
        ("expires_at", a.expires_at.map(Value::Time)),
        ("approval_status", Some(label("waiting"))),
    ]);
    let mut description = format!("Approval was requested: {}", a.description);
    if let Some(at) = a.expires_at {
        description = format!("{description} (expires {})", format_time(at));
    }
    Described::public("ticket:approval:requested", description, changes)
}

pub(super) fn voter_added(v: &VoterAdded) -> Described {
    Described::public(
        "ticket:approval:voter:added",
        format!(
            "User {} was added as voter of approval {}",
            v.voter_id, v.approval_id
        ),
        vec![
            FieldChange::new(
                "approval",
                Some(Value::Id(v.approval_id)),
                Some(Value::Id(v.approval_id)),
            ),
            FieldChange::set("voters", Value::Id(v.voter_id)),
        ],
    )
}

pub(super) fn vote_cast(v: &VoteCast) -> Described {
    let (decision, verb) = match v.decision {
        VoteDecision::Accept => ("accept", "accepted"),
        VoteDecision::Reject => ("reject", "rejected"),
    };
    let mut changes = vec![
        FieldChange::new(
            "approval",
            Some(Value::Id(v.approval_id)),
            Some(Value::Id(v.approval_id)),
        ),
        FieldChange::set("voter", Value::Id(v.voter_id)),
        FieldChange::set("vote", label(decision)),
    ];
    if let Some(note) = &v.note {
        changes.push(FieldChange::set("note", Value::Text(note.clone())));
    }
    Described::public(
        "ticket:approval:vote",
        format!("User {} {verb} approval {}", v.voter_id, v.approval_id),
        changes,
    )
}

fn approval_status(approval: ulid::Ulid, status: &str) -> Described {
    Described::public(
        &format!("ticket:approval:{status}"),
        match status {
            "expired" => format!("Approval {approval} expired"),
            _ => format!("Approval {approval} was {status}"),
        },
        vec![
            FieldChange::new(
                "approval",
                Some(Value::Id(approval)),
                Some(Value::Id(approval)),
            ),
            FieldChange::new(
                "approval_status",
                Some(label("waiting")),
                Some(label(status)),
            ),
        ],
    )
}

pub(super) fn approval_decided(d: &ApprovalDecided) -> Described {
    let status = match d.status {
        ApprovalStatus::Approved => "approved",
        ApprovalStatus::Rejected => "rejected",
        // Decided carries only the two above; the others are written for completeness.
        ApprovalStatus::Waiting => "waiting",
        ApprovalStatus::Cancelled => "cancelled",
        ApprovalStatus::Expired => "expired",
    };
    approval_status(d.approval_id, status)
}

pub(super) fn approval_ended(a: &ApprovalEnded, status: &str) -> Described {
    approval_status(a.approval_id, status)
}

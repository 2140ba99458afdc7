//! Hand-computed entries of conversation, attachment, people, link, time, closure, solution,
//! trash and approval events.

use std::collections::BTreeSet;

use ulid::Ulid;

use ledgerdesk_core::ticket::events::{
    ApprovalDecided, ApprovalEnded, ApprovalRequested, AssociationChange, AttachmentAdded,
    AttachmentRemoved, ClosureRecorded, ExternalLinked, ExternalUnlinked, FirstResponse,
    LifecycleMark, MessageDeleted, MessageEdited, NoteAdded, PersonChange, ReplyAdded,
    ResolutionChange, SolutionAccepted, SolutionRejected, TicketLinked, TicketUnlinked,
    TimeEntryDeleted, TimeEntryEdited, TimeEntryValues, TimeLogged, VoteCast, VoterAdded,
};
use ledgerdesk_core::ticket::{
    ApprovalKind, ApprovalRule, ApprovalStatus, AssociationKind, AttachmentMeta, AttachmentTarget,
    ClosedReason, PersonRole, Side, TicketEvent as E, VoteDecision,
};
use ledgerdesk_core::Timestamp;

use super::*;

const COMMENT: Ulid = Ulid(90);
const NOTE: Ulid = Ulid(91);
const APPROVAL: Ulid = Ulid(95);

fn edited(message: Ulid) -> MessageEdited {
    MessageEdited {
        message_id: message,
        old_body: "old".into(),
        new_body: "new".into(),
    }
}

fn deleted(message: Ulid) -> MessageDeleted {
    MessageDeleted {
        message_id: message,
        body: "gone".into(),
    }
}

fn attachment(target: AttachmentTarget) -> E {
    E::AttachmentAdded(AttachmentAdded {
        target,
        attachment: AttachmentMeta {
            attachment_id: Ulid(42),
            name: "a.png".into(),
            content_type: "image/png".into(),
            size_bytes: 10,
            blake3_hex: "ab".repeat(32),
        },
    })
}

fn attachment_changes() -> Vec<FieldChange> {
    vec![
        set("attachment", id(42)),
        set("name", text("a.png")),
        set("content_type", text("image/png")),
        set("size_bytes", Value::Integer(10)),
        set("blake3", text(&"ab".repeat(32))),
    ]
}

fn removed(attachment: Ulid) -> E {
    E::AttachmentRemoved(AttachmentRemoved {
        attachment_id: attachment,
        blake3_hex: "cd".repeat(32),
    })
}

fn approval_id_kept() -> FieldChange {
    change("approval", Some(id(95)), Some(id(95)))
}

fn ended(status: &str) -> Vec<FieldChange> {
    vec![
        approval_id_kept(),
        change(
            "approval_status",
            Some(label("waiting")),
            Some(label(status)),
        ),
    ]
}

fn conversation_cases() -> Vec<Case> {
    vec![
        Case::public(
            "solution reply",
            E::ReplyAdded(ReplyAdded {
                comment_id: COMMENT,
                author_id: AGENT,
                side: Side::Agent,
                body: "<p>Got it</p>".into(),
                is_solution: true,
                propagate: false,
                at: NOW,
            }),
            "ticket:comment:added",
            "Comment was added as the solution.",
            vec![
                set("comment", id(90)),
                set("author", id(11)),
                set("side", label("agent")),
                set("body", text("<p>Got it</p>")),
                set("is_solution", Value::Flag(true)),
            ],
        ),
        Case::public(
            "reply edited",
            E::ReplyEdited(edited(COMMENT)),
            "ticket:comment:updated",
            format!("Comment was updated: {COMMENT}"),
            vec![
                change("comment", Some(id(90)), Some(id(90))),
                change("body", Some(text("old")), Some(text("new"))),
            ],
        ),
        Case::public(
            "reply deleted",
            E::ReplyDeleted(deleted(COMMENT)),
            "ticket:delete:comment",
            format!("Comment was deleted: {COMMENT}"),
            vec![unset("comment", id(90)), unset("body", text("gone"))],
        ),
        Case::public(
            "note added",
            E::NoteAdded(NoteAdded {
                note_id: NOTE,
                author_id: AGENT,
                body: "internal only".into(),
                at: NOW,
            }),
            "ticket:note:added",
            "Note was added.",
            vec![
                set("note", id(91)),
                set("author", id(11)),
                set("body", text("internal only")),
            ],
        )
        .internal(),
        Case::public(
            "note edited",
            E::NoteEdited(edited(NOTE)),
            "ticket:note:updated",
            format!("Note was updated: {NOTE}"),
            vec![
                change("note", Some(id(91)), Some(id(91))),
                change("body", Some(text("old")), Some(text("new"))),
            ],
        )
        .internal(),
        Case::public(
            "note deleted",
            E::NoteDeleted(deleted(NOTE)),
            "ticket:delete:note",
            format!("Note was deleted: {NOTE}"),
            vec![unset("note", id(91)), unset("body", text("gone"))],
        )
        .internal(),
        Case::public(
            "first response",
            E::FirstResponseRecorded(FirstResponse {
                comment_id: COMMENT,
                at: NOW,
            }),
            "ticket:set:firstresponse",
            format!("First response was given: comment {COMMENT}"),
            vec![set("first_response", id(90))],
        ),
    ]
}

fn attachment_and_people_cases() -> Vec<Case> {
    let mut on_ticket = attachment_changes();
    on_ticket.push(set("attached_to", label("ticket")));
    let mut on_note = attachment_changes();
    on_note.push(set("note", id(91)));
    vec![
        Case::public(
            "attachment on the ticket",
            attachment(AttachmentTarget::Ticket),
            "ticket:added:attachment",
            "Attachment was added: a.png",
            on_ticket,
        ),
        Case::public(
            "attachment on a note",
            attachment(AttachmentTarget::Note(NOTE)),
            "ticket:added:attachment",
            format!("Attachment was added: a.png (to note {NOTE})"),
            on_note,
        )
        .internal(),
        Case::public(
            "public attachment removed",
            removed(PUBLIC_FILE),
            "ticket:delete:attachment",
            "Attachment was deleted: log.txt",
            vec![unset("attachment", id(40)), unset("name", text("log.txt"))],
        ),
        Case::public(
            "note attachment removed",
            removed(NOTE_FILE),
            "ticket:delete:attachment",
            "Attachment was deleted: secret.txt",
            vec![
                unset("attachment", id(41)),
                unset("name", text("secret.txt")),
            ],
        )
        .internal(),
        Case::public(
            "unknown attachment removed",
            removed(Ulid(49)),
            "ticket:delete:attachment",
            format!("Attachment was deleted: {}", Ulid(49)),
            vec![unset("attachment", id(49))],
        )
        .internal(),
        Case::public(
            "subscriber added",
            E::PersonAdded(PersonChange {
                role: PersonRole::Subscriber,
                user_id: REQUESTER,
            }),
            "ticket:subscriber:added",
            format!("User {REQUESTER} was added as subscriber"),
            vec![set("subscribers", id(10))],
        ),
        Case::public(
            "observer removed",
            E::PersonRemoved(PersonChange {
                role: PersonRole::Observer,
                user_id: AGENT,
            }),
            "ticket:observer:removed",
            format!("User {AGENT} was removed as observer"),
            vec![unset("observers", id(11))],
        ),
    ]
}

fn link_and_time_cases() -> Vec<Case> {
    vec![
        Case::public(
            "linked",
            E::Linked(TicketLinked {
                link_id: Ulid(96),
                ticket_id: OTHER,
                comment: Some("same printer".into()),
            }),
            "ticket:link:added",
            "Linked to ticket #1002",
            vec![
                set("link", id(96)),
                set("linked_ticket", id(2)),
                set("comment", text("same printer")),
            ],
        ),
        Case::public(
            "unlinked from an unnumbered ticket",
            E::Unlinked(TicketUnlinked {
                link_id: Ulid(96),
                ticket_id: UNKNOWN_TICKET,
            }),
            "ticket:link:removed",
            format!("Link to ticket {UNKNOWN_TICKET} was removed"),
            vec![unset("link", id(96)), unset("linked_ticket", id(3))],
        ),
        Case::public(
            "external linked",
            E::ExternalLinked(ExternalLinked {
                link_id: Ulid(97),
                entity_id: "JIRA-7".into(),
                reference: Some("r1".into()),
            }),
            "ticket:external:added",
            "Linked to external entity JIRA-7 (reference r1)",
            vec![
                set("link", id(97)),
                set("external_entity", text("JIRA-7")),
                set("reference", text("r1")),
            ],
        ),
        Case::public(
            "external unlinked",
            E::ExternalUnlinked(ExternalUnlinked {
                link_id: Ulid(97),
                entity_id: "JIRA-7".into(),
            }),
            "ticket:external:removed",
            "Link to external entity JIRA-7 was removed",
            vec![
                unset("link", id(97)),
                unset("external_entity", text("JIRA-7")),
            ],
        ),
        Case::public(
            "problem associated",
            E::AssociationChanged(AssociationChange {
                kind: AssociationKind::Problem,
                old: None,
                new: Some(OTHER),
            }),
            "ticket:set:association",
            "Problem set to: ticket #1002",
            vec![change("problem", None, Some(id(2)))],
        ),
        Case::public(
            "time logged",
            E::TimeLogged(TimeLogged {
                entry_id: Ulid(98),
                user_id: AGENT,
                from: Some(Timestamp(NOW.0 - 90 * 60_000_000)),
                to: NOW,
                category_id: None,
                comment: Some("reseated toner".into()),
            }),
            "ticket:time:added",
            format!("Time was logged for user {AGENT}: 1h 30m"),
            vec![
                set("time_entry", id(98)),
                set("user", id(11)),
                set("from", Value::Time(Timestamp(NOW.0 - 90 * 60_000_000))),
                set("to", Value::Time(NOW)),
                set("comment", text("reseated toner")),
            ],
        )
        .internal(),
        Case::public(
            "time entry deleted",
            E::TimeEntryDeleted(TimeEntryDeleted { entry_id: Ulid(98) }),
            "ticket:time:deleted",
            format!("Time entry was deleted: {}", Ulid(98)),
            vec![unset("time_entry", id(98))],
        )
        .internal(),
        Case::public(
            "time entry edited",
            E::TimeEntryEdited(TimeEntryEdited {
                entry_id: Ulid(98),
                old: TimeEntryValues {
                    user_id: AGENT,
                    from: None,
                    to: NOW,
                    category_id: None,
                    comment: Some("reseated toner".into()),
                },
                new: TimeEntryValues {
                    user_id: AGENT,
                    from: Some(Timestamp(NOW.0 - 30 * 60_000_000)),
                    to: NOW,
                    category_id: Some(Ulid(5)),
                    comment: Some("reseated toner".into()),
                },
            }),
            "ticket:time:updated",
            format!("Time entry was updated: {}", Ulid(98)),
            vec![
                FieldChange::new("time_entry", Some(id(98)), Some(id(98))),
                set("from", Value::Time(Timestamp(NOW.0 - 30 * 60_000_000))),
                set("time_category", id(5)),
            ],
        )
        .internal(),
    ]
}

fn closure_and_trash_cases() -> Vec<Case> {
    let mark = LifecycleMark { at: NOW };
    let deleted_flag = |old, new| {
        vec![change(
            "deleted",
            Some(Value::Flag(old)),
            Some(Value::Flag(new)),
        )]
    };
    vec![
        Case::public(
            "closure",
            E::ClosureRecorded(ClosureRecorded {
                reason: ClosedReason::Manual,
                closure_code_id: Some(Ulid(99)),
                comments: Some("done".into()),
                requester_acknowledged: Some(true),
                requester_comments: None,
            }),
            "ticket:closure:recorded",
            "Ticket closure was recorded: manual",
            vec![
                set("closed_reason", label("manual")),
                set("closure_code", id(99)),
                set("closing_comments", text("done")),
                set("requester_acknowledged", Value::Flag(true)),
            ],
        ),
        Case::public(
            "resolution updated",
            E::ResolutionChanged(ResolutionChange {
                old: Some("a".into()),
                new: "b".into(),
                propagate: true,
            }),
            "ticket:set:resolution",
            "Resolution was updated.",
            vec![
                change("resolution", Some(text("a")), Some(text("b"))),
                set("propagate", Value::Flag(true)),
            ],
        ),
        Case::public(
            "solution accepted",
            E::SolutionAccepted(SolutionAccepted {
                comment_id: Some(COMMENT),
                rating: 4,
                comment: None,
            }),
            "ticket:solution:accepted",
            "Solution was accepted with rating 4/5",
            vec![set("solution", id(90)), set("rating", Value::Integer(4))],
        ),
        Case::public(
            "solution rejected",
            E::SolutionRejected(SolutionRejected {
                comment_id: None,
                reason: "still smoking".into(),
            }),
            "ticket:solution:rejected",
            "Solution was rejected: still smoking",
            vec![set("reason", text("still smoking"))],
        ),
        Case::public(
            "trashed",
            E::Trashed(mark.clone()),
            "ticket:delete",
            "Ticket was deleted.",
            deleted_flag(false, true),
        ),
        Case::public(
            "restored",
            E::Restored(mark.clone()),
            "ticket:restored",
            "Ticket was restored.",
            deleted_flag(true, false),
        ),
        Case::public(
            "purged",
            E::Purged(mark),
            "ticket:purged",
            "Ticket was purged.",
            vec![],
        ),
    ]
}

fn approval_cases() -> Vec<Case> {
    vec![
        Case::public(
            "approval requested",
            E::ApprovalRequested(ApprovalRequested {
                approval_id: APPROVAL,
                kind: ApprovalKind::Predefined(Ulid(94)),
                description: "Buy a printer".into(),
                voters: BTreeSet::from([OTHER_AGENT, AGENT]),
                rule: ApprovalRule::Quorum(2),
                expires_at: Some(NOW),
                at: NOW,
            }),
            "ticket:approval:requested",
            "Approval was requested: Buy a printer (expires 2023-11-14T22:13:20Z)",
            vec![
                set("approval", id(95)),
                set("approval_kind", label("predefined")),
                set("approval_template", id(94)),
                set("approval_description", text("Buy a printer")),
                set("voters", Value::Ids(vec![AGENT, OTHER_AGENT])),
                set("rule", label("quorum of 2")),
                set("expires_at", Value::Time(NOW)),
                set("approval_status", label("waiting")),
            ],
        ),
        Case::public(
            "voter added",
            E::VoterAdded(VoterAdded {
                approval_id: APPROVAL,
                voter_id: REQUESTER,
            }),
            "ticket:approval:voter:added",
            format!("User {REQUESTER} was added as voter of approval {APPROVAL}"),
            vec![approval_id_kept(), set("voters", id(10))],
        ),
        Case::public(
            "vote cast",
            E::VoteCast(VoteCast {
                approval_id: APPROVAL,
                voter_id: AGENT,
                decision: VoteDecision::Reject,
                note: Some("too expensive".into()),
            }),
            "ticket:approval:vote",
            format!("User {AGENT} rejected approval {APPROVAL}"),
            vec![
                approval_id_kept(),
                set("voter", id(11)),
                set("vote", label("reject")),
                set("note", text("too expensive")),
            ],
        ),
        Case::public(
            "approval decided",
            E::ApprovalDecided(ApprovalDecided {
                approval_id: APPROVAL,
                status: ApprovalStatus::Approved,
            }),
            "ticket:approval:approved",
            format!("Approval {APPROVAL} was approved"),
            ended("approved"),
        ),
        Case::public(
            "approval cancelled",
            E::ApprovalCancelled(ApprovalEnded {
                approval_id: APPROVAL,
            }),
            "ticket:approval:cancelled",
            format!("Approval {APPROVAL} was cancelled"),
            ended("cancelled"),
        ),
        Case::public(
            "approval expired",
            E::ApprovalExpired(ApprovalEnded {
                approval_id: APPROVAL,
            }),
            "ticket:approval:expired",
            format!("Approval {APPROVAL} expired"),
            ended("expired"),
        ),
    ]
}

pub(super) fn cases() -> Vec<Case> {
    let mut cases = conversation_cases();
    cases.extend(attachment_and_people_cases());
    cases.extend(link_and_time_cases());
    cases.extend(closure_and_trash_cases());
    cases.extend(approval_cases());
    cases
}

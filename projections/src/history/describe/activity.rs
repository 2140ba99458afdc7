//! Entries of the conversation, attachment, people, link and time-tracking events.
//!
//! A message event names its reply or note in a `comment` or `note` change (old and new are the
//! same id when the message itself stays), then its text in `body`.

use ulid::Ulid;

use ledgerdesk_core::ticket::events::{
    AssociationChange, AttachmentAdded, AttachmentRemoved, ExternalLinked, ExternalUnlinked,
    FirstResponse, MessageDeleted, MessageEdited, NoteAdded, PersonChange, ReplyAdded,
    TicketLinked, TicketUnlinked, TimeEntryDeleted, TimeEntryEdited, TimeLogged,
};
use ledgerdesk_core::ticket::{AssociationKind, AttachmentTarget, PersonRole, Side};

use super::{format_time, id, text, ticket_ref, Described, Known};
use crate::history::entry::{FieldChange, Value};
use crate::ProjectionError;

/// A public reply (Trudesk comment) or an internal note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Message {
    /// A public reply.
    Reply,
    /// An internal note.
    Note,
}

impl Message {
    fn noun(self) -> &'static str {
        match self {
            Message::Reply => "Comment",
            Message::Note => "Note",
        }
    }

    /// The change that names the message, and Trudesk's word for it.
    fn field(self) -> &'static str {
        match self {
            Message::Reply => "comment",
            Message::Note => "note",
        }
    }

    fn entry(self, trudesk: &str, description: String, changes: Vec<FieldChange>) -> Described {
        match self {
            Message::Reply => Described::public(trudesk, description, changes),
            Message::Note => Described::internal(trudesk, description, changes),
        }
    }
}

fn text_value(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn label(s: &str) -> Value {
    Value::Label(s.to_owned())
}

pub(super) fn reply_added(r: &ReplyAdded) -> Described {
    let side = match r.side {
        Side::Requester => "requester",
        Side::Agent => "agent",
    };
    let mut changes = vec![
        FieldChange::set("comment", Value::Id(r.comment_id)),
        FieldChange::set("author", Value::Id(r.author_id)),
        FieldChange::set("side", label(side)),
        FieldChange::set("body", text_value(&r.body)),
    ];
    if r.is_solution {
        changes.push(FieldChange::set("is_solution", Value::Flag(true)));
    }
    if r.propagate {
        changes.push(FieldChange::set("propagate", Value::Flag(true)));
    }
    let description = if r.is_solution {
        "Comment was added as the solution."
    } else {
        "Comment was added."
    };
    Described::public("ticket:comment:added", description.to_owned(), changes)
}

pub(super) fn note_added(n: &NoteAdded) -> Described {
    Described::internal(
        "ticket:note:added",
        "Note was added.".to_owned(),
        vec![
            FieldChange::set("note", Value::Id(n.note_id)),
            FieldChange::set("author", Value::Id(n.author_id)),
            FieldChange::set("body", text_value(&n.body)),
        ],
    )
}

pub(super) fn edited(kind: Message, m: &MessageEdited) -> Described {
    let which = Some(Value::Id(m.message_id));
    kind.entry(
        &format!("ticket:{}:updated", kind.field()),
        format!("{} was updated: {}", kind.noun(), m.message_id),
        vec![
            FieldChange::new(kind.field(), which.clone(), which),
            FieldChange::new(
                "body",
                Some(text_value(&m.old_body)),
                Some(text_value(&m.new_body)),
            ),
        ],
    )
}

pub(super) fn deleted(kind: Message, m: &MessageDeleted) -> Described {
    kind.entry(
        &format!("ticket:delete:{}", kind.field()),
        format!("{} was deleted: {}", kind.noun(), m.message_id),
        vec![
            FieldChange::unset(kind.field(), Value::Id(m.message_id)),
            FieldChange::unset("body", text_value(&m.body)),
        ],
    )
}

pub(super) fn first_response(f: &FirstResponse) -> Described {
    Described::public(
        "ticket:set:firstresponse",
        format!("First response was given: comment {}", f.comment_id),
        vec![FieldChange::set("first_response", Value::Id(f.comment_id))],
    )
}

pub(super) fn attachment_added(a: &AttachmentAdded) -> Described {
    let file = &a.attachment;
    let mut changes = vec![
        FieldChange::set("attachment", Value::Id(file.attachment_id)),
        FieldChange::set("name", text_value(&file.name)),
        FieldChange::set("content_type", text_value(&file.content_type)),
        FieldChange::set(
            "size_bytes",
            Value::Integer(i64::try_from(file.size_bytes).unwrap_or(i64::MAX)),
        ),
        FieldChange::set("blake3", text_value(&file.blake3_hex)),
    ];
    let description = format!("Attachment was added: {}", file.name);
    let on = |kind: Message, message: Ulid| {
        let mut changes = changes.clone();
        changes.push(FieldChange::set(kind.field(), Value::Id(message)));
        let description = format!("{description} (to {} {message})", kind.field());
        kind.entry("ticket:added:attachment", description, changes)
    };
    match a.target {
        AttachmentTarget::Ticket => {
            changes.push(FieldChange::set("attached_to", label("ticket")));
            Described::public("ticket:added:attachment", description, changes)
        }
        AttachmentTarget::Reply(c) => on(Message::Reply, c),
        AttachmentTarget::Note(n) => on(Message::Note, n),
    }
}

pub(super) fn attachment_removed(
    a: &AttachmentRemoved,
    known: &dyn Known,
) -> Result<Described, ProjectionError> {
    let info = known.attachment(a.attachment_id)?;
    let mut changes = vec![FieldChange::unset("attachment", Value::Id(a.attachment_id))];
    let shown = match &info {
        Some(info) => {
            changes.push(FieldChange::unset("name", text_value(&info.name)));
            info.name.clone()
        }
        None => a.attachment_id.to_string(),
    };
    let description = format!("Attachment was deleted: {shown}");
    // An attachment the model never saw added may have been a note's: keep it internal.
    Ok(match info {
        Some(info) if !info.internal => {
            Described::public("ticket:delete:attachment", description, changes)
        }
        _ => Described::internal("ticket:delete:attachment", description, changes),
    })
}

pub(super) fn person(p: &PersonChange, added: bool) -> Described {
    let (role, field) = match p.role {
        PersonRole::Subscriber => ("subscriber", "subscribers"),
        PersonRole::Observer => ("observer", "observers"),
        PersonRole::Collaborator => ("collaborator", "collaborators"),
    };
    let (verb, change) = if added {
        ("added", FieldChange::set(field, Value::Id(p.user_id)))
    } else {
        ("removed", FieldChange::unset(field, Value::Id(p.user_id)))
    };
    Described::public(
        &format!("ticket:{role}:{verb}"),
        format!("User {} was {verb} as {role}", p.user_id),
        vec![change],
    )
}

pub(super) fn linked(l: &TicketLinked, known: &dyn Known) -> Result<Described, ProjectionError> {
    let mut changes = vec![
        FieldChange::set("link", Value::Id(l.link_id)),
        FieldChange::set("linked_ticket", Value::Id(l.ticket_id)),
    ];
    if let Some(comment) = &l.comment {
        changes.push(FieldChange::set("comment", text_value(comment)));
    }
    Ok(Described::public(
        "ticket:link:added",
        format!("Linked to {}", ticket_ref(known, l.ticket_id)?),
        changes,
    ))
}

pub(super) fn unlinked(
    l: &TicketUnlinked,
    known: &dyn Known,
) -> Result<Described, ProjectionError> {
    Ok(Described::public(
        "ticket:link:removed",
        format!("Link to {} was removed", ticket_ref(known, l.ticket_id)?),
        vec![
            FieldChange::unset("link", Value::Id(l.link_id)),
            FieldChange::unset("linked_ticket", Value::Id(l.ticket_id)),
        ],
    ))
}

pub(super) fn external_linked(l: &ExternalLinked) -> Described {
    let mut changes = vec![
        FieldChange::set("link", Value::Id(l.link_id)),
        FieldChange::set("external_entity", text_value(&l.entity_id)),
    ];
    let mut description = format!("Linked to external entity {}", l.entity_id);
    if let Some(reference) = &l.reference {
        changes.push(FieldChange::set("reference", text_value(reference)));
        description = format!("{description} (reference {reference})");
    }
    Described::public("ticket:external:added", description, changes)
}

pub(super) fn external_unlinked(l: &ExternalUnlinked) -> Described {
    Described::public(
        "ticket:external:removed",
        format!("Link to external entity {} was removed", l.entity_id),
        vec![
            FieldChange::unset("link", Value::Id(l.link_id)),
            FieldChange::unset("external_entity", text_value(&l.entity_id)),
        ],
    )
}

pub(super) fn association(
    a: &AssociationChange,
    known: &dyn Known,
) -> Result<Described, ProjectionError> {
    let (field, noun) = match a.kind {
        AssociationKind::Problem => ("problem", "Problem"),
        AssociationKind::InitiatedChange => ("initiated_change", "Initiated change"),
        AssociationKind::CausedByChange => ("caused_by_change", "Causing change"),
        AssociationKind::Project => ("project", "Project"),
    };
    let description = match a.new {
        Some(ticket) => format!("{noun} set to: {}", ticket_ref(known, ticket)?),
        None => format!("{noun} was cleared"),
    };
    Ok(Described::public(
        "ticket:set:association",
        description,
        vec![FieldChange::new(field, id(a.old), id(a.new))],
    ))
}

/// `1h 30m`, `45m`, `0m` for a span in microseconds (negative spans count as zero).
fn duration_text(micros: i64) -> String {
    let minutes = micros.max(0) / 60_000_000;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

pub(super) fn time_logged(t: &TimeLogged) -> Described {
    let spent = match t.from {
        Some(from) => duration_text(t.to.as_micros().saturating_sub(from.as_micros())),
        None => format!("until {}", format_time(t.to)),
    };
    let mut changes = vec![
        FieldChange::set("time_entry", Value::Id(t.entry_id)),
        FieldChange::set("user", Value::Id(t.user_id)),
    ];
    let optional = [
        ("from", t.from.map(Value::Time)),
        ("to", Some(Value::Time(t.to))),
        ("time_category", id(t.category_id)),
        ("comment", text(&t.comment)),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            changes.push(FieldChange::set(field, value));
        }
    }
    Described::internal(
        "ticket:time:added",
        format!("Time was logged for user {}: {spent}", t.user_id),
        changes,
    )
}

pub(super) fn time_deleted(t: &TimeEntryDeleted) -> Described {
    Described::internal(
        "ticket:time:deleted",
        format!("Time entry was deleted: {}", t.entry_id),
        vec![FieldChange::unset("time_entry", Value::Id(t.entry_id))],
    )
}

/// A corrected time entry: the entry, then one change per value that moved.
pub(super) fn time_edited(t: &TimeEntryEdited) -> Described {
    let which = Some(Value::Id(t.entry_id));
    let (old, new) = (&t.old, &t.new);
    let mut changes = vec![FieldChange::new("time_entry", which.clone(), which)];
    let pairs = [
        (
            "user",
            Some(Value::Id(old.user_id)),
            Some(Value::Id(new.user_id)),
        ),
        ("from", old.from.map(Value::Time), new.from.map(Value::Time)),
        ("to", Some(Value::Time(old.to)), Some(Value::Time(new.to))),
        ("time_category", id(old.category_id), id(new.category_id)),
        ("comment", text(&old.comment), text(&new.comment)),
    ];
    for (field, before, after) in pairs {
        if before != after {
            changes.push(FieldChange::new(field, before, after));
        }
    }
    Described::internal(
        "ticket:time:updated",
        format!("Time entry was updated: {}", t.entry_id),
        changes,
    )
}

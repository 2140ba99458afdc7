//! Replacements applied: a directory delete that names a replacement moves every ticket that
//! referred to the deleted value onto the replacement, in the same chunk as the delete event.
//!
//! The delete event is the one fact: [`replacement`] reads it (the `*.deleted` events of the
//! kinds a summary refers to; nothing is decoded for any other event), and [`apply`] rewrites
//! the stored summaries that hold the deleted id, so the index (built from the summaries) lists,
//! filters and counts them under the replacement, and a summary shows the replacement. Tickets
//! are found by one scan of the stored summaries: a delete with a replacement is a rare admin
//! act, and a scan keeps the model free of any per-value secondary keys (no cost on ticket
//! events). A ticket written with the deleted value after the delete (a command that raced it)
//! keeps it: the API refuses deleted values on new writes.

use ledgerdesk_core::directory::{
    catalogue_item::{ItemEvent, ItemKind},
    category::CategoryEvent,
    department::DepartmentEvent,
    group::GroupEvent,
    helpdesk::HelpDeskEvent,
    location::LocationEvent,
    priority::PriorityEvent,
    status::StatusEvent,
    ticket_type::TicketTypeEvent,
};
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind};
use ulid::Ulid;

use super::summary::TicketSummary;
use super::{load, save, SUMMARY};
use crate::{Changes, ProjectionError};

/// The summary field a delete moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The assigned group.
    Group,
    /// The department.
    Department,
    /// The help desk.
    HelpDesk,
    /// The priority.
    Priority,
    /// The status (a replacement has the same category, checked by the API).
    Status,
    /// A node of the category path, at whatever level it sits.
    Category,
    /// The source.
    Source,
    /// A tag.
    Tag,
    /// The urgency.
    Urgency,
    /// The impact.
    Impact,
    /// The location.
    Location,
    /// The closure code.
    ClosureCode,
    /// The ticket type (the ticket keeps its kind: types carry none).
    TicketType,
}

/// A delete with a replacement: what moves, from which id to which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Replacement {
    /// The field.
    pub(crate) target: Target,
    /// The deleted id.
    pub(crate) old: Ulid,
    /// Its replacement.
    pub(crate) new: Ulid,
}

fn decode<E: DomainEvent>(record: &RecordedEvent) -> Result<E, ProjectionError> {
    E::from_recorded(record).map_err(|e| ProjectionError::Decode {
        position: record.position,
        detail: e.to_string(),
    })
}

/// The replacement a record applies, if it is the delete (with a replacement) of something a
/// ticket summary refers to.
pub(crate) fn replacement(record: &RecordedEvent) -> Result<Option<Replacement>, ProjectionError> {
    if !record.event_type.ends_with(".deleted") {
        return Ok(None);
    }
    let old = record.stream.id;
    let found = match record.stream.kind {
        StreamKind::Group => match decode::<GroupEvent>(record)? {
            GroupEvent::Deleted(r) => r.replacement_id.map(|n| (Target::Group, n)),
            _ => None,
        },
        StreamKind::Department => match decode::<DepartmentEvent>(record)? {
            DepartmentEvent::Deleted(r) => r.replacement_id.map(|n| (Target::Department, n)),
            _ => None,
        },
        StreamKind::HelpDesk => match decode::<HelpDeskEvent>(record)? {
            HelpDeskEvent::Deleted(r) => r.replacement_id.map(|n| (Target::HelpDesk, n)),
            _ => None,
        },
        StreamKind::Priority => match decode::<PriorityEvent>(record)? {
            PriorityEvent::Deleted(r) => r.replacement_id.map(|n| (Target::Priority, n)),
            _ => None,
        },
        StreamKind::Status => match decode::<StatusEvent>(record)? {
            StatusEvent::Deleted(r) => r.replacement_id.map(|n| (Target::Status, n)),
            _ => None,
        },
        StreamKind::Category => match decode::<CategoryEvent>(record)? {
            CategoryEvent::Deleted(r) => r.replacement_id.map(|n| (Target::Category, n)),
            _ => None,
        },
        StreamKind::TicketType => match decode::<TicketTypeEvent>(record)? {
            TicketTypeEvent::Deleted(r) => r.replacement_id.map(|n| (Target::TicketType, n)),
            _ => None,
        },
        StreamKind::Location => match decode::<LocationEvent>(record)? {
            LocationEvent::Deleted(r) => r.removed.replacement_id.map(|n| (Target::Location, n)),
            _ => None,
        },
        StreamKind::Source
        | StreamKind::Tag
        | StreamKind::Urgency
        | StreamKind::Impact
        | StreamKind::ClosureCode => match decode::<ItemEvent>(record)? {
            ItemEvent::Deleted(r) => {
                let target = match r.kind {
                    ItemKind::Source => Some(Target::Source),
                    ItemKind::Tag => Some(Target::Tag),
                    ItemKind::Urgency => Some(Target::Urgency),
                    ItemKind::Impact => Some(Target::Impact),
                    ItemKind::ClosureCode => Some(Target::ClosureCode),
                    ItemKind::TimeCategory => None,
                };
                target.zip(r.removed.replacement_id)
            }
            _ => None,
        },
        _ => None,
    };
    Ok(found.map(|(target, new)| Replacement { target, old, new }))
}

/// `slot` moved to `new` when it holds `old`; whether it did.
fn swap(slot: &mut Option<Ulid>, old: Ulid, new: Ulid) -> bool {
    if *slot == Some(old) {
        *slot = Some(new);
        true
    } else {
        false
    }
}

/// The summary with the replacement applied; `None` when it does not refer to the old id.
pub(crate) fn rewrite(s: &TicketSummary, r: &Replacement) -> Option<TicketSummary> {
    if s.purged {
        return None;
    }
    let mut out = s.clone();
    let (old, new) = (r.old, r.new);
    let changed = match r.target {
        Target::Group => swap(&mut out.group_id, old, new),
        Target::Department => swap(&mut out.department_id, old, new),
        Target::HelpDesk => swap(&mut out.helpdesk_id, old, new),
        Target::Priority => swap(&mut out.priority_id, old, new),
        Target::Status => {
            let hit = out.status_id == old;
            if hit {
                out.status_id = new;
            }
            hit
        }
        Target::Category => {
            let path = &mut out.category;
            // Non-short-circuit: the id sits at one level, but every level is looked at.
            swap(&mut path.category_id, old, new)
                | swap(&mut path.subcategory_id, old, new)
                | swap(&mut path.item_id, old, new)
        }
        Target::Source => swap(&mut out.source_id, old, new),
        Target::Tag => {
            let hit = out.tag_ids.remove(&old);
            if hit {
                out.tag_ids.insert(new);
            }
            hit
        }
        Target::Urgency => swap(&mut out.urgency_id, old, new),
        Target::Impact => swap(&mut out.impact_id, old, new),
        Target::Location => swap(&mut out.location_id, old, new),
        Target::ClosureCode => swap(&mut out.closure_code_id, old, new),
        Target::TicketType => {
            let hit = out.type_id == old;
            if hit {
                out.type_id = new;
            }
            hit
        }
    };
    changed.then_some(out)
}

/// Rewrites every stored summary that refers to the deleted id (see the module docs).
pub(crate) fn apply(changes: &mut Changes<'_>, r: &Replacement) -> Result<(), ProjectionError> {
    for key in changes.keys_with_prefix(&[SUMMARY])? {
        let Some(summary) = load::<TicketSummary>(changes, &key)? else {
            continue;
        };
        if let Some(after) = rewrite(&summary, r) {
            save(changes, &key, &after)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerdesk_core::ticket::{CategoryPath, StatusCategory, TicketKind};
    use ledgerdesk_core::Timestamp;

    fn sample_summary() -> TicketSummary {
        TicketSummary {
            ticket_id: Ulid(100),
            number: 1001,
            subject: "s".into(),
            status_id: Ulid(101),
            status_category: StatusCategory::Open,
            requester_id: Ulid(102),
            agent_id: None,
            group_id: None,
            department_id: None,
            helpdesk_id: None,
            priority_id: None,
            type_id: Ulid(103),
            type_kind: TicketKind::Incident,
            category: CategoryPath::default(),
            tag_ids: Default::default(),
            source_id: None,
            urgency_id: None,
            impact_id: None,
            location_id: None,
            closure_code_id: None,
            created_at: Timestamp(1),
            updated_at: Timestamp(1),
            closed_at: None,
            trashed: false,
            purged: false,
            reply_count: 0,
            first_response_at: None,
            first_response_micros: None,
            version: 1,
        }
    }

    fn replacing(target: Target) -> Replacement {
        Replacement {
            target,
            old: Ulid(1),
            new: Ulid(2),
        }
    }

    #[test]
    fn rewrites_only_what_refers_to_the_deleted_id() {
        let mut s = sample_summary();
        s.priority_id = Some(Ulid(1));
        s.group_id = Some(Ulid(3));
        s.category = CategoryPath {
            category_id: Some(Ulid(9)),
            subcategory_id: Some(Ulid(1)),
            item_id: None,
        };
        s.tag_ids = [Ulid(1), Ulid(5)].into();
        let p = rewrite(&s, &replacing(Target::Priority)).map(|x| x.priority_id);
        assert_eq!(p, Some(Some(Ulid(2))));
        assert_eq!(rewrite(&s, &replacing(Target::Group)), None);
        let c = rewrite(&s, &replacing(Target::Category)).map(|x| x.category);
        assert_eq!(
            c.map(|c| (c.category_id, c.subcategory_id)),
            Some((Some(Ulid(9)), Some(Ulid(2))))
        );
        let t = rewrite(&s, &replacing(Target::Tag)).map(|x| x.tag_ids);
        assert_eq!(t, Some([Ulid(2), Ulid(5)].into()));
        assert_eq!(rewrite(&s, &replacing(Target::Location)), None);
        s.purged = true;
        assert_eq!(rewrite(&s, &replacing(Target::Priority)), None);
    }
}

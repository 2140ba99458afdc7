//! The ticket summary: one row of a ticket list, folded from the ticket's events.
//!
//! [`evolve`] is pure: the summary before, the event, its envelope. Times come from the
//! envelope's `recorded_at` (never from payload times, which are the command's clock), so
//! that `created_at` order and the ticket number order agree (both follow the log).

use std::collections::BTreeSet;

use ledgerdesk_core::ticket::{is_final, CategoryPath, StatusCategory, TicketEvent, TicketKind};
use ledgerdesk_core::{RecordedEvent, Timestamp};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

/// What a ticket list shows and filters on, for one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    /// The ticket's id (its stream's ULID).
    pub ticket_id: Ulid,
    /// The sequential number (1001, 1002, ...), as the event store assigns it.
    pub number: u64,
    /// Subject or title (emptied when the ticket is purged).
    pub subject: String,
    /// The status of the catalogue the ticket is in.
    pub status_id: Ulid,
    /// That status's fixed category: what "open" or "closed" filters look at.
    pub status_category: StatusCategory,
    /// Who the ticket is for.
    pub requester_id: Ulid,
    /// The assigned agent (`None`: unassigned).
    pub agent_id: Option<Ulid>,
    /// The assigned group.
    pub group_id: Option<Ulid>,
    /// The HelpDeskZ department.
    pub department_id: Option<Ulid>,
    /// The InvGate help desk.
    pub helpdesk_id: Option<Ulid>,
    /// The priority.
    pub priority_id: Option<Ulid>,
    /// The ticket type of the catalogue.
    pub type_id: Ulid,
    /// What kind of ticket that type is.
    pub type_kind: TicketKind,
    /// Category, subcategory, item.
    pub category: CategoryPath,
    /// Tags.
    pub tag_ids: BTreeSet<Ulid>,
    /// Where it came from.
    pub source_id: Option<Ulid>,
    /// The urgency.
    pub urgency_id: Option<Ulid>,
    /// The impact.
    pub impact_id: Option<Ulid>,
    /// The location.
    pub location_id: Option<Ulid>,
    /// The closure code of the latest closure (kept through a reopen: it is what the ticket
    /// last closed with, and what a closure-code delete must account for).
    pub closure_code_id: Option<Ulid>,
    /// `recorded_at` of `ticket.created`.
    pub created_at: Timestamp,
    /// `recorded_at` of the ticket's latest event, whatever it was.
    pub updated_at: Timestamp,
    /// `recorded_at` of the status change into a final category (closed, cancelled,
    /// rejected); cleared by a reopen.
    pub closed_at: Option<Timestamp>,
    /// In the trash (listed only when asked for trashed tickets).
    pub trashed: bool,
    /// Purged: kept only as a tombstone so a lookup can say "gone" rather than "unknown";
    /// no list, count, statistic or search sees it.
    pub purged: bool,
    /// Public replies that exist (added and not deleted).
    pub reply_count: u32,
    /// `recorded_at` of the first agent reply.
    pub first_response_at: Option<Timestamp>,
    /// Microseconds from creation to the first agent reply.
    pub first_response_micros: Option<i64>,
    /// The stream version the summary reflects (for `If-Match` by list clients).
    pub version: u64,
}

/// The summary after `event` (recorded as `record`), from the summary before it.
///
/// `number` is the ticket's sequential number, used only by `ticket.created`. An event that
/// cannot apply (anything before `ticket.created`, anything after a purge, a second
/// `ticket.created`) leaves the summary as it is. `reply_count` is set by the caller from the
/// search document, which knows which replies exist.
pub fn evolve(
    before: Option<&TicketSummary>,
    event: &TicketEvent,
    record: &RecordedEvent,
    number: u64,
) -> Option<TicketSummary> {
    let at = record.recorded_at;
    let Some(before) = before else {
        return match event {
            TicketEvent::Created(c) => Some(TicketSummary {
                ticket_id: record.stream.id,
                number,
                subject: c.subject.clone(),
                status_id: c.status.status_id,
                status_category: c.status.category,
                requester_id: c.requester_id,
                agent_id: c.agent_id,
                group_id: c.group_id,
                department_id: c.department_id,
                helpdesk_id: c.helpdesk_id,
                priority_id: c.priority_id,
                type_id: c.ticket_type.type_id,
                type_kind: c.ticket_type.kind,
                category: c.category,
                tag_ids: c.tag_ids.clone(),
                source_id: c.source_id,
                urgency_id: c.urgency_id,
                impact_id: c.impact_id,
                location_id: c.location_id,
                closure_code_id: None,
                created_at: at,
                updated_at: at,
                closed_at: is_final(c.status.category).then_some(at),
                trashed: false,
                purged: false,
                reply_count: 0,
                first_response_at: None,
                first_response_micros: None,
                version: record.version,
            }),
            _ => None,
        };
    };
    if before.purged || matches!(event, TicketEvent::Created(_)) {
        return Some(before.clone());
    }
    let mut s = before.clone();
    s.updated_at = at;
    s.version = record.version;
    match event {
        TicketEvent::SubjectChanged(c) => s.subject = c.new.clone(),
        TicketEvent::RequesterChanged(c) => s.requester_id = c.new,
        TicketEvent::TypeChanged(c) => {
            s.type_id = c.new.type_id;
            s.type_kind = c.new.kind;
        }
        TicketEvent::PriorityChanged(c) => s.priority_id = c.new,
        TicketEvent::CategoryChanged(c) => s.category = c.new,
        TicketEvent::SourceChanged(c) => s.source_id = c.new,
        TicketEvent::UrgencyChanged(c) => s.urgency_id = c.new,
        TicketEvent::ImpactChanged(c) => s.impact_id = c.new,
        TicketEvent::LocationChanged(c) => s.location_id = c.new,
        TicketEvent::ClosureRecorded(c) => s.closure_code_id = c.closure_code_id,
        TicketEvent::DepartmentChanged(c) => s.department_id = c.new,
        TicketEvent::HelpDeskChanged(c) => s.helpdesk_id = c.new,
        TicketEvent::TagsChanged(c) => s.tag_ids = c.new.clone(),
        TicketEvent::StatusChanged(c) => {
            let was_final = is_final(s.status_category);
            s.status_id = c.new.status_id;
            s.status_category = c.new.category;
            s.closed_at = match (was_final, is_final(c.new.category)) {
                (_, false) => None,
                (true, true) => s.closed_at.or(Some(at)),
                (false, true) => Some(at),
            };
        }
        TicketEvent::AssignmentChanged(c) => {
            s.group_id = c.new_group_id;
            s.agent_id = c.new_agent_id;
        }
        TicketEvent::FirstResponseRecorded(_) if s.first_response_at.is_none() => {
            s.first_response_at = Some(at);
            s.first_response_micros = Some(at.0.saturating_sub(s.created_at.0));
        }
        TicketEvent::Trashed(_) => s.trashed = true,
        TicketEvent::Restored(_) => s.trashed = false,
        TicketEvent::Purged(_) => {
            s.purged = true;
            s.subject.clear();
        }
        _ => {}
    }
    Some(s)
}

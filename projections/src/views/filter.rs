//! What a ticket list or count selects: [`TicketFilter`] (values per field, time ranges) as
//! the API parses it and the views index answers it.

use ledgerdesk_core::ticket::StatusCategory;
use ledgerdesk_core::Timestamp;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::index::{self, opt_id, Field, SortField, ACTIVE, TRASHED};
use super::summary::TicketSummary;

/// An inclusive range of times; an open end is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// The earliest time included.
    pub from: Option<Timestamp>,
    /// The latest time included.
    pub to: Option<Timestamp>,
}

impl TimeRange {
    pub(super) fn is_set(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    pub(super) fn contains(&self, t: Option<Timestamp>) -> bool {
        if !self.is_set() {
            return true;
        }
        t.is_some_and(|t| {
            !matches!(self.from, Some(from) if t < from) && !matches!(self.to, Some(to) if t > to)
        })
    }
}

/// What a ticket list is restricted to. `None` does not filter; for an optional field,
/// `Some(None)` asks for tickets without one (unassigned, no priority...). All set filters must
/// hold (AND), as SDP's `search_fields`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketFilter {
    /// A status of the catalogue.
    pub status: Option<Ulid>,
    /// A status category.
    pub status_category: Option<StatusCategory>,
    /// A group, or no group.
    pub group: Option<Option<Ulid>>,
    /// A department, or none.
    pub department: Option<Option<Ulid>>,
    /// A help desk, or none.
    pub helpdesk: Option<Option<Ulid>>,
    /// An agent, or unassigned.
    pub agent: Option<Option<Ulid>>,
    /// A requester.
    pub requester: Option<Ulid>,
    /// A priority, or none.
    pub priority: Option<Option<Ulid>>,
    /// A ticket type.
    pub ticket_type: Option<Ulid>,
    /// A top-level category, or none.
    pub category: Option<Option<Ulid>>,
    /// A tag the ticket carries.
    pub tag: Option<Ulid>,
    /// A source, or none.
    pub source: Option<Option<Ulid>>,
    /// An urgency, or none.
    pub urgency: Option<Option<Ulid>>,
    /// An impact, or none.
    pub impact: Option<Option<Ulid>>,
    /// A location, or none.
    pub location: Option<Option<Ulid>>,
    /// The closure code of the latest closure, or none.
    pub closure_code: Option<Option<Ulid>>,
    /// A node of the category tree at any level of the ticket's path.
    pub category_node: Option<Ulid>,
    /// Creation time.
    pub created: TimeRange,
    /// Time of the latest event.
    pub updated: TimeRange,
    /// Closing time (only closed tickets match a set range).
    pub closed: TimeRange,
    /// List the trash instead of the active tickets.
    pub trashed: bool,
}

impl TicketFilter {
    /// The index entries the filter asks for, in field order.
    pub(super) fn entries(&self) -> Vec<(Field, Vec<u8>)> {
        let mut out = Vec::new();
        let mut add = |f: Field, v: Option<Vec<u8>>| {
            if let Some(v) = v {
                out.push((f, v));
            }
        };
        let some = |o: Option<Ulid>| o.map(|id| opt_id(Some(id)).to_vec());
        let opt = |o: Option<Option<Ulid>>| o.map(|id| opt_id(id).to_vec());
        add(Field::Status, some(self.status));
        add(
            Field::StatusCategory,
            self.status_category.map(|c| vec![index::category_byte(c)]),
        );
        add(Field::Group, opt(self.group));
        add(Field::Department, opt(self.department));
        add(Field::HelpDesk, opt(self.helpdesk));
        add(Field::Agent, opt(self.agent));
        add(Field::Requester, some(self.requester));
        add(Field::Priority, opt(self.priority));
        add(Field::Type, some(self.ticket_type));
        add(Field::Category, opt(self.category));
        add(Field::Tag, some(self.tag));
        add(Field::Source, opt(self.source));
        add(Field::Urgency, opt(self.urgency));
        add(Field::Impact, opt(self.impact));
        add(Field::Location, opt(self.location));
        add(Field::ClosureCode, opt(self.closure_code));
        add(Field::CategoryNode, some(self.category_node));
        out
    }

    pub(super) fn scope(&self) -> usize {
        if self.trashed {
            TRASHED
        } else {
            ACTIVE
        }
    }

    /// The time ranges that are set, with the order they are taken from.
    pub(super) fn ranges(&self) -> Vec<(SortField, TimeRange)> {
        [
            (SortField::Created, self.created),
            (SortField::Updated, self.updated),
            (SortField::Closed, self.closed),
        ]
        .into_iter()
        .filter(|(_, r)| r.is_set())
        .collect()
    }

    /// Whether a summary passes every filter.
    pub fn matches(&self, s: &TicketSummary) -> bool {
        if s.purged || index::scope_of(s) != self.scope() {
            return false;
        }
        let have = index::entries(s);
        self.entries().iter().all(|e| have.contains(e))
            && self.created.contains(Some(s.created_at))
            && self.updated.contains(Some(s.updated_at))
            && self.closed.contains(s.closed_at)
    }
}

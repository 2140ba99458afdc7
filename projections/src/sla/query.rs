//! Reads of the sla model: one ticket's clocks, the overdue list as of any time, and
//! compliance reports over a period.
//!
//! Pure reads over a [`ProjectionView`]: each walks one index from a key (never the whole
//! model), bounded by a page size ([`MAX_LIMIT`]) or a scan budget ([`MAX_SCAN`]), and answers
//! with the position the view reflects. The model stores the current due times with since
//! when they stand, and the past overdue spans; "overdue as of T" is answered from them
//! exactly, for now or any past T (the answer a model of the events recorded up to T would
//! give), so the same view gives the same answer for the same T, and a rebuilt model gives
//! the same answers as the live one.

use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::str::FromStr;

use ledgerdesk_core::Timestamp;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::keys::{self, ClosedSpan, Dims, Listed, DUE, OUTCOME, SPAN};
use super::model::{Outcome, SlaKind, TicketSla};
use crate::kv::decode_value;
use crate::{ProjectionError, ProjectionView};

/// The most items one overdue page holds, whatever the caller asks.
pub const MAX_LIMIT: usize = 500;
/// The most index entries one compliance report reads; past it the report says `truncated`.
pub const MAX_SCAN: usize = 100_000;

/// One ticket's SLA state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketSlaAnswer {
    /// The log position the answer reflects.
    pub position: u64,
    /// The state; `None` for a ticket the model does not hold (unknown or purged).
    pub sla: Option<TicketSla>,
}

/// The SLA state of `ticket`.
pub fn ticket_sla(view: &ProjectionView, ticket: Ulid) -> Result<TicketSlaAnswer, ProjectionError> {
    let sla = view
        .get(&keys::ticket(ticket))?
        .map(|v| decode_value(&v))
        .transpose()?;
    Ok(TicketSlaAnswer {
        position: view.position(),
        sla,
    })
}

/// Where an overdue page ended: the last item's due time and ticket. Text form
/// `<due micros>.<ticket ULID>`, opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OverdueCursor {
    /// The last served item's due time.
    pub due: Timestamp,
    /// The last served item's ticket.
    pub ticket_id: Ulid,
}

impl fmt::Display for OverdueCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.due.as_micros(), self.ticket_id)
    }
}

/// A cursor string that was not written by [`OverdueCursor`]'s `Display`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed overdue cursor {0:?}")]
pub struct BadCursor(pub String);

impl FromStr for OverdueCursor {
    type Err = BadCursor;

    fn from_str(s: &str) -> Result<OverdueCursor, BadCursor> {
        let bad = || BadCursor(s.chars().take(64).collect());
        let (due, ticket) = s.split_once('.').ok_or_else(bad)?;
        Ok(OverdueCursor {
            due: Timestamp(due.parse().map_err(|_| bad())?),
            ticket_id: ticket.parse().map_err(|_| bad())?,
        })
    }
}

impl Serialize for OverdueCursor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One overdue clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OverdueItem {
    /// The ticket.
    pub ticket_id: Ulid,
    /// When the target fell due.
    pub due: Timestamp,
    /// The ticket's priority.
    pub priority_id: Option<Ulid>,
    /// The ticket's group.
    pub group_id: Option<Ulid>,
    /// The ticket's agent.
    pub agent_id: Option<Ulid>,
}

/// One page of the overdue list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverduePage {
    /// The log position the page reflects.
    pub position: u64,
    /// The time the due times were compared with.
    pub as_of: Timestamp,
    /// The clock asked about.
    pub kind: SlaKind,
    /// The overdue clocks, most overdue first.
    pub items: Vec<OverdueItem>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<OverdueCursor>,
}

/// Tickets whose `kind` clock was overdue at `as_of` (running, its due time passed strictly),
/// exactly as the log stood then, most overdue first, `limit` at a time (1 to [`MAX_LIMIT`])
/// after `after`. At most one item per ticket.
///
/// Two sources, merged by (due, ticket): the clocks as they stand now, a range scan of the
/// due index that stops at the first due time not before `as_of` and skips clocks whose due
/// time took effect after `as_of`; and the overdue spans that ended after `as_of`, a range
/// scan of the span index from `as_of` on that skips spans starting after it. For "now" the
/// second scan is empty (no event is recorded after now); for a past time it reads the spans
/// closed since, whatever the page size.
pub fn overdue(
    view: &ProjectionView,
    as_of: Timestamp,
    kind: SlaKind,
    after: Option<OverdueCursor>,
    limit: usize,
) -> Result<OverduePage, ProjectionError> {
    let limit = limit.clamp(1, MAX_LIMIT);
    // One more than a page from each source tells whether another page follows.
    let mut found = current_overdue(view, as_of, kind, after, limit + 1)?;
    found.extend(closed_overdue(view, as_of, kind, after, limit + 1)?);
    found.sort_by_key(|i| (i.due, i.ticket_id));
    let mut seen = std::collections::HashSet::new();
    found.retain(|i| seen.insert(i.ticket_id));
    let more = found.len() > limit;
    found.truncate(limit);
    let next = if more {
        found.last().map(|i| OverdueCursor {
            due: i.due,
            ticket_id: i.ticket_id,
        })
    } else {
        None
    };
    Ok(OverduePage {
        position: view.position(),
        as_of,
        kind,
        items: found,
        next,
    })
}

/// Up to `want` clocks listed now that were overdue at `as_of`, after the cursor, in order.
fn current_overdue(
    view: &ProjectionView,
    as_of: Timestamp,
    kind: SlaKind,
    after: Option<OverdueCursor>,
    want: usize,
) -> Result<Vec<OverdueItem>, ProjectionError> {
    let after_key = after.map(|c| keys::entry(DUE, kind, c.due, c.ticket_id));
    let mut items = Vec::new();
    for item in view.scan(&keys::kind_prefix(DUE, kind), after_key.as_deref(), false) {
        let (key, value) = item?;
        let (due, ticket_id) = keys::parse_entry(&key).ok_or_else(malformed)?;
        if due >= as_of || items.len() == want {
            break;
        }
        let listed: Listed = decode_value(&value)?;
        if listed.since <= as_of {
            items.push(item_of(ticket_id, due, listed.dims));
        }
    }
    Ok(items)
}

/// The first `want` (by due time and ticket) closed overdue spans covering `as_of`, after
/// the cursor.
fn closed_overdue(
    view: &ProjectionView,
    as_of: Timestamp,
    kind: SlaKind,
    after: Option<OverdueCursor>,
    want: usize,
) -> Result<Vec<OverdueItem>, ProjectionError> {
    let cursor = after.map(|c| (c.due, c.ticket_id));
    // Spans ending after `as_of`: their key time is at least `as_of + 1µs`.
    let start = keys::at_prefix(SPAN, kind, Timestamp(as_of.as_micros().saturating_add(1)));
    // The `want` smallest so far; a max-heap drops the largest past the bound.
    let mut best: BinaryHeap<(Timestamp, Ulid, Dims)> = BinaryHeap::new();
    for item in view.scan(&keys::kind_prefix(SPAN, kind), Some(&start), false) {
        let (key, value) = item?;
        let (end, ticket_id) = keys::parse_entry(&key).ok_or_else(malformed)?;
        if end <= as_of {
            continue;
        }
        let span: ClosedSpan = decode_value(&value)?;
        if span.from > as_of || cursor.is_some_and(|c| (span.due, ticket_id) <= c) {
            continue;
        }
        best.push((span.due, ticket_id, span.dims));
        if best.len() > want {
            best.pop();
        }
    }
    Ok(best
        .into_sorted_vec()
        .into_iter()
        .map(|(due, ticket_id, dims)| item_of(ticket_id, due, dims))
        .collect())
}

fn item_of(ticket_id: Ulid, due: Timestamp, dims: Dims) -> OverdueItem {
    OverdueItem {
        ticket_id,
        due,
        priority_id: dims.priority_id,
        group_id: dims.group_id,
        agent_id: dims.agent_id,
    }
}

fn malformed() -> ProjectionError {
    ProjectionError::Inconsistent("malformed sla index key".to_owned())
}

/// What a compliance report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The ticket's priority.
    Priority,
    /// The ticket's group.
    Group,
    /// The ticket's agent.
    Agent,
}

impl GroupBy {
    fn pick(
        self,
        priority: Option<Ulid>,
        group: Option<Ulid>,
        agent: Option<Ulid>,
    ) -> Option<Ulid> {
        match self {
            GroupBy::Priority => priority,
            GroupBy::Group => group,
            GroupBy::Agent => agent,
        }
    }
}

/// Targets met and breached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    /// Met within the target.
    pub met: u64,
    /// Breached: met late, or still running past the due time.
    pub breached: u64,
}

/// The counts of one priority, group or agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ComplianceRow {
    /// The priority, group or agent (`None`: tickets without one).
    pub key: Option<Ulid>,
    /// First-response targets.
    pub first_response: Counts,
    /// Resolution targets.
    pub resolution: Counts,
}

/// A compliance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplianceReport {
    /// The log position the report reflects.
    pub position: u64,
    /// Start of the period (inclusive).
    pub from: Timestamp,
    /// End of the period (exclusive), also the time running clocks are judged at.
    pub to: Timestamp,
    /// What the rows are grouped by.
    pub by: GroupBy,
    /// One row per value, in id order (`None` first).
    pub rows: Vec<ComplianceRow>,
    /// The scan budget ran out: the counts are partial.
    pub truncated: bool,
}

/// First-response and resolution targets met or breached in `[from, to)`, by the time they
/// were met or breached (a breach counts at its due time), grouped by `by`. A clock still
/// running whose due time is in the period counts as breached: `to` is also the as-of time,
/// so the API passes at most "now". Met and breached outcomes keep the priority, group and
/// agent the ticket had when they were decided; running clocks count with the current ones.
pub fn compliance(
    view: &ProjectionView,
    from: Timestamp,
    to: Timestamp,
    by: GroupBy,
) -> Result<ComplianceReport, ProjectionError> {
    let mut rows: BTreeMap<Option<Ulid>, ComplianceRow> = BTreeMap::new();
    let mut budget = MAX_SCAN;
    for kind in [SlaKind::FirstResponse, SlaKind::Resolution] {
        for index in [OUTCOME, DUE] {
            let start = keys::at_prefix(index, kind, from);
            for item in view.scan(&keys::kind_prefix(index, kind), Some(&start), false) {
                let (key, value) = item?;
                let (at, _) = keys::parse_entry(&key).ok_or_else(malformed)?;
                if at >= to || budget == 0 {
                    break;
                }
                budget -= 1;
                let (met, group_key) = if index == OUTCOME {
                    let o: Outcome = decode_value(&value)?;
                    (o.met, by.pick(o.priority_id, o.group_id, o.agent_id))
                } else {
                    let d = decode_value::<Listed>(&value)?.dims;
                    (false, by.pick(d.priority_id, d.group_id, d.agent_id))
                };
                let row = rows.entry(group_key).or_insert_with(|| ComplianceRow {
                    key: group_key,
                    ..ComplianceRow::default()
                });
                let counts = if kind == SlaKind::FirstResponse {
                    &mut row.first_response
                } else {
                    &mut row.resolution
                };
                if met {
                    counts.met += 1;
                } else {
                    counts.breached += 1;
                }
            }
        }
    }
    Ok(ComplianceReport {
        position: view.position(),
        from,
        to,
        by,
        rows: rows.into_values().collect(),
        truncated: budget == 0,
    })
}

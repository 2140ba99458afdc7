//! A ticket's SLA state and how one ticket event moves it: the policy each clock counts by,
//! pauses, due times, and met or breached outcomes.
//!
//! Clocks run only while the ticket's status category is New, Open or In progress: Pending
//! and Waiting pause every clock ([`StatusCategory::pauses_sla`]), and so do Resolved,
//! Closed, Cancelled and Rejected (a finished ticket is never overdue; a reopen resumes). The
//! paused spans are kept per ticket and skipped by the business-time walk, so a due time is
//! always `start + target` business minutes, minus pauses, recomputed from scratch.

use ledgerdesk_core::directory::priority::SlaTargets;
use ledgerdesk_core::ticket::{StatusCategory, TicketEvent};
use ledgerdesk_core::Timestamp;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::calendar::{add_business, BusinessHours, CalendarSnapshot, Span};
use crate::ProjectionError;

/// The three SLA clocks of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaKind {
    /// Time to the first agent reply (`first_response_minutes`).
    FirstResponse,
    /// Trudesk `overdueIn`: time since the ticket's last update (`overdue_in_minutes`).
    NextUpdate,
    /// Time to resolution (`resolution_minutes`).
    Resolution,
}

impl SlaKind {
    /// Every kind, in key order.
    pub const ALL: [SlaKind; 3] = [
        SlaKind::FirstResponse,
        SlaKind::NextUpdate,
        SlaKind::Resolution,
    ];

    /// The byte in index keys; frozen for a projection version.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// The kind's target in a priority's targets.
    pub fn target(self, targets: &SlaTargets) -> Option<u32> {
        match self {
            SlaKind::FirstResponse => targets.first_response_minutes,
            SlaKind::NextUpdate => targets.overdue_in_minutes,
            SlaKind::Resolution => targets.resolution_minutes,
        }
    }
}

/// A version of a business-hours calendar: the log position of the calendar event that
/// produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarRef {
    /// The calendar.
    pub calendar_id: Ulid,
    /// The version (log position of its latest event when the policy was taken).
    pub version: u64,
}

/// What a clock counts by: a snapshot of its priority's target and calendar, taken when the
/// clock started or the ticket's priority changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The priority the target came from.
    pub priority_id: Ulid,
    /// The target, in business minutes.
    pub target_minutes: u32,
    /// The calendar version the minutes count in; `None`: round the clock (no calendar, or
    /// one the log has not defined).
    pub calendar: Option<CalendarRef>,
}

/// A target met or missed, frozen when it happened, with the ticket's priority, group and
/// agent at that moment (what compliance reports group by).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Whether the target was met.
    pub met: bool,
    /// When the target was met (the reply or the resolution), late or not.
    pub at: Timestamp,
    /// The due time then; `None` when it could never fall due (met).
    pub due: Option<Timestamp>,
    /// The ticket's priority then.
    pub priority_id: Option<Ulid>,
    /// The ticket's group then.
    pub group_id: Option<Ulid>,
    /// The ticket's agent then.
    pub agent_id: Option<Ulid>,
}

impl Outcome {
    /// When the outcome counts in reports: the time it was met, or the breach time (the due
    /// time that passed).
    pub fn decided_at(&self) -> Timestamp {
        match (self.met, self.due) {
            (false, Some(due)) => due,
            _ => self.at,
        }
    }
}

/// One clock of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// The policy in force; `None`: the ticket's priority sets no such target.
    pub policy: Option<Policy>,
    /// When the clock started (creation; for next-update, the last update).
    pub started_at: Timestamp,
    /// When the target falls due, while the clock runs; `None` while paused, finished,
    /// without target, or when it cannot fall due within the calendar horizon.
    pub due: Option<Timestamp>,
    /// Met or breached, once decided.
    pub outcome: Option<Outcome>,
    /// Since when the clock has stood in the overdue index as it is now: the event that set
    /// its current due time, or changed the ticket's priority, group or agent, or took it out
    /// of the trash. `None` while the clock is not listed (no due time, or in the trash). The
    /// clock counts as overdue at a time `T` only if `due < T` and `due_since <= T`; what it
    /// was before `due_since` is a closed overdue span (see `spans.rs`).
    pub due_since: Option<Timestamp>,
}

impl Clock {
    fn new(policy: Option<Policy>, at: Timestamp) -> Clock {
        Clock {
            policy,
            started_at: at,
            due: None,
            outcome: None,
            due_since: None,
        }
    }

    /// Whether the clock, as it stands now, is overdue at `as_of`: running and its due time
    /// passed (strictly, as in Trudesk's `now > updated + overdueIn`). The current-state
    /// answer, exact for `as_of` at or after the ticket's last event; [`super::overdue`]
    /// answers exactly for earlier times too.
    pub fn overdue_at(&self, as_of: Timestamp) -> bool {
        self.due.is_some_and(|due| due < as_of)
    }

    /// The breach time as seen at `as_of`: the due time of a decided breach, or of a running
    /// clock that is overdue then.
    pub fn breached_at(&self, as_of: Timestamp) -> Option<Timestamp> {
        match self.outcome {
            Some(o) if !o.met => o.due,
            Some(_) => None,
            None => self.due.filter(|due| *due < as_of),
        }
    }
}

/// The SLA state of one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSla {
    /// The ticket.
    pub ticket_id: Ulid,
    /// Its priority.
    pub priority_id: Option<Ulid>,
    /// Its group.
    pub group_id: Option<Ulid>,
    /// Its agent.
    pub agent_id: Option<Ulid>,
    /// Its status category.
    pub category: StatusCategory,
    /// In the trash: kept, but out of the overdue lists and reports.
    pub trashed: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// Its last update (any event): where Trudesk's `overdueIn` counts from.
    pub updated_at: Timestamp,
    /// Since when its clocks are paused, if they are.
    pub paused_since: Option<Timestamp>,
    /// Earlier pauses, in order.
    pub pauses: Vec<Span>,
    /// The first-response clock.
    pub first_response: Clock,
    /// The next-update clock (Trudesk overdue).
    pub next_update: Clock,
    /// The resolution clock.
    pub resolution: Clock,
    /// The kind and end of each closed overdue span of this ticket (the keys of the span
    /// index), so that a purge removes them; one per time a clock stopped being overdue.
    pub closed_spans: Vec<(SlaKind, Timestamp)>,
}

/// Whether clocks run in a status category.
pub fn runs(category: StatusCategory) -> bool {
    matches!(
        category,
        StatusCategory::New | StatusCategory::Open | StatusCategory::InProgress
    )
}

/// Whether reaching a category meets the resolution target.
fn resolves(category: StatusCategory) -> bool {
    matches!(category, StatusCategory::Resolved | StatusCategory::Closed)
}

/// What the model knows of priorities and calendars, as they stand at the event.
pub(crate) trait Directory {
    /// A priority's current targets.
    fn targets(&self, priority: Ulid) -> Result<Option<SlaTargets>, ProjectionError>;
    /// A calendar's current version.
    fn calendar_version(&self, calendar: Ulid) -> Result<Option<u64>, ProjectionError>;
    /// One version of a calendar.
    fn calendar(&self, at: CalendarRef) -> Result<Option<CalendarSnapshot>, ProjectionError>;
}

impl TicketSla {
    /// The clock of a kind.
    pub fn clock(&self, kind: SlaKind) -> &Clock {
        match kind {
            SlaKind::FirstResponse => &self.first_response,
            SlaKind::NextUpdate => &self.next_update,
            SlaKind::Resolution => &self.resolution,
        }
    }

    pub(crate) fn clock_mut(&mut self, kind: SlaKind) -> &mut Clock {
        match kind {
            SlaKind::FirstResponse => &mut self.first_response,
            SlaKind::NextUpdate => &mut self.next_update,
            SlaKind::Resolution => &mut self.resolution,
        }
    }

    /// The pauses up to `at`, the open one closed there.
    fn pauses_until(&self, at: Timestamp) -> Vec<Span> {
        let mut pauses = self.pauses.clone();
        if let Some(from) = self.paused_since.filter(|from| *from < at) {
            pauses.push(Span { from, to: at });
        }
        pauses
    }

    fn outcome(
        &self,
        clock: &Clock,
        at: Timestamp,
        directory: &dyn Directory,
    ) -> Result<Outcome, ProjectionError> {
        let due = match clock.policy {
            Some(p) => due_time(&p, clock.started_at, &self.pauses_until(at), directory)?,
            None => None,
        };
        Ok(Outcome {
            met: due.is_none_or(|due| at <= due),
            at,
            due,
            priority_id: self.priority_id,
            group_id: self.group_id,
            agent_id: self.agent_id,
        })
    }
}

/// The policy of `kind` for a ticket of `priority`, as the priority and its calendar stand.
fn policy(
    priority: Option<Ulid>,
    kind: SlaKind,
    directory: &dyn Directory,
) -> Result<Option<Policy>, ProjectionError> {
    let Some(priority_id) = priority else {
        return Ok(None);
    };
    let Some(targets) = directory.targets(priority_id)? else {
        return Ok(None);
    };
    let Some(target_minutes) = kind.target(&targets) else {
        return Ok(None);
    };
    let calendar = match targets.calendar_id {
        Some(calendar_id) => directory
            .calendar_version(calendar_id)?
            .map(|version| CalendarRef {
                calendar_id,
                version,
            }),
        None => None,
    };
    Ok(Some(Policy {
        priority_id,
        target_minutes,
        calendar,
    }))
}

/// `start` plus the policy's business minutes, skipping `pauses`; `Ok(None)`: never.
fn due_time(
    policy: &Policy,
    start: Timestamp,
    pauses: &[Span],
    directory: &dyn Directory,
) -> Result<Option<Timestamp>, ProjectionError> {
    let snapshot = match policy.calendar {
        Some(at) => directory.calendar(at)?,
        None => None,
    };
    let hours = snapshot
        .as_ref()
        .map_or_else(BusinessHours::round_the_clock, BusinessHours::from_snapshot);
    Ok(add_business(&hours, start, policy.target_minutes, pauses))
}

/// The SLA state after one ticket event at `at`; `None` for a purged ticket (or an event of
/// a ticket whose creation the model never saw).
pub(crate) fn evolve(
    before: Option<&TicketSla>,
    event: &TicketEvent,
    at: Timestamp,
    directory: &dyn Directory,
) -> Result<Option<TicketSla>, ProjectionError> {
    let mut sla = match (before, event) {
        (_, TicketEvent::Purged(_)) => return Ok(None),
        (None, TicketEvent::Created(c)) => TicketSla {
            ticket_id: c.ticket_id,
            priority_id: c.priority_id,
            group_id: c.group_id,
            agent_id: c.agent_id,
            category: c.status.category,
            trashed: false,
            created_at: at,
            updated_at: at,
            paused_since: (!runs(c.status.category)).then_some(at),
            pauses: Vec::new(),
            first_response: Clock::new(
                policy(c.priority_id, SlaKind::FirstResponse, directory)?,
                at,
            ),
            next_update: Clock::new(None, at),
            resolution: Clock::new(policy(c.priority_id, SlaKind::Resolution, directory)?, at),
            closed_spans: Vec::new(),
        },
        (None, _) => return Ok(None),
        (Some(s), _) => s.clone(),
    };
    let mut long_clocks_moved = before.is_none();
    match event {
        TicketEvent::PriorityChanged(change) => {
            sla.priority_id = change.new;
            for kind in [SlaKind::FirstResponse, SlaKind::Resolution] {
                if sla.clock(kind).outcome.is_none() {
                    sla.clock_mut(kind).policy = policy(change.new, kind, directory)?;
                }
            }
            long_clocks_moved = true;
        }
        TicketEvent::AssignmentChanged(change) => {
            sla.group_id = change.new_group_id;
            sla.agent_id = change.new_agent_id;
        }
        TicketEvent::StatusChanged(change) => {
            move_status(&mut sla, change.new.category, at, directory)?;
            long_clocks_moved = true;
        }
        TicketEvent::FirstResponseRecorded(_) if sla.first_response.outcome.is_none() => {
            sla.first_response.outcome = Some(sla.outcome(&sla.first_response, at, directory)?);
            long_clocks_moved = true;
        }
        TicketEvent::Trashed(_) => sla.trashed = true,
        TicketEvent::Restored(_) => sla.trashed = false,
        _ => {}
    }
    // Every event is an update: Trudesk's overdue counts from the last one, by the
    // priority's overdue-in target as it stands now.
    sla.updated_at = at;
    sla.next_update = Clock::new(policy(sla.priority_id, SlaKind::NextUpdate, directory)?, at);
    refresh(&mut sla, SlaKind::NextUpdate, directory)?;
    if long_clocks_moved {
        refresh(&mut sla, SlaKind::FirstResponse, directory)?;
        refresh(&mut sla, SlaKind::Resolution, directory)?;
    }
    Ok(Some(sla))
}

/// The ticket after its priority was deleted with `replacement` as the priority to move to:
/// its undecided clocks take the replacement's targets, as a priority change does, but this
/// is no update of the ticket, so the next-update clock keeps its start.
pub(crate) fn replace_priority(
    before: &TicketSla,
    replacement: Ulid,
    directory: &dyn Directory,
) -> Result<TicketSla, ProjectionError> {
    let mut sla = before.clone();
    sla.priority_id = Some(replacement);
    for kind in SlaKind::ALL {
        if sla.clock(kind).outcome.is_none() {
            sla.clock_mut(kind).policy = policy(Some(replacement), kind, directory)?;
        }
        refresh(&mut sla, kind, directory)?;
    }
    Ok(sla)
}

/// Moves the ticket to `category` at `at`: opens or closes a pause, decides or reopens the
/// resolution.
fn move_status(
    sla: &mut TicketSla,
    category: StatusCategory,
    at: Timestamp,
    directory: &dyn Directory,
) -> Result<(), ProjectionError> {
    if resolves(category) && sla.resolution.outcome.is_none() && sla.resolution.policy.is_some() {
        sla.resolution.outcome = Some(sla.outcome(&sla.resolution, at, directory)?);
    }
    if runs(category) {
        // A reopen: the resolution clock resumes, the time spent resolved paused it.
        sla.resolution.outcome = None;
        if let Some(from) = sla.paused_since.take() {
            if from < at {
                sla.pauses.push(Span { from, to: at });
            }
        }
    } else if sla.paused_since.is_none() {
        sla.paused_since = Some(at);
    }
    sla.category = category;
    Ok(())
}

/// Recomputes the due time of one clock from its start, policy and the pauses.
fn refresh(
    sla: &mut TicketSla,
    kind: SlaKind,
    directory: &dyn Directory,
) -> Result<(), ProjectionError> {
    let clock = *sla.clock(kind);
    let running = sla.paused_since.is_none() && clock.outcome.is_none();
    let due = match clock.policy {
        Some(p) if running => due_time(&p, clock.started_at, &sla.pauses, directory)?,
        _ => None,
    };
    sla.clock_mut(kind).due = due;
    Ok(())
}

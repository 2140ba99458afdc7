//! Tests of the sla model. Calendar arithmetic is tested as a pure function; the model is
//! tested against real logs: commands decided by the ticket, priority and calendar aggregates,
//! appended with chosen `recorded_at` times (so due times are hand-computable), folded by the
//! projection runner.
//!
//! - `calendar`: business-time arithmetic with worked examples;
//! - `clocks`: due times, pauses, priority and target changes, calendars, overdue as of T;
//! - `reports`: compliance by priority, group and agent; trash, purge, decode failures;
//! - `digest`: rebuild and live model agree after random histories;
//! - `asof`: overdue as of past times, worked examples and a property against the model of
//!   the log as it stood then.

mod asof;
mod calendar;
mod clocks;
mod digest;
mod replacements;
mod reports;

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use ledgerdesk_core::directory::calendar::{
    CalendarAggregate, CalendarCommand, CivilDate, Holiday, MinuteRange, WeeklyHours,
};
use ledgerdesk_core::directory::priority::{PriorityAggregate, PriorityCommand, SlaTargets};
use ledgerdesk_core::directory::Aggregate;
use ledgerdesk_core::ticket::{
    CategoryPath, CommandContext, CreateTicket, ReplyToTicket, Side, StatusCategory, StatusRef,
    StatusTarget, TicketAggregate, TicketCommand, TicketKind, TicketTypeRef, UpdateTicket,
    WaitingReason,
};
use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, DomainEvent, EventStore, ExpectedVersion, SledEventStore,
    StoreConfig, StreamId, StreamKind, Timestamp,
};
use ulid::Ulid;

use super::{SlaKind, SlaProjection, TicketSla, NAME};
use crate::{ProjectionRunner, ProjectionView};

/// Monday 2024-01-01 00:00 UTC.
pub(super) const T0: i64 = 1_704_067_200_000_000;
/// One minute in microseconds.
pub(super) const MIN: i64 = 60_000_000;
/// One hour in microseconds.
pub(super) const HOUR: i64 = 60 * MIN;
/// One day in microseconds.
pub(super) const DAY: i64 = 24 * HOUR;

/// Agents, groups, priorities, calendars.
pub(super) const AGENT: Ulid = Ulid(11);
pub(super) const AGENT2: Ulid = Ulid(12);
pub(super) const REQ: Ulid = Ulid(10);
pub(super) const G1: Ulid = Ulid(20);
pub(super) const G2: Ulid = Ulid(21);
pub(super) const P1: Ulid = Ulid(40);
pub(super) const P2: Ulid = Ulid(41);
pub(super) const CAL: Ulid = Ulid(60);

/// `Timestamp(T0 + offset)`.
pub(super) fn at(offset: i64) -> Timestamp {
    Timestamp(T0 + offset)
}

/// The status of the catalogue for a category (id 100 + the category's index).
pub(super) fn status(category: StatusCategory) -> StatusRef {
    let index = StatusCategory::ALL
        .iter()
        .position(|c| *c == category)
        .unwrap_or(0);
    StatusRef {
        status_id: Ulid(100 + index as u128),
        category,
    }
}

/// A status change command (waiting for the customer when the category is Waiting).
pub(super) fn to_status(category: StatusCategory) -> TicketCommand {
    TicketCommand::ChangeStatus {
        target: StatusTarget {
            status: status(category),
            waiting_for: (category == StatusCategory::Waiting).then_some(WaitingReason::Customer),
        },
        comment: None,
    }
}

/// A public reply from an agent (the first one records the first response).
pub(super) fn agent_reply(id: u128) -> TicketCommand {
    TicketCommand::Reply(Box::new(ReplyToTicket::plain(
        Ulid(50_000 + id),
        AGENT,
        Side::Agent,
        "on it",
    )))
}

/// A priority change.
pub(super) fn set_priority(priority: Option<Ulid>) -> TicketCommand {
    TicketCommand::Update(Box::new(UpdateTicket {
        priority_id: Some(priority),
        ..UpdateTicket::default()
    }))
}

/// Targets in minutes, round the clock unless a calendar is given.
pub(super) fn targets(fr: u32, overdue_in: u32, res: u32, calendar: Option<Ulid>) -> SlaTargets {
    SlaTargets {
        overdue_in_minutes: Some(overdue_in),
        first_response_minutes: Some(fr),
        resolution_minutes: Some(res),
        calendar_id: calendar,
    }
}

/// Monday to Friday, 09:00 to 17:00.
pub(super) fn nine_to_five() -> WeeklyHours {
    let day = vec![MinuteRange {
        start: 9 * 60,
        end: 17 * 60,
    }];
    WeeklyHours {
        days: [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            Vec::new(),
            Vec::new(),
        ],
    }
}

/// A civil date.
pub(super) fn date(year: u16, month: u8, day: u8) -> CivilDate {
    CivilDate { year, month, day }
}

/// A holiday on `d`.
pub(super) fn holiday(d: CivilDate) -> Holiday {
    Holiday {
        date: d,
        name: "day off".into(),
    }
}

/// A create command for ticket `id` with `priority`, in group G1.
pub(super) fn create(id: Ulid, priority: Option<Ulid>) -> TicketCommand {
    TicketCommand::Create(Box::new(CreateTicket {
        ticket_id: id,
        subject: "help".into(),
        description: String::new(),
        requester_id: REQ,
        creator_id: Some(REQ),
        on_behalf_of_id: None,
        ticket_type: TicketTypeRef {
            type_id: Ulid(30),
            kind: TicketKind::Incident,
        },
        status: status(StatusCategory::New),
        priority_id: priority,
        urgency_id: None,
        impact_id: None,
        impact_details: None,
        category: CategoryPath::default(),
        source_id: None,
        group_id: Some(G1),
        agent_id: None,
        department_id: None,
        helpdesk_id: None,
        level_id: None,
        location_id: None,
        tag_ids: BTreeSet::new(),
        custom_fields: BTreeMap::new(),
        due_at: None,
        occurred_at: None,
        attachments: Vec::new(),
        related: Vec::new(),
    }))
}

/// The ids of tickets of a test.
pub(super) fn tid(i: u128) -> Ulid {
    Ulid(1000 + i)
}

/// An event store, the sla projection over it, and a clock the test moves.
pub(super) struct Desk {
    _dir: tempfile::TempDir,
    pub store: SledEventStore,
    pub runner: ProjectionRunner,
    states: HashMap<StreamId, (Box<dyn Any + Send>, u64)>,
    /// The `recorded_at` of the next append (micros).
    pub clock: i64,
}

impl Desk {
    pub async fn new() -> Desk {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = StoreConfig {
            fdatasync: false,
            ..StoreConfig::default()
        };
        let store = SledEventStore::open(dir.path(), config).expect("store");
        let runner =
            ProjectionRunner::open(store.clone(), vec![Arc::new(SlaProjection)]).expect("runner");
        Desk {
            _dir: dir,
            store,
            runner,
            states: HashMap::new(),
            clock: T0,
        }
    }

    /// Moves the clock to `T0 + offset`.
    pub fn at(&mut self, offset: i64) -> &mut Desk {
        self.clock = T0 + offset;
        self
    }

    /// Decides `command` on stream `stream` and appends its events at the clock; `false` if
    /// the aggregate refused it.
    pub async fn try_exec<A>(&mut self, stream: StreamId, command: A::Command) -> bool
    where
        A: Aggregate,
        A::State: Send + 'static,
    {
        let (state, version) = match self.states.remove(&stream) {
            Some((s, v)) => (*s.downcast::<A::State>().expect("state type"), v),
            None => (A::State::default(), 0),
        };
        let ctx = CommandContext {
            actor: Actor::User(AGENT),
            now: Timestamp(self.clock),
        };
        let Ok(events) = A::decide(&state, &command, &ctx) else {
            self.states.insert(stream, (Box::new(state), version));
            return false;
        };
        if !events.is_empty() {
            let new = events
                .iter()
                .map(|e| e.to_new_event(Ulid::new()).expect("encodes"))
                .collect();
            let expected = match version {
                0 => ExpectedVersion::NoStream,
                v => ExpectedVersion::Exact(v),
            };
            let mut request = AppendRequest::new(stream, expected, AppendMeta::new(ctx.actor), new);
            request.recorded_at = Some(Timestamp(self.clock));
            let done = self.store.append(request).await.expect("append");
            let state = events.iter().fold(state, A::evolve);
            self.states
                .insert(stream, (Box::new(state), done.last_version));
        } else {
            self.states.insert(stream, (Box::new(state), version));
        }
        true
    }

    /// A ticket command that must be accepted.
    pub async fn ticket(&mut self, id: Ulid, command: TicketCommand) {
        let stream = StreamId::new(StreamKind::Ticket, id);
        assert!(
            self.try_exec::<TicketAggregate>(stream, command.clone())
                .await,
            "refused: {command:?}"
        );
    }

    /// Creates priority `id` with `sla`.
    pub async fn priority(&mut self, id: Ulid, sla: SlaTargets) {
        let command = PriorityCommand::Create {
            priority_id: id,
            name: format!("priority {id}"),
            colour: "#fff".into(),
            sla,
        };
        let stream = StreamId::new(StreamKind::Priority, id);
        assert!(self.try_exec::<PriorityAggregate>(stream, command).await);
    }

    /// Replaces the targets of priority `id`.
    pub async fn set_sla(&mut self, id: Ulid, sla: SlaTargets) {
        let stream = StreamId::new(StreamKind::Priority, id);
        let command = PriorityCommand::SetSla { sla };
        assert!(self.try_exec::<PriorityAggregate>(stream, command).await);
    }

    /// A calendar command that must be accepted.
    pub async fn calendar(&mut self, id: Ulid, command: CalendarCommand) {
        let stream = StreamId::new(StreamKind::Calendar, id);
        assert!(self.try_exec::<CalendarAggregate>(stream, command).await);
    }

    /// Creates calendar `id`.
    pub async fn new_calendar(
        &mut self,
        id: Ulid,
        zone: &str,
        hours: WeeklyHours,
        off: Vec<Holiday>,
    ) {
        let command = CalendarCommand::Create {
            calendar_id: id,
            name: format!("calendar {id}"),
            time_zone: zone.into(),
            hours,
            holidays: off,
        };
        self.calendar(id, command).await;
    }

    /// The caught-up model.
    pub async fn view(&self) -> ProjectionView {
        self.runner.catch_up().await.expect("catch up");
        self.runner.view(NAME).expect("view")
    }

    /// The SLA state of `ticket`.
    pub async fn sla(&self, ticket: Ulid) -> TicketSla {
        super::ticket_sla(&self.view().await, ticket)
            .expect("read")
            .sla
            .expect("a ticket")
    }

    /// Tickets overdue for `kind` as of `T0 + offset`, following every page.
    pub async fn overdue(&self, kind: SlaKind, offset: i64) -> Vec<Ulid> {
        let view = self.view().await;
        let mut out = Vec::new();
        let mut after = None;
        for _ in 0..100 {
            let page = super::overdue(&view, at(offset), kind, after, 2).expect("overdue");
            out.extend(page.items.iter().map(|i| i.ticket_id));
            match page.next {
                Some(next) => after = Some(next),
                None => return out,
            }
        }
        panic!("pagination does not end");
    }
}

/// A multi-threaded runtime for proptests.
pub(super) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

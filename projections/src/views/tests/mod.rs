//! Tests of the views read model, against real logs: commands decided by the ticket
//! aggregate, appended to a sled event store with chosen `recorded_at` times (so expectations
//! on days and ranges are hand-computable), folded by the projection runner.
//!
//! - `summaries`: summary fields, numbers, decode failures;
//! - `lists`: every filter, every sort both ways, pagination and bounded scans;
//! - `counts`: counters after updates, moves, trash, restore and purge; statistics;
//! - `search`: the inverted index;
//! - `replacements`: a directory delete with a replacement moves tickets;
//! - `digest`: rebuild and live model agree after random histories.

mod counts;
mod digest;
mod links;
mod lists;
mod replacements;
mod search;
mod summaries;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use ledgerdesk_core::ticket::{
    decide, evolve, CategoryPath, CommandContext, CreateTicket, StatusCategory, StatusRef,
    StatusTarget, TicketCommand, TicketKind, TicketState, TicketTypeRef, UpdateTicket,
};
use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, DomainEvent, EventStore, ExpectedVersion, SledEventStore,
    StoreConfig, StreamId, StreamKind, Timestamp,
};
use ulid::Ulid;

use super::{TicketSummary, TicketViews, NAME};
use crate::{ProjectionRunner, ProjectionView};

/// Midnight UTC, 2024-01-01 (day 19723).
pub(super) const T0: i64 = 1_704_067_200_000_000;
/// One hour in microseconds.
pub(super) const HOUR: i64 = 3_600_000_000;
/// One day in microseconds.
pub(super) const DAY: i64 = 24 * HOUR;

/// An agent.
pub(super) const AGENT: Ulid = Ulid(11);
/// Another agent.
pub(super) const AGENT2: Ulid = Ulid(12);
/// A requester.
pub(super) const REQ: Ulid = Ulid(10);
/// Another requester.
pub(super) const REQ2: Ulid = Ulid(13);
/// Groups.
pub(super) const G1: Ulid = Ulid(20);
pub(super) const G2: Ulid = Ulid(21);
/// Priorities (by id order: P1 < P2).
pub(super) const P1: Ulid = Ulid(40);
pub(super) const P2: Ulid = Ulid(41);
/// Tags.
pub(super) const TAG_A: Ulid = Ulid(50);
pub(super) const TAG_B: Ulid = Ulid(51);
/// Types.
pub(super) const INCIDENT: Ulid = Ulid(30);
pub(super) const QUESTION: Ulid = Ulid(31);

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

/// A status change command.
pub(super) fn to_status(category: StatusCategory) -> TicketCommand {
    TicketCommand::ChangeStatus {
        target: StatusTarget {
            status: status(category),
            waiting_for: None,
        },
        comment: None,
    }
}

/// An update command built from the defaults.
pub(super) fn update(f: impl FnOnce(&mut UpdateTicket)) -> TicketCommand {
    let mut u = UpdateTicket::default();
    f(&mut u);
    TicketCommand::Update(Box::new(u))
}

/// A minimal create command for ticket `id`.
pub(super) fn create(id: Ulid, subject: &str) -> CreateTicket {
    CreateTicket {
        ticket_id: id,
        subject: subject.into(),
        description: String::new(),
        requester_id: REQ,
        creator_id: Some(REQ),
        on_behalf_of_id: None,
        ticket_type: TicketTypeRef {
            type_id: INCIDENT,
            kind: TicketKind::Incident,
        },
        status: status(StatusCategory::New),
        priority_id: None,
        urgency_id: None,
        impact_id: None,
        impact_details: None,
        category: CategoryPath::default(),
        source_id: None,
        group_id: None,
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
    }
}

/// An event store, the views projection over it, and a clock the test moves.
pub(super) struct Desk {
    _dir: tempfile::TempDir,
    pub store: SledEventStore,
    pub runner: ProjectionRunner,
    states: HashMap<Ulid, (TicketState, u64)>,
    /// The `recorded_at` of the next append.
    pub clock: i64,
}

impl Desk {
    pub async fn new() -> Desk {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).expect("store");
        let runner =
            ProjectionRunner::open(store.clone(), vec![Arc::new(TicketViews)]).expect("runner");
        Desk {
            _dir: dir,
            store,
            runner,
            states: HashMap::new(),
            clock: T0,
        }
    }

    /// Decides `command` on `ticket` and appends its events at the clock; `None` if refused.
    pub async fn try_exec(&mut self, ticket: Ulid, command: TicketCommand) -> Option<u64> {
        let (state, version) = self.states.get(&ticket).cloned().unwrap_or_default();
        let ctx = CommandContext {
            actor: Actor::User(AGENT),
            now: Timestamp(self.clock),
        };
        let events = decide(&state, &command, &ctx).ok()?;
        if events.is_empty() {
            return Some(version);
        }
        let new = events
            .iter()
            .map(|e| e.to_new_event(Ulid::new()).expect("encodes"))
            .collect();
        let expected = if version == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(version)
        };
        let mut request = AppendRequest::new(
            StreamId::new(StreamKind::Ticket, ticket),
            expected,
            AppendMeta::new(ctx.actor),
            new,
        );
        request.recorded_at = Some(Timestamp(self.clock));
        let result = self.store.append(request).await.expect("append");
        let state = events.iter().fold(state, evolve);
        self.states.insert(ticket, (state, result.last_version));
        Some(result.stream_number)
    }

    /// Like [`Desk::try_exec`], for a command that must be accepted.
    pub async fn exec(&mut self, ticket: Ulid, command: TicketCommand) -> u64 {
        match self.try_exec(ticket, command.clone()).await {
            Some(n) => n,
            None => panic!("command refused: {command:?}"),
        }
    }

    /// Creates a ticket at the clock, then moves the clock on by an hour; returns its number.
    pub async fn open(&mut self, c: CreateTicket) -> u64 {
        let id = c.ticket_id;
        let n = self.exec(id, TicketCommand::Create(Box::new(c))).await;
        self.clock += HOUR;
        n
    }

    /// The caught-up model.
    pub async fn view(&self) -> ProjectionView {
        self.runner.catch_up().await.expect("catch up");
        self.runner.view(NAME).expect("view")
    }

    /// The summary of `ticket`.
    pub async fn summary(&self, ticket: Ulid) -> TicketSummary {
        super::get(&self.view().await, ticket)
            .expect("get")
            .expect("a summary")
    }
}

/// Ticket numbers of a list of summaries.
pub(super) fn numbers(items: &[TicketSummary]) -> Vec<u64> {
    items.iter().map(|s| s.number).collect()
}

/// The ids of tickets 1..=n of a test (ticket `i` is `Ulid(1000 + i)`).
pub(super) fn tid(i: u128) -> Ulid {
    Ulid(1000 + i)
}

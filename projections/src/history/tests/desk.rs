//! A desk to write real logs with: a sled store in a temporary directory, the command
//! service over it, and command builders. Shared by the model and rebuild tests.

use std::sync::Arc;

use ulid::Ulid;

use ledgerdesk_core::command::{CommandOptions, CommandService};
use ledgerdesk_core::ticket::{
    AttachmentMeta, CategoryPath, CommandContext, CreateTicket, ReplyToTicket, Side,
    StatusCategory, StatusTarget, TicketAggregate, TicketCommand, UpdateTicket,
};
use ledgerdesk_core::{
    Actor, AppendMeta, AppendRequest, EventStore, ExpectedVersion, NewEvent, RecordedEvent,
    SledEventStore, StoreConfig, StreamId, StreamKind,
};

use super::{incident, status, AGENT, GROUP, NOW, REQUESTER};
use crate::history::{Cursor, HistoryEntry, HistoryPage, HistoryProjection};
use crate::ProjectionRunner;

pub(super) const USER: Actor = Actor::User(AGENT);
pub(super) const OTHER_USER: Actor = Actor::User(REQUESTER);

pub(super) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A store in a temporary directory and a command service over it.
pub(super) struct Desk {
    _dir: tempfile::TempDir,
    pub(super) store: SledEventStore,
    service: CommandService<SledEventStore>,
}

impl Desk {
    pub(super) fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            fdatasync: false,
            ..StoreConfig::default()
        };
        let store = SledEventStore::open(dir.path(), config).unwrap();
        let service = CommandService::new(Arc::new(store.clone()), 64);
        Desk {
            _dir: dir,
            store,
            service,
        }
    }

    /// Runs a command that must succeed.
    pub(super) async fn run(&self, ticket: Ulid, actor: Actor, command: TicketCommand) -> u64 {
        self.try_run(ticket, actor, command).await.unwrap()
    }

    pub(super) async fn try_run(
        &self,
        ticket: Ulid,
        actor: Actor,
        command: TicketCommand,
    ) -> Option<u64> {
        let ctx = CommandContext { actor, now: NOW };
        let stream = StreamId::new(StreamKind::Ticket, ticket);
        self.service
            .execute::<TicketAggregate>(stream, &command, &ctx, CommandOptions::default())
            .await
            .ok()
            .map(|done| done.position)
    }

    pub(super) async fn events(&self, ticket: Ulid) -> Vec<RecordedEvent> {
        let stream = StreamId::new(StreamKind::Ticket, ticket);
        self.store.read_stream(stream, 1, 10_000).await.unwrap()
    }

    pub(super) async fn history(&self) -> ProjectionRunner {
        let runner =
            ProjectionRunner::open(self.store.clone(), vec![Arc::new(HistoryProjection)]).unwrap();
        runner.catch_up().await.unwrap();
        runner
    }

    /// Appends raw events (for streams of other kinds, and for payloads that do not decode).
    pub(super) async fn append_raw(
        &self,
        stream: StreamId,
        event_type: &str,
        payload: Vec<u8>,
    ) -> u64 {
        let event = NewEvent {
            event_id: Ulid::new(),
            event_type: event_type.to_owned(),
            schema_version: 1,
            payload,
        };
        let request = AppendRequest::new(
            stream,
            ExpectedVersion::Any,
            AppendMeta::new(Actor::System),
            vec![event],
        );
        self.store.append(request).await.unwrap().last_position
    }
}

pub(super) fn create(ticket: Ulid, subject: &str) -> TicketCommand {
    TicketCommand::Create(Box::new(CreateTicket {
        ticket_id: ticket,
        subject: subject.to_owned(),
        description: "details".to_owned(),
        requester_id: REQUESTER,
        creator_id: None,
        on_behalf_of_id: None,
        ticket_type: incident(),
        status: status(StatusCategory::New),
        priority_id: None,
        urgency_id: None,
        impact_id: None,
        impact_details: None,
        category: CategoryPath::default(),
        source_id: None,
        group_id: Some(GROUP),
        agent_id: None,
        department_id: None,
        helpdesk_id: None,
        level_id: None,
        location_id: None,
        tag_ids: Default::default(),
        custom_fields: Default::default(),
        due_at: None,
        occurred_at: None,
        attachments: Vec::new(),
        related: Vec::new(),
    }))
}

pub(super) fn to_status(category: StatusCategory) -> TicketCommand {
    TicketCommand::ChangeStatus {
        target: StatusTarget {
            status: status(category),
            waiting_for: None,
        },
        comment: None,
    }
}

pub(super) fn subject(s: &str) -> TicketCommand {
    TicketCommand::Update(Box::new(UpdateTicket {
        subject: Some(s.to_owned()),
        ..UpdateTicket::default()
    }))
}

pub(super) fn note(id: Ulid) -> TicketCommand {
    TicketCommand::AddNote {
        note_id: id,
        author_id: AGENT,
        body: "internal".to_owned(),
        attachments: Vec::new(),
    }
}

pub(super) fn reply(id: Ulid, side: Side) -> TicketCommand {
    TicketCommand::Reply(Box::new(ReplyToTicket::plain(id, AGENT, side, "hello")))
}

pub(super) fn file(id: Ulid) -> AttachmentMeta {
    AttachmentMeta {
        attachment_id: id,
        name: "f.txt".to_owned(),
        content_type: "text/plain".to_owned(),
        size_bytes: 3,
        blake3_hex: "ab".repeat(32),
    }
}

/// Every page of a feed, following `next` cursors.
pub(super) fn all_pages(mut read: impl FnMut(Option<Cursor>) -> HistoryPage) -> Vec<HistoryPage> {
    let mut pages = vec![read(None)];
    while let Some(next) = pages.last().and_then(|p| p.next) {
        assert!(pages.len() < 1_000, "pagination does not end");
        pages.push(read(Some(next)));
    }
    pages
}

pub(super) fn flatten(pages: &[HistoryPage]) -> Vec<HistoryEntry> {
    pages.iter().flat_map(|p| p.entries.clone()).collect()
}

//! Given/when/then for the ticket aggregate, and the fixtures the tests share.
//!
//! `given(events)` folds prior events; `.after(command)` decides and applies a command that
//! must succeed (to build history from commands); `.when(command)` decides the command under
//! test; `.then(events)` expects exactly those events, `.then_err(error)` a refusal (which by
//! construction writes nothing), `.then_state()` the state after the events.

use std::collections::{BTreeMap, BTreeSet};

use ulid::Ulid;

use super::commands::{CreateTicket, TicketCommand};
use super::error::TicketError;
use super::events::TicketEvent;
use super::state::{evolve, TicketState};
use super::types::{
    AttachmentMeta, CategoryPath, StatusRef, StatusTarget, TicketKind, TicketTypeRef,
};
use super::{decide, CommandContext, StatusCategory};
use crate::ids::{Actor, Timestamp};

/// The ticket under test.
pub const TICKET: Ulid = Ulid(1);
/// Another ticket, for links and associations.
pub const OTHER_TICKET: Ulid = Ulid(2);
/// The requester.
pub const REQUESTER: Ulid = Ulid(10);
/// An agent.
pub const AGENT: Ulid = Ulid(11);
/// Another agent.
pub const OTHER_AGENT: Ulid = Ulid(12);
/// A group.
pub const GROUP: Ulid = Ulid(20);
/// The incident type.
pub const INCIDENT_TYPE: Ulid = Ulid(30);
/// The major-incident type.
pub const MAJOR_TYPE: Ulid = Ulid(31);
/// The time of every test command.
pub const NOW: Timestamp = Timestamp(1_700_000_000_000_000);

/// A status of the catalogue, one per category (ids 100 + the category's index).
pub fn status(category: StatusCategory) -> StatusRef {
    let index = StatusCategory::ALL
        .iter()
        .position(|c| *c == category)
        .unwrap_or(0);
    StatusRef {
        status_id: Ulid(100 + index as u128),
        category,
    }
}

/// A status target without a waiting reason.
pub fn target(category: StatusCategory) -> StatusTarget {
    StatusTarget {
        status: status(category),
        waiting_for: None,
    }
}

/// The context of a command by `actor` at [`NOW`].
pub fn ctx_by(actor: Actor) -> CommandContext {
    CommandContext { actor, now: NOW }
}

/// A file description with a valid hash.
pub fn file(id: u128) -> AttachmentMeta {
    AttachmentMeta {
        attachment_id: Ulid(id),
        name: "screenshot.png".into(),
        content_type: "image/png".into(),
        size_bytes: 1024,
        blake3_hex: "ab".repeat(32),
    }
}

/// The incident type.
pub fn incident() -> TicketTypeRef {
    TicketTypeRef {
        type_id: INCIDENT_TYPE,
        kind: TicketKind::Incident,
    }
}

/// A minimal valid create command.
pub fn create() -> CreateTicket {
    CreateTicket {
        ticket_id: TICKET,
        subject: "Printer on fire".into(),
        description: "It smokes.".into(),
        requester_id: REQUESTER,
        creator_id: Some(REQUESTER),
        on_behalf_of_id: None,
        ticket_type: incident(),
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

/// The events of [`create`].
pub fn created() -> Vec<TicketEvent> {
    decide(
        &TicketState::default(),
        &TicketCommand::Create(Box::new(create())),
        &ctx_by(Actor::User(REQUESTER)),
    )
    .expect("the fixture creates")
}

/// A state folded from prior events, waiting for a command.
pub struct Given {
    state: TicketState,
}

/// Folds `events` (given).
pub fn given(events: &[TicketEvent]) -> Given {
    Given {
        state: events.iter().fold(TicketState::default(), evolve),
    }
}

/// A created ticket (given).
pub fn given_created() -> Given {
    given(&created())
}

impl Given {
    /// Decides and applies a command that must be accepted, as history.
    pub fn after(self, command: TicketCommand) -> Given {
        self.after_by(Actor::User(AGENT), command)
    }

    /// Like [`Given::after`], run by `actor`.
    pub fn after_by(self, actor: Actor, command: TicketCommand) -> Given {
        let events = decide(&self.state, &command, &ctx_by(actor))
            .unwrap_or_else(|e| panic!("history command {command:?} refused: {e:?}"));
        Given {
            state: events.iter().fold(self.state, evolve),
        }
    }

    /// Decides `command` by an agent (when).
    pub fn when(self, command: TicketCommand) -> Then {
        self.when_by(Actor::User(AGENT), command)
    }

    /// Decides `command` by `actor` (when).
    pub fn when_by(self, actor: Actor, command: TicketCommand) -> Then {
        let result = decide(&self.state, &command, &ctx_by(actor));
        Then {
            state: self.state,
            result,
        }
    }
}

/// The outcome of deciding one command.
pub struct Then {
    state: TicketState,
    result: Result<Vec<TicketEvent>, TicketError>,
}

impl Then {
    /// Expects exactly these events.
    pub fn then(self, expected: Vec<TicketEvent>) -> TicketState {
        assert_eq!(self.result, Ok(expected.clone()));
        expected.iter().fold(self.state, evolve)
    }

    /// Expects no events (the command changes nothing).
    pub fn then_nothing(self) {
        assert_eq!(self.result, Ok(Vec::new()));
    }

    /// Expects a refusal with exactly this error.
    pub fn then_err(self, expected: TicketError) {
        assert_eq!(self.result, Err(expected));
    }

    /// Expects success and returns the events.
    pub fn then_events(self) -> Vec<TicketEvent> {
        match self.result {
            Ok(events) => events,
            Err(e) => panic!("command refused: {e:?}"),
        }
    }

    /// Expects success and returns the state after the events.
    pub fn then_state(self) -> TicketState {
        let state = self.state.clone();
        self.then_events().iter().fold(state, evolve)
    }
}

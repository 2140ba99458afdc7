//! The ticket aggregate: a ticket (Trudesk ticket, HelpDeskZ ticket with its messages, InvGate
//! request, SDP request) with its lifecycle, conversation, assignment, people, links,
//! approvals, solutions and time tracking, as pure domain logic.
//!
//! This module owns:
//! - [`TicketCommand`] ([`commands`]): everything a client of any of the four dialects can do
//!   to a ticket, with everything from other aggregates resolved (a status comes with its
//!   [`StatusCategory`], a type with its [`TicketKind`], an approval template with its voters
//!   and rule) and every new id chosen at the edge;
//! - [`TicketEvent`] ([`events`]): what happened, one payload struct per event type, catalogued
//!   in `docs/events/ticket.md`;
//! - [`TicketState`] and [`evolve`] ([`state`]), [`decide()`] ([`mod@decide`]), the approval
//!   sub-state and its rules ([`approval`]) and the refusals ([`TicketError`]).
//!
//! It does not own who may do what (the API checks permissions), the sequential ticket number
//! (the event store assigns it), the other side of a link (the `views` read model derives it
//! from the linking ticket's stream), a propagated reply (the command service writes it to
//! the other ticket's stream), nor file bytes (the blob store keeps
//! them under their BLAKE3 hash; events carry only the description).
//!
//! `decide` and `evolve` are pure: no clock, no I/O, no randomness. `evolve` never panics;
//! a refused command writes nothing.

pub mod approval;
pub mod commands;
pub mod decide;
pub mod error;
pub mod events;
pub mod examples;
pub mod state;
pub mod types;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

pub use approval::{ApprovalState, Vote};
pub use commands::{
    CloseTicket, CreateTicket, EditTimeEntry, ReplyToTicket, RequestApproval, TicketCommand,
    UpdateTicket,
};
pub use decide::decide;
pub use error::TicketError;
pub use events::TicketEvent;
pub use state::{evolve, TicketLifecycle, TicketState};
pub use types::*;

/// Who is asking and when: the only outside facts `decide` may use (shared with the
/// directory aggregates).
pub use crate::aggregate::CommandContext;
/// The fixed status categories (owned by the status catalogue).
pub use crate::directory::status::StatusCategory;

use crate::aggregate::Aggregate;
use crate::envelope::UniqueClaim;

/// The ticket aggregate, for generic command handling (load, decide, append).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketAggregate;

impl Aggregate for TicketAggregate {
    type State = TicketState;
    type Command = TicketCommand;
    type Event = TicketEvent;
    type Error = TicketError;

    fn decide(
        state: &TicketState,
        command: &TicketCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<TicketEvent>, TicketError> {
        decide(state, command, ctx)
    }

    fn evolve(state: TicketState, event: &TicketEvent) -> TicketState {
        evolve(state, event)
    }

    /// Tickets claim no unique values.
    fn claims(_event: &TicketEvent) -> Vec<UniqueClaim> {
        Vec::new()
    }
}

//! What every aggregate has in common: the outside facts `decide` may use, and the four pure
//! functions the command service needs to treat every aggregate alike.

use std::fmt::Debug;

use crate::codec::DomainEvent;
use crate::envelope::UniqueClaim;
use crate::ids::{Actor, Timestamp};

/// Who is asking and when: the only outside facts `decide` may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandContext {
    /// The user (or the system) on whose behalf the command runs.
    pub actor: Actor,
    /// The time of the request, taken once at the edge.
    pub now: Timestamp,
}

/// One aggregate's pure functions, so the command service and the tests can treat every
/// aggregate alike: load (fold `evolve`), `decide`, compute the unique `claims`, append.
pub trait Aggregate {
    /// The folded state; `Default` is the state before creation.
    type State: Default + Clone + PartialEq + Debug;
    /// What callers ask for.
    type Command: Clone + Debug;
    /// What happened.
    type Event: DomainEvent + Clone + PartialEq + Debug;
    /// Why a command is refused.
    type Error: std::error::Error + Clone + PartialEq;

    /// Decides the events a command produces against `state`, or refuses it.
    fn decide(
        state: &Self::State,
        command: &Self::Command,
        ctx: &CommandContext,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// Applies one event to the state. Never panics.
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// The unique values an event takes or gives back, in order.
    fn claims(event: &Self::Event) -> Vec<UniqueClaim>;

    /// Folds events into a state from the state before creation.
    fn fold<'a, I>(events: I) -> Self::State
    where
        I: IntoIterator<Item = &'a Self::Event>,
        Self::Event: 'a,
    {
        events
            .into_iter()
            .fold(Self::State::default(), |state, event| {
                Self::evolve(state, event)
            })
    }
}

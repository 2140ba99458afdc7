//! Test helpers shared by every directory aggregate: given/when/then, the replay property and
//! the codec round trip.

use std::collections::BTreeSet;
use std::fmt::Debug;

use proptest::prelude::*;
use ulid::Ulid;

use super::{Aggregate, CommandContext};
use crate::codec::{CodecError, DomainEvent};
use crate::envelope::ClaimAction;
use crate::ids::{Actor, Timestamp};

/// The acting user of every test command.
pub const ACTOR: Ulid = Ulid(0xac70);
/// The time of every test command.
pub const NOW: Timestamp = Timestamp(1_700_000_000_000_000);

/// The context every test command runs in.
pub fn ctx() -> CommandContext {
    CommandContext {
        actor: Actor::User(ACTOR),
        now: NOW,
    }
}

/// A state folded from prior events, waiting for a command.
pub struct Given<A: Aggregate> {
    state: A::State,
}

/// Folds `events` (given) into the state a command will be decided against.
pub fn given<A: Aggregate>(events: &[A::Event]) -> Given<A> {
    Given {
        state: A::fold(events),
    }
}

/// The outcome of deciding one command.
pub struct Then<A: Aggregate> {
    state: A::State,
    result: Result<Vec<A::Event>, A::Error>,
}

impl<A: Aggregate> Given<A> {
    /// Decides `command` (when).
    pub fn when(self, command: A::Command) -> Then<A> {
        let result = A::decide(&self.state, &command, &ctx());
        Then {
            state: self.state,
            result,
        }
    }
}

impl<A: Aggregate> Then<A>
where
    A::Error: Debug,
{
    /// Expects exactly these events (then), and checks they apply without panicking.
    pub fn then(self, expected: Vec<A::Event>) {
        assert_eq!(self.result, Ok(expected.clone()));
        let _ = expected
            .iter()
            .fold(self.state, |state, event| A::evolve(state, event));
    }

    /// Expects a refusal with exactly this error.
    pub fn then_err(self, expected: impl Into<A::Error>) {
        assert_eq!(self.result, Err(expected.into()));
    }

    /// Expects success and returns the state after the events, for further assertions.
    pub fn then_state(self) -> A::State {
        let events = match self.result {
            Ok(events) => events,
            Err(e) => panic!("command refused: {e:?}"),
        };
        events
            .iter()
            .fold(self.state, |state, event| A::evolve(state, event))
    }
}

/// The replay property: deciding `commands` in turn (keeping the events of the accepted ones)
/// gives a live state equal to replaying the log from scratch; evolve never panics, even on
/// the log reversed; every event round-trips through the codec; and every release gives back
/// a value this stream holds.
pub fn check_replay<A: Aggregate>(commands: &[A::Command]) -> Result<(), TestCaseError> {
    let mut live = A::State::default();
    let mut log = Vec::new();
    let mut held: BTreeSet<(String, String)> = BTreeSet::new();
    for command in commands {
        let Ok(events) = A::decide(&live, command, &ctx()) else {
            continue;
        };
        for event in events {
            for c in A::claims(&event) {
                let key = (c.scope.clone(), c.value.clone());
                match c.action {
                    ClaimAction::Claim => prop_assert!(held.insert(key), "claimed twice: {c:?}"),
                    ClaimAction::Release => prop_assert!(held.remove(&key), "not held: {c:?}"),
                }
            }
            live = A::evolve(live, &event);
            log.push(event);
        }
    }
    prop_assert_eq!(A::fold(&log), live);
    let _ = A::fold(log.iter().rev());
    for event in &log {
        let bytes = event
            .encode()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = A::Event::decode(event.event_type(), event.schema_version(), &bytes)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, event);
    }
    Ok(())
}

/// Checks that every event of `samples` round-trips, that the samples cover every type name
/// in `all_types`, and that unknown types and versions are refused.
pub fn assert_round_trips<E>(samples: &[E], all_types: &[&str])
where
    E: DomainEvent + PartialEq + Debug,
{
    let mut covered = BTreeSet::new();
    for event in samples {
        let bytes = event.encode().expect("encodes");
        let back = E::decode(event.event_type(), event.schema_version(), &bytes).expect("decodes");
        assert_eq!(&back, event);
        assert_eq!(event.schema_version(), 1);
        covered.insert(event.event_type());
        assert!(matches!(
            E::decode(event.event_type(), 2, &bytes),
            Err(CodecError::UnknownSchemaVersion { .. })
        ));
    }
    let missing: Vec<_> = all_types.iter().filter(|t| !covered.contains(*t)).collect();
    assert!(missing.is_empty(), "no sample for {missing:?}");
    if let Some(first) = samples.first() {
        let domain = first.event_type().split('.').next().unwrap_or("directory");
        crate::golden::check(domain, samples);
    }
    assert!(matches!(
        E::decode("no.such_event", 1, &[]),
        Err(CodecError::UnknownEventType { .. })
    ));
}

/// A small pool of ids, so that random commands collide often enough to be interesting.
pub fn arb_id() -> impl Strategy<Value = Ulid> + Clone {
    (1u128..6).prop_map(Ulid)
}

/// A small pool of names (with case variants) and some invalid ones.
pub fn arb_name() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        Just("Alpha".to_owned()),
        Just("alpha".to_owned()),
        Just("Beta".to_owned()),
        Just("Gamma".to_owned()),
        Just("  ".to_owned()),
        "[a-z]{1,8}",
    ]
}

/// A small pool of id sets.
pub fn arb_ids() -> impl Strategy<Value = BTreeSet<Ulid>> + Clone {
    proptest::collection::btree_set(arb_id(), 0..4)
}

/// A random change to a set of user ids.
pub fn arb_link_op() -> impl Strategy<Value = super::LinkOp> + Clone {
    prop_oneof![
        arb_id().prop_map(super::LinkOp::Add),
        arb_id().prop_map(super::LinkOp::Remove),
        arb_ids().prop_map(super::LinkOp::Replace),
    ]
}

/// A random delete guard input: references and an optional replacement.
pub fn arb_delete() -> impl Strategy<Value = (u64, Option<Ulid>)> + Clone {
    (0u64..2, proptest::option::of(arb_id()))
}

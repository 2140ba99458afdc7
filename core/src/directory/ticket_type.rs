//! Ticket types (Trudesk types with their linked priorities; InvGate's incident, service
//! request, question, problem, change, major incident). A ticket's priority must be one the
//! type allows; an empty list allows every priority.
//!
//! Unique values: `ticket_type.name`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::Name;
use super::{
    decide_delete, decide_rename, guard_link, guard_unlink, name_claims, CommandContext,
    CommonError, Lifecycle, NameFact, Removed, Renamed,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of ticket-type names.
pub const NAME_SCOPE: &str = "ticket_type.name";

/// A ticket type, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TicketTypeState {
    /// Where the type stands in its life.
    pub lifecycle: Lifecycle,
    /// The type's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// The priorities a ticket of this type may have (empty: any).
    pub priority_ids: BTreeSet<Ulid>,
}

impl TicketTypeState {
    /// Whether a ticket of this type may have `priority_id`.
    pub fn allows(&self, priority_id: Ulid) -> bool {
        self.priority_ids.is_empty() || self.priority_ids.contains(&priority_id)
    }
}

/// What can be asked of a ticket type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketTypeCommand {
    /// Create the type.
    Create {
        /// The type's id.
        type_id: Ulid,
        /// Its name.
        name: String,
        /// Its allowed priorities.
        priority_ids: BTreeSet<Ulid>,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Allow one more priority.
    AddPriority {
        /// The priority.
        priority_id: Ulid,
    },
    /// Stop allowing a priority.
    RemovePriority {
        /// The priority.
        priority_id: Ulid,
    },
    /// Delete it.
    Delete {
        /// Open tickets of this type (resolved by the caller).
        open_ticket_references: u64,
        /// The type those tickets move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why a ticket-type command is refused.
pub type TicketTypeError = CommonError;

/// A ticket type was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTypeCreated {
    /// The type's id.
    pub type_id: Ulid,
    /// Its name.
    pub name: String,
    /// Its allowed priorities.
    pub priority_ids: Vec<Ulid>,
    /// When.
    pub at: Timestamp,
}

/// A priority was allowed or disallowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityLink {
    /// The priority.
    pub priority_id: Ulid,
}

event_enum! {
    /// Everything that can happen to a ticket type.
    pub enum TicketTypeEvent {
        /// `ticket_type.created`
        Created(TicketTypeCreated) = "ticket_type.created",
        /// `ticket_type.renamed`
        Renamed(Renamed) = "ticket_type.renamed",
        /// `ticket_type.priority_added`
        PriorityAdded(PriorityLink) = "ticket_type.priority_added",
        /// `ticket_type.priority_removed`
        PriorityRemoved(PriorityLink) = "ticket_type.priority_removed",
        /// `ticket_type.deleted`
        Deleted(Removed) = "ticket_type.deleted",
    }
}

aggregate!(
    /// The ticket-type aggregate, for generic command handling.
    TicketTypeAggregate,
    TicketTypeState,
    TicketTypeCommand,
    TicketTypeEvent,
    TicketTypeError
);

/// Decides the events of a ticket-type command, or refuses it.
pub fn decide(
    state: &TicketTypeState,
    command: &TicketTypeCommand,
    ctx: &CommandContext,
) -> Result<Vec<TicketTypeEvent>, TicketTypeError> {
    if let TicketTypeCommand::Create {
        type_id,
        name,
        priority_ids,
    } = command
    {
        state.lifecycle.require_new()?;
        return Ok(vec![TicketTypeEvent::Created(TicketTypeCreated {
            type_id: *type_id,
            name: Name::parse("name", name)?.into_inner(),
            priority_ids: priority_ids.iter().copied().collect(),
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    match command {
        TicketTypeCommand::Create { .. } => Err(CommonError::AlreadyExists),
        TicketTypeCommand::Rename { name } => {
            decide_rename(&state.name, name, TicketTypeEvent::Renamed)
        }
        TicketTypeCommand::AddPriority { priority_id } => {
            guard_link(&state.priority_ids, *priority_id)?;
            let link = PriorityLink {
                priority_id: *priority_id,
            };
            Ok(vec![TicketTypeEvent::PriorityAdded(link)])
        }
        TicketTypeCommand::RemovePriority { priority_id } => {
            guard_unlink(&state.priority_ids, *priority_id)?;
            let link = PriorityLink {
                priority_id: *priority_id,
            };
            Ok(vec![TicketTypeEvent::PriorityRemoved(link)])
        }
        TicketTypeCommand::Delete {
            open_ticket_references,
            replacement_id,
        } => decide_delete(
            state.id,
            &state.name,
            *open_ticket_references,
            *replacement_id,
            ctx,
            TicketTypeEvent::Deleted,
        ),
    }
}

/// Applies one ticket-type event. Never panics.
pub fn evolve(mut state: TicketTypeState, event: &TicketTypeEvent) -> TicketTypeState {
    match event {
        TicketTypeEvent::Created(e) => {
            state = TicketTypeState {
                lifecycle: Lifecycle::Active,
                id: e.type_id,
                name: e.name.clone(),
                priority_ids: e.priority_ids.iter().copied().collect(),
            };
        }
        TicketTypeEvent::Renamed(e) => state.name = e.name.clone(),
        TicketTypeEvent::PriorityAdded(e) => {
            state.priority_ids.insert(e.priority_id);
        }
        TicketTypeEvent::PriorityRemoved(e) => {
            state.priority_ids.remove(&e.priority_id);
        }
        TicketTypeEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values a ticket-type event takes or gives back.
pub fn claims(event: &TicketTypeEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        TicketTypeEvent::Created(e) => NameFact::Created(&e.name),
        TicketTypeEvent::Renamed(e) => NameFact::Renamed(e),
        TicketTypeEvent::Deleted(e) => NameFact::Removed(e),
        TicketTypeEvent::PriorityAdded(_) | TicketTypeEvent::PriorityRemoved(_) => {
            NameFact::Untouched
        }
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, arb_delete, arb_id, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(3);
    const NORMAL: Ulid = Ulid(20);
    const URGENT: Ulid = Ulid(21);

    fn created() -> TicketTypeEvent {
        TicketTypeEvent::Created(TicketTypeCreated {
            type_id: ID,
            name: "Task".into(),
            priority_ids: vec![NORMAL],
            at: NOW,
        })
    }

    #[test]
    fn a_type_allows_its_priorities() {
        let state = given::<TicketTypeAggregate>(&[])
            .when(TicketTypeCommand::Create {
                type_id: ID,
                name: "Task".into(),
                priority_ids: [NORMAL].into(),
            })
            .then_state();
        assert!(state.allows(NORMAL) && !state.allows(URGENT));
        assert!(TicketTypeState::default().allows(URGENT));
    }

    #[test]
    fn add_and_remove_priorities() {
        given::<TicketTypeAggregate>(&[created()])
            .when(TicketTypeCommand::AddPriority {
                priority_id: URGENT,
            })
            .then(vec![TicketTypeEvent::PriorityAdded(PriorityLink {
                priority_id: URGENT,
            })]);
        given::<TicketTypeAggregate>(&[created()])
            .when(TicketTypeCommand::AddPriority {
                priority_id: NORMAL,
            })
            .then_err(CommonError::AlreadyLinked { id: NORMAL });
        given::<TicketTypeAggregate>(&[created()])
            .when(TicketTypeCommand::RemovePriority {
                priority_id: URGENT,
            })
            .then_err(CommonError::NotLinked { id: URGENT });
        given::<TicketTypeAggregate>(&[created()])
            .when(TicketTypeCommand::RemovePriority {
                priority_id: NORMAL,
            })
            .then(vec![TicketTypeEvent::PriorityRemoved(PriorityLink {
                priority_id: NORMAL,
            })]);
    }

    #[test]
    fn rename_and_delete() {
        given::<TicketTypeAggregate>(&[created()])
            .when(TicketTypeCommand::Rename {
                name: "Issue".into(),
            })
            .then(vec![TicketTypeEvent::Renamed(Renamed {
                old_name: "Task".into(),
                name: "Issue".into(),
            })]);
        given::<TicketTypeAggregate>(&[created()])
            .when(TicketTypeCommand::Delete {
                open_ticket_references: 5,
                replacement_id: None,
            })
            .then_err(CommonError::StillReferenced { references: 5 });
    }

    #[test]
    fn every_event_round_trips() {
        let link = PriorityLink {
            priority_id: NORMAL,
        };
        testkit::assert_round_trips(
            &[
                created(),
                TicketTypeEvent::Renamed(Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                }),
                TicketTypeEvent::PriorityAdded(link),
                TicketTypeEvent::PriorityRemoved(link),
                TicketTypeEvent::Deleted(Removed {
                    name: "b".into(),
                    replacement_id: None,
                    at: NOW,
                }),
            ],
            TicketTypeEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = TicketTypeCommand> {
        prop_oneof![
            (arb_name(), testkit::arb_ids()).prop_map(|(name, priority_ids)| {
                TicketTypeCommand::Create {
                    type_id: ID,
                    name,
                    priority_ids,
                }
            }),
            arb_name().prop_map(|name| TicketTypeCommand::Rename { name }),
            arb_id().prop_map(|priority_id| TicketTypeCommand::AddPriority { priority_id }),
            arb_id().prop_map(|priority_id| TicketTypeCommand::RemovePriority { priority_id }),
            arb_delete().prop_map(|(r, replacement_id)| TicketTypeCommand::Delete {
                open_ticket_references: r,
                replacement_id,
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..20)) {
            testkit::check_replay::<TicketTypeAggregate>(&commands)?;
        }
    }
}

//! Locations as a tree (InvGate locations with a `parent_id`, SDP sites): building, floor,
//! room. Each location has members (the users located there) and observers.
//!
//! The tree stays acyclic: a move names the new parent's ancestors (read by the caller) and is
//! refused if the node is among them ([`guard_parent`]). A location with children cannot be
//! deleted, and one that open tickets use needs a replacement.
//!
//! Unique values: `location.name`, among siblings only ("Floor 1" may exist in two
//! buildings): the claimed value is `parent/name` ([`sibling_value`]), so a move or a rename
//! releases the old value and claims the new one. Hence the rename, move and delete events
//! carry both the parent and the name.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::Name;
use super::{
    claim, decide_move, guard_parent, guard_tree_delete, release, rename, sibling_value,
    CommandContext, CommonError, Lifecycle, LinkOp, Moved, Removed, Renamed, Roster, RosterSet,
    UserLink,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of location names (the value is `parent/name`).
pub const NAME_SCOPE: &str = "location.name";

/// A location, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocationState {
    /// Where the location stands in its life.
    pub lifecycle: Lifecycle,
    /// The location's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Its parent (`None`: a root).
    pub parent_id: Option<Ulid>,
    /// The users located here and the observers.
    pub roster: Roster,
}

/// What can be asked of a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationCommand {
    /// Create the location.
    Create {
        /// The location's id.
        location_id: Ulid,
        /// Its name.
        name: String,
        /// Its parent.
        parent_id: Option<Ulid>,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Move it under another parent (or to the root).
    Move {
        /// The new parent.
        parent_id: Option<Ulid>,
        /// The new parent's ancestors, root first (resolved by the caller).
        parent_ancestors: Vec<Ulid>,
    },
    /// Change its members or observers.
    Link {
        /// Which set.
        set: RosterSet,
        /// The change.
        op: LinkOp,
    },
    /// Delete it.
    Delete {
        /// How many live children it has (resolved by the caller).
        child_count: u64,
        /// Open tickets at this location (resolved by the caller).
        open_ticket_references: u64,
        /// The location those tickets move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why a location command is refused.
pub type LocationError = CommonError;

/// A location was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationCreated {
    /// The location's id.
    pub location_id: Ulid,
    /// Its name.
    pub name: String,
    /// Its parent.
    pub parent_id: Option<Ulid>,
    /// When.
    pub at: Timestamp,
}

/// A location was renamed under its (unchanged) parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationRenamed {
    /// Its parent, which scopes the name claim.
    pub parent_id: Option<Ulid>,
    /// The rename.
    pub renamed: Renamed,
}

/// A location moved, keeping its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationMoved {
    /// Its name, claimed again under the new parent.
    pub name: String,
    /// The move.
    pub moved: Moved,
}

/// A location was deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationDeleted {
    /// Its parent, which scopes the released name.
    pub parent_id: Option<Ulid>,
    /// The deletion.
    pub removed: Removed,
}

event_enum! {
    /// Everything that can happen to a location.
    pub enum LocationEvent {
        /// `location.created`
        Created(LocationCreated) = "location.created",
        /// `location.renamed`
        Renamed(LocationRenamed) = "location.renamed",
        /// `location.moved`
        Moved(LocationMoved) = "location.moved",
        /// `location.member_added`
        MemberAdded(UserLink) = "location.member_added",
        /// `location.member_removed`
        MemberRemoved(UserLink) = "location.member_removed",
        /// `location.observer_added`
        ObserverAdded(UserLink) = "location.observer_added",
        /// `location.observer_removed`
        ObserverRemoved(UserLink) = "location.observer_removed",
        /// `location.deleted`
        Deleted(LocationDeleted) = "location.deleted",
    }
}

aggregate!(
    /// The location aggregate, for generic command handling.
    LocationAggregate,
    LocationState,
    LocationCommand,
    LocationEvent,
    LocationError
);

roster_event!(LocationEvent);

/// Decides the events of a location command, or refuses it.
pub fn decide(
    state: &LocationState,
    command: &LocationCommand,
    ctx: &CommandContext,
) -> Result<Vec<LocationEvent>, LocationError> {
    if let LocationCommand::Create {
        location_id,
        name,
        parent_id,
    } = command
    {
        state.lifecycle.require_new()?;
        guard_parent(*location_id, *parent_id, &[])?;
        return Ok(vec![LocationEvent::Created(LocationCreated {
            location_id: *location_id,
            name: Name::parse("name", name)?.into_inner(),
            parent_id: *parent_id,
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    let events = match command {
        LocationCommand::Create { .. } => return Err(CommonError::AlreadyExists),
        LocationCommand::Rename { name } => rename(&state.name, name)?
            .map(|renamed| {
                LocationEvent::Renamed(LocationRenamed {
                    parent_id: state.parent_id,
                    renamed,
                })
            })
            .into_iter()
            .collect(),
        LocationCommand::Move {
            parent_id,
            parent_ancestors,
        } => decide_move(state.id, state.parent_id, *parent_id, parent_ancestors)?
            .map(|moved| {
                LocationEvent::Moved(LocationMoved {
                    name: state.name.clone(),
                    moved,
                })
            })
            .into_iter()
            .collect(),
        LocationCommand::Link { set, op } => state
            .roster
            .decide(*set, op, |added, link| roster_event(*set, added, link))?,
        LocationCommand::Delete {
            child_count,
            open_ticket_references,
            replacement_id,
        } => {
            guard_tree_delete(
                state.id,
                *child_count,
                *open_ticket_references,
                *replacement_id,
            )?;
            vec![LocationEvent::Deleted(LocationDeleted {
                parent_id: state.parent_id,
                removed: Removed {
                    name: state.name.clone(),
                    replacement_id: *replacement_id,
                    at: ctx.now,
                },
            })]
        }
    };
    Ok(events)
}

/// Applies one location event. Never panics.
pub fn evolve(mut state: LocationState, event: &LocationEvent) -> LocationState {
    match event {
        LocationEvent::Created(e) => {
            state = LocationState {
                lifecycle: Lifecycle::Active,
                id: e.location_id,
                name: e.name.clone(),
                parent_id: e.parent_id,
                roster: Roster::default(),
            };
        }
        LocationEvent::Renamed(e) => state.name = e.renamed.name.clone(),
        LocationEvent::Moved(e) => state.parent_id = e.moved.parent_id,
        LocationEvent::MemberAdded(l) => state.roster.apply(RosterSet::Members, true, l),
        LocationEvent::MemberRemoved(l) => state.roster.apply(RosterSet::Members, false, l),
        LocationEvent::ObserverAdded(l) => state.roster.apply(RosterSet::Observers, true, l),
        LocationEvent::ObserverRemoved(l) => state.roster.apply(RosterSet::Observers, false, l),
        LocationEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The claims of a sibling name moving from `(old_parent, old_name)` to `(parent, name)`:
/// nothing when both normalise to the same value.
fn sibling_change(old: (Option<Ulid>, &str), new: (Option<Ulid>, &str)) -> Vec<UniqueClaim> {
    let (old, new) = (sibling_value(old.0, old.1), sibling_value(new.0, new.1));
    if old == new {
        return Vec::new();
    }
    vec![release(NAME_SCOPE, &old), claim(NAME_SCOPE, &new)]
}

/// The unique values a location event takes or gives back (`parent/name` among siblings).
pub fn claims(event: &LocationEvent) -> Vec<UniqueClaim> {
    match event {
        LocationEvent::Created(e) => {
            vec![claim(NAME_SCOPE, &sibling_value(e.parent_id, &e.name))]
        }
        LocationEvent::Renamed(e) => sibling_change(
            (e.parent_id, &e.renamed.old_name),
            (e.parent_id, &e.renamed.name),
        ),
        LocationEvent::Moved(e) => sibling_change(
            (e.moved.old_parent_id, &e.name),
            (e.moved.parent_id, &e.name),
        ),
        LocationEvent::Deleted(e) => vec![release(
            NAME_SCOPE,
            &sibling_value(e.parent_id, &e.removed.name),
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, arb_delete, arb_id, arb_link_op, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(3);
    const BUILDING: Ulid = Ulid(1);
    const ANNEX: Ulid = Ulid(2);
    const ANN: Ulid = Ulid(10);

    fn created() -> LocationEvent {
        LocationEvent::Created(LocationCreated {
            location_id: ID,
            name: "Floor 1".into(),
            parent_id: Some(BUILDING),
            at: NOW,
        })
    }

    #[test]
    fn create_claims_the_name_among_siblings() {
        given::<LocationAggregate>(&[])
            .when(LocationCommand::Create {
                location_id: ID,
                name: "Floor 1 ".into(),
                parent_id: Some(BUILDING),
            })
            .then(vec![created()]);
        let value = sibling_value(Some(BUILDING), "floor 1");
        assert_eq!(claims(&created()), vec![claim(NAME_SCOPE, &value)]);
    }

    #[test]
    fn a_location_cannot_be_its_own_parent() {
        given::<LocationAggregate>(&[])
            .when(LocationCommand::Create {
                location_id: ID,
                name: "Loop".into(),
                parent_id: Some(ID),
            })
            .then_err(CommonError::SelfReference { field: "parent_id" });
    }

    #[test]
    fn rename_moves_the_sibling_claim() {
        let event = LocationEvent::Renamed(LocationRenamed {
            parent_id: Some(BUILDING),
            renamed: Renamed {
                old_name: "Floor 1".into(),
                name: "Ground floor".into(),
            },
        });
        given::<LocationAggregate>(&[created()])
            .when(LocationCommand::Rename {
                name: "Ground floor".into(),
            })
            .then(vec![event.clone()]);
        assert_eq!(claims(&event).len(), 2);
    }

    #[test]
    fn moves_refuse_cycles_and_reclaim_under_the_new_parent() {
        let moved = LocationEvent::Moved(LocationMoved {
            name: "Floor 1".into(),
            moved: Moved {
                old_parent_id: Some(BUILDING),
                parent_id: Some(ANNEX),
            },
        });
        given::<LocationAggregate>(&[created()])
            .when(LocationCommand::Move {
                parent_id: Some(ANNEX),
                parent_ancestors: vec![],
            })
            .then(vec![moved.clone()]);
        assert_eq!(
            claims(&moved),
            vec![
                release(NAME_SCOPE, &sibling_value(Some(BUILDING), "Floor 1")),
                claim(NAME_SCOPE, &sibling_value(Some(ANNEX), "Floor 1")),
            ]
        );
        given::<LocationAggregate>(&[created()])
            .when(LocationCommand::Move {
                parent_id: Some(ANNEX),
                parent_ancestors: vec![BUILDING, ID],
            })
            .then_err(CommonError::Cycle { parent_id: ANNEX });
    }

    #[test]
    fn members_and_observers() {
        let state = given::<LocationAggregate>(&[created()])
            .when(LocationCommand::Link {
                set: RosterSet::Members,
                op: LinkOp::Add(ANN),
            })
            .then_state();
        assert!(state.roster.members.contains(&ANN));
        given::<LocationAggregate>(&[created()])
            .when(LocationCommand::Link {
                set: RosterSet::Observers,
                op: LinkOp::Remove(ANN),
            })
            .then_err(CommonError::NotLinked { id: ANN });
    }

    #[test]
    fn delete_refuses_parents_and_releases_the_name() {
        let delete = |child_count, refs| LocationCommand::Delete {
            child_count,
            open_ticket_references: refs,
            replacement_id: None,
        };
        given::<LocationAggregate>(&[created()])
            .when(delete(1, 0))
            .then_err(CommonError::HasChildren { children: 1 });
        given::<LocationAggregate>(&[created()])
            .when(delete(0, 2))
            .then_err(CommonError::StillReferenced { references: 2 });
        let state = given::<LocationAggregate>(&[created()])
            .when(delete(0, 0))
            .then_state();
        assert_eq!(state.lifecycle, Lifecycle::Deleted);
    }

    #[test]
    fn every_event_round_trips() {
        let l = UserLink { user_id: ANN };
        testkit::assert_round_trips(
            &[
                created(),
                LocationEvent::Renamed(LocationRenamed {
                    parent_id: None,
                    renamed: Renamed {
                        old_name: "a".into(),
                        name: "b".into(),
                    },
                }),
                LocationEvent::Moved(LocationMoved {
                    name: "b".into(),
                    moved: Moved {
                        old_parent_id: None,
                        parent_id: Some(ANNEX),
                    },
                }),
                LocationEvent::MemberAdded(l),
                LocationEvent::MemberRemoved(l),
                LocationEvent::ObserverAdded(l),
                LocationEvent::ObserverRemoved(l),
                LocationEvent::Deleted(LocationDeleted {
                    parent_id: Some(ANNEX),
                    removed: Removed {
                        name: "b".into(),
                        replacement_id: None,
                        at: NOW,
                    },
                }),
            ],
            LocationEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = LocationCommand> {
        let parent = proptest::option::of(arb_id());
        let set = prop_oneof![Just(RosterSet::Members), Just(RosterSet::Observers)];
        prop_oneof![
            (arb_name(), parent.clone()).prop_map(|(name, parent_id)| {
                LocationCommand::Create {
                    location_id: ID,
                    name,
                    parent_id,
                }
            }),
            arb_name().prop_map(|name| LocationCommand::Rename { name }),
            (parent, proptest::collection::vec(arb_id(), 0..3)).prop_map(
                |(parent_id, parent_ancestors)| LocationCommand::Move {
                    parent_id,
                    parent_ancestors,
                }
            ),
            (set, arb_link_op()).prop_map(|(set, op)| LocationCommand::Link { set, op }),
            (0u64..2, arb_delete()).prop_map(|(child_count, (r, replacement_id))| {
                LocationCommand::Delete {
                    child_count,
                    open_ticket_references: r,
                    replacement_id,
                }
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..25)) {
            testkit::check_replay::<LocationAggregate>(&commands)?;
        }
    }
}

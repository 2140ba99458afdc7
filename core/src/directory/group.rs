//! Groups of agents (Trudesk groups with `members` and `sendMailTo`, InvGate groups with
//! observers), public or private.
//!
//! Unique values: `group.name`. Deleting a group that open tickets use needs a replacement.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::{
    apply_link, decide_delete, decide_link, decide_rename, name_claims, values::Name,
    CommandContext, CommonError, Lifecycle, LinkOp, NameFact, Removed, Renamed, UserLink,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of group names.
pub const NAME_SCOPE: &str = "group.name";

/// The user sets a group keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSet {
    /// Members: the agents who work the group's tickets.
    Members,
    /// Notification recipients (Trudesk `sendMailTo`).
    Recipients,
    /// Observers (InvGate).
    Observers,
}

/// A group, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupState {
    /// Where the group stands in its life.
    pub lifecycle: Lifecycle,
    /// The group's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Whether requesters can see and pick it.
    pub public: bool,
    /// Members.
    pub members: BTreeSet<Ulid>,
    /// Notification recipients.
    pub recipients: BTreeSet<Ulid>,
    /// Observers.
    pub observers: BTreeSet<Ulid>,
}

/// What can be asked of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupCommand {
    /// Create the group, with its first members and recipients.
    Create {
        /// The group's id.
        group_id: Ulid,
        /// Its name.
        name: String,
        /// Whether it is public.
        public: bool,
        /// First members.
        members: BTreeSet<Ulid>,
        /// First notification recipients.
        recipients: BTreeSet<Ulid>,
    },
    /// Rename the group.
    Rename {
        /// The new name.
        name: String,
    },
    /// Make the group public or private.
    SetPublic {
        /// The new value.
        public: bool,
    },
    /// Change one of the group's user sets.
    Link {
        /// Which set.
        set: GroupSet,
        /// The change.
        op: LinkOp,
    },
    /// Delete the group.
    Delete {
        /// Open tickets in the group (resolved by the caller).
        open_ticket_references: u64,
        /// The group those tickets move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why a group command is refused.
pub type GroupError = CommonError;

/// A group was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCreated {
    /// The group's id.
    pub group_id: Ulid,
    /// Its name.
    pub name: String,
    /// Whether it is public.
    pub public: bool,
    /// First members.
    pub members: Vec<Ulid>,
    /// First notification recipients.
    pub recipients: Vec<Ulid>,
    /// When.
    pub at: Timestamp,
}

/// A visibility flag changed (public groups, private departments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisibilityChanged {
    /// True when public.
    pub public: bool,
}

event_enum! {
    /// Everything that can happen to a group.
    pub enum GroupEvent {
        /// `group.created`
        Created(GroupCreated) = "group.created",
        /// `group.renamed`
        Renamed(Renamed) = "group.renamed",
        /// `group.visibility_changed`
        VisibilityChanged(VisibilityChanged) = "group.visibility_changed",
        /// `group.member_added`
        MemberAdded(UserLink) = "group.member_added",
        /// `group.member_removed`
        MemberRemoved(UserLink) = "group.member_removed",
        /// `group.recipient_added`
        RecipientAdded(UserLink) = "group.recipient_added",
        /// `group.recipient_removed`
        RecipientRemoved(UserLink) = "group.recipient_removed",
        /// `group.observer_added`
        ObserverAdded(UserLink) = "group.observer_added",
        /// `group.observer_removed`
        ObserverRemoved(UserLink) = "group.observer_removed",
        /// `group.deleted`
        Deleted(Removed) = "group.deleted",
    }
}

aggregate!(
    /// The group aggregate, for generic command handling.
    GroupAggregate,
    GroupState,
    GroupCommand,
    GroupEvent,
    GroupError
);

/// Decides the events of a group command, or refuses it.
pub fn decide(
    state: &GroupState,
    command: &GroupCommand,
    ctx: &CommandContext,
) -> Result<Vec<GroupEvent>, GroupError> {
    if let GroupCommand::Create {
        group_id,
        name,
        public,
        members,
        recipients,
    } = command
    {
        state.lifecycle.require_new()?;
        return Ok(vec![GroupEvent::Created(GroupCreated {
            group_id: *group_id,
            name: Name::parse("name", name)?.into_inner(),
            public: *public,
            members: members.iter().copied().collect(),
            recipients: recipients.iter().copied().collect(),
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    match command {
        GroupCommand::Create { .. } => Err(CommonError::AlreadyExists),
        GroupCommand::Rename { name } => decide_rename(&state.name, name, GroupEvent::Renamed),
        GroupCommand::SetPublic { public } if *public == state.public => Ok(Vec::new()),
        GroupCommand::SetPublic { public } => {
            Ok(vec![GroupEvent::VisibilityChanged(VisibilityChanged {
                public: *public,
            })])
        }
        GroupCommand::Link { set, op } => match set {
            GroupSet::Members => decide_link(
                &state.members,
                op,
                GroupEvent::MemberAdded,
                GroupEvent::MemberRemoved,
            ),
            GroupSet::Recipients => decide_link(
                &state.recipients,
                op,
                GroupEvent::RecipientAdded,
                GroupEvent::RecipientRemoved,
            ),
            GroupSet::Observers => decide_link(
                &state.observers,
                op,
                GroupEvent::ObserverAdded,
                GroupEvent::ObserverRemoved,
            ),
        },
        GroupCommand::Delete {
            open_ticket_references,
            replacement_id,
        } => decide_delete(
            state.id,
            &state.name,
            *open_ticket_references,
            *replacement_id,
            ctx,
            GroupEvent::Deleted,
        ),
    }
}

/// Applies one group event. Never panics.
pub fn evolve(mut state: GroupState, event: &GroupEvent) -> GroupState {
    match event {
        GroupEvent::Created(e) => {
            state = GroupState {
                lifecycle: Lifecycle::Active,
                id: e.group_id,
                name: e.name.clone(),
                public: e.public,
                members: e.members.iter().copied().collect(),
                recipients: e.recipients.iter().copied().collect(),
                observers: BTreeSet::new(),
            };
        }
        GroupEvent::Renamed(e) => state.name = e.name.clone(),
        GroupEvent::VisibilityChanged(e) => state.public = e.public,
        GroupEvent::MemberAdded(l) => apply_link(&mut state.members, true, l),
        GroupEvent::MemberRemoved(l) => apply_link(&mut state.members, false, l),
        GroupEvent::RecipientAdded(l) => apply_link(&mut state.recipients, true, l),
        GroupEvent::RecipientRemoved(l) => apply_link(&mut state.recipients, false, l),
        GroupEvent::ObserverAdded(l) => apply_link(&mut state.observers, true, l),
        GroupEvent::ObserverRemoved(l) => apply_link(&mut state.observers, false, l),
        GroupEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values a group event takes or gives back.
pub fn claims(event: &GroupEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        GroupEvent::Created(e) => NameFact::Created(&e.name),
        GroupEvent::Renamed(e) => NameFact::Renamed(e),
        GroupEvent::Deleted(e) => NameFact::Removed(e),
        _ => NameFact::Untouched,
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::claim;
    use crate::directory::testkit::{self, arb_delete, arb_link_op, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(1);
    const ANN: Ulid = Ulid(10);
    const BOB: Ulid = Ulid(11);

    fn created() -> GroupEvent {
        GroupEvent::Created(GroupCreated {
            group_id: ID,
            name: "Administrators".into(),
            public: false,
            members: vec![ANN],
            recipients: vec![ANN],
            at: NOW,
        })
    }

    #[test]
    fn create_a_group_with_members() {
        given::<GroupAggregate>(&[])
            .when(GroupCommand::Create {
                group_id: ID,
                name: "Administrators ".into(),
                public: false,
                members: [ANN].into(),
                recipients: [ANN].into(),
            })
            .then(vec![created()]);
        assert_eq!(
            claims(&created()),
            vec![claim(NAME_SCOPE, "administrators")]
        );
    }

    #[test]
    fn create_refuses_an_empty_name_and_a_second_create() {
        let create = GroupCommand::Create {
            group_id: ID,
            name: "".into(),
            public: true,
            members: BTreeSet::new(),
            recipients: BTreeSet::new(),
        };
        given::<GroupAggregate>(&[])
            .when(create.clone())
            .then_err(CommonError::Empty { field: "name" });
        given::<GroupAggregate>(&[created()])
            .when(create)
            .then_err(CommonError::AlreadyExists);
    }

    #[test]
    fn rename_moves_the_claim() {
        let renamed = Renamed {
            old_name: "Administrators".into(),
            name: "Admins".into(),
        };
        given::<GroupAggregate>(&[created()])
            .when(GroupCommand::Rename {
                name: "Admins".into(),
            })
            .then(vec![GroupEvent::Renamed(renamed.clone())]);
        assert_eq!(claims(&GroupEvent::Renamed(renamed)).len(), 2);
        given::<GroupAggregate>(&[created()])
            .when(GroupCommand::Rename {
                name: "Administrators".into(),
            })
            .then(vec![]);
    }

    #[test]
    fn visibility() {
        given::<GroupAggregate>(&[created()])
            .when(GroupCommand::SetPublic { public: true })
            .then(vec![GroupEvent::VisibilityChanged(VisibilityChanged {
                public: true,
            })]);
        given::<GroupAggregate>(&[created()])
            .when(GroupCommand::SetPublic { public: false })
            .then(vec![]);
    }

    #[test]
    fn members_are_added_once_and_removed_if_present() {
        let link = |op| GroupCommand::Link {
            set: GroupSet::Members,
            op,
        };
        given::<GroupAggregate>(&[created()])
            .when(link(LinkOp::Add(BOB)))
            .then(vec![GroupEvent::MemberAdded(UserLink { user_id: BOB })]);
        given::<GroupAggregate>(&[created()])
            .when(link(LinkOp::Add(ANN)))
            .then_err(CommonError::AlreadyLinked { id: ANN });
        given::<GroupAggregate>(&[created()])
            .when(link(LinkOp::Remove(BOB)))
            .then_err(CommonError::NotLinked { id: BOB });
        given::<GroupAggregate>(&[created()])
            .when(link(LinkOp::Replace([BOB].into())))
            .then(vec![
                GroupEvent::MemberAdded(UserLink { user_id: BOB }),
                GroupEvent::MemberRemoved(UserLink { user_id: ANN }),
            ]);
    }

    #[test]
    fn recipients_and_observers() {
        given::<GroupAggregate>(&[created()])
            .when(GroupCommand::Link {
                set: GroupSet::Recipients,
                op: LinkOp::Remove(ANN),
            })
            .then(vec![GroupEvent::RecipientRemoved(UserLink {
                user_id: ANN,
            })]);
        let state = given::<GroupAggregate>(&[created()])
            .when(GroupCommand::Link {
                set: GroupSet::Observers,
                op: LinkOp::Add(BOB),
            })
            .then_state();
        assert!(state.observers.contains(&BOB));
    }

    #[test]
    fn delete_needs_a_replacement_for_open_tickets() {
        let delete = |open_ticket_references, replacement_id| GroupCommand::Delete {
            open_ticket_references,
            replacement_id,
        };
        given::<GroupAggregate>(&[created()])
            .when(delete(4, None))
            .then_err(CommonError::StillReferenced { references: 4 });
        given::<GroupAggregate>(&[created()])
            .when(delete(4, Some(ID)))
            .then_err(CommonError::SelfReference {
                field: "replacement_id",
            });
        let deleted = GroupEvent::Deleted(Removed {
            name: "Administrators".into(),
            replacement_id: None,
            at: NOW,
        });
        given::<GroupAggregate>(&[created()])
            .when(delete(0, None))
            .then(vec![deleted.clone()]);
        given::<GroupAggregate>(&[created(), deleted])
            .when(GroupCommand::SetPublic { public: true })
            .then_err(CommonError::Deleted);
    }

    #[test]
    fn every_event_round_trips() {
        let l = UserLink { user_id: ANN };
        testkit::assert_round_trips(
            &[
                created(),
                GroupEvent::Renamed(Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                }),
                GroupEvent::VisibilityChanged(VisibilityChanged { public: true }),
                GroupEvent::MemberAdded(l),
                GroupEvent::MemberRemoved(l),
                GroupEvent::RecipientAdded(l),
                GroupEvent::RecipientRemoved(l),
                GroupEvent::ObserverAdded(l),
                GroupEvent::ObserverRemoved(l),
                GroupEvent::Deleted(Removed {
                    name: "b".into(),
                    replacement_id: Some(ANN),
                    at: NOW,
                }),
            ],
            GroupEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = GroupCommand> {
        let set = prop_oneof![
            Just(GroupSet::Members),
            Just(GroupSet::Recipients),
            Just(GroupSet::Observers)
        ];
        prop_oneof![
            (arb_name(), any::<bool>(), testkit::arb_ids()).prop_map(|(name, public, members)| {
                GroupCommand::Create {
                    group_id: ID,
                    name,
                    public,
                    recipients: members.clone(),
                    members,
                }
            }),
            arb_name().prop_map(|name| GroupCommand::Rename { name }),
            any::<bool>().prop_map(|public| GroupCommand::SetPublic { public }),
            (set, arb_link_op()).prop_map(|(set, op)| GroupCommand::Link { set, op }),
            arb_delete().prop_map(|(r, replacement_id)| GroupCommand::Delete {
                open_ticket_references: r,
                replacement_id,
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..25)) {
            testkit::check_replay::<GroupAggregate>(&commands)?;
        }
    }
}

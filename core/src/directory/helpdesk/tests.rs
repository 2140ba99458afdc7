//! Given/when/then tests of help desks and levels, one per rule, and the replay property.

use super::*;
use crate::directory::testkit::{self, arb_delete, arb_id, arb_link_op, arb_name, given, NOW};
use crate::directory::{claim, Change, Described, Moved, Removed, Renamed, UserLink};
use proptest::prelude::*;

const ID: Ulid = Ulid(6);
const TIER1: Ulid = Ulid(61);
const TIER2: Ulid = Ulid(62);
const IT: Ulid = Ulid(2);
const ANN: Ulid = Ulid(10);
const BOB: Ulid = Ulid(11);

fn created() -> HelpDeskEvent {
    HelpDeskEvent::Created(HelpDeskCreated {
        helpdesk_id: ID,
        name: "Service Desk".into(),
        description: None,
        parent_id: Some(IT),
        at: NOW,
    })
}

fn tier(level_id: Ulid, name: &str, order: u32) -> HelpDeskEvent {
    HelpDeskEvent::LevelAdded(LevelAdded {
        level_id,
        name: name.into(),
        order,
        engine: AssignmentEngine::RoundRobin,
    })
}

fn with_tier1() -> Vec<HelpDeskEvent> {
    vec![created(), tier(TIER1, "Tier 1", 1)]
}

fn level(level_id: Ulid, command: LevelCommand) -> HelpDeskCommand {
    HelpDeskCommand::Level { level_id, command }
}

fn add(name: &str) -> LevelCommand {
    LevelCommand::Add {
        name: name.into(),
        engine: AssignmentEngine::RoundRobin,
    }
}

#[test]
fn create_a_help_desk_under_a_parent() {
    given::<HelpDeskAggregate>(&[])
        .when(HelpDeskCommand::Create {
            helpdesk_id: ID,
            name: "Service Desk".into(),
            description: Some("".into()),
            parent_id: Some(IT),
        })
        .then(vec![created()]);
    assert_eq!(claims(&created()), vec![claim(NAME_SCOPE, "service desk")]);
    given::<HelpDeskAggregate>(&[created()])
        .when(HelpDeskCommand::Create {
            helpdesk_id: ID,
            name: "Other".into(),
            description: None,
            parent_id: None,
        })
        .then_err(CommonError::AlreadyExists);
}

#[test]
fn rename_describe_and_move_without_cycles() {
    given::<HelpDeskAggregate>(&[created()])
        .when(HelpDeskCommand::Rename {
            name: "Desk".into(),
        })
        .then(vec![HelpDeskEvent::Renamed(Renamed {
            old_name: "Service Desk".into(),
            name: "Desk".into(),
        })]);
    given::<HelpDeskAggregate>(&[created()])
        .when(HelpDeskCommand::Describe {
            description: Some("First line".into()),
        })
        .then(vec![HelpDeskEvent::Described(Described {
            description: Some("First line".into()),
        })]);
    given::<HelpDeskAggregate>(&[created()])
        .when(HelpDeskCommand::Move {
            parent_id: None,
            parent_ancestors: vec![],
        })
        .then(vec![HelpDeskEvent::Moved(Moved {
            old_parent_id: Some(IT),
            parent_id: None,
        })]);
    given::<HelpDeskAggregate>(&[created()])
        .when(HelpDeskCommand::Move {
            parent_id: Some(Ulid(3)),
            parent_ancestors: vec![ID],
        })
        .then_err(CommonError::Cycle { parent_id: Ulid(3) });
}

#[test]
fn status_changes_carry_old_and_new() {
    given::<HelpDeskAggregate>(&[created()])
        .when(HelpDeskCommand::SetStatus {
            status: DeskStatus::OutOfHours,
        })
        .then(vec![HelpDeskEvent::StatusChanged(Change {
            old: DeskStatus::Enabled,
            new: DeskStatus::OutOfHours,
        })]);
    given::<HelpDeskAggregate>(&[created()])
        .when(HelpDeskCommand::SetStatus {
            status: DeskStatus::Enabled,
        })
        .then(vec![]);
}

#[test]
fn desk_members_and_observers() {
    let state = given::<HelpDeskAggregate>(&[created()])
        .when(HelpDeskCommand::Link {
            set: RosterSet::Observers,
            op: LinkOp::Replace([ANN, BOB].into()),
        })
        .then_state();
    assert_eq!(state.roster.observers, [ANN, BOB].into());
    given::<HelpDeskAggregate>(&[created()])
        .when(HelpDeskCommand::Link {
            set: RosterSet::Members,
            op: LinkOp::Remove(ANN),
        })
        .then_err(CommonError::NotLinked { id: ANN });
}

#[test]
fn levels_are_added_in_order_with_the_id_given() {
    given::<HelpDeskAggregate>(&with_tier1())
        .when(level(TIER2, add("Tier 2")))
        .then(vec![tier(TIER2, "Tier 2", 2)]);
    given::<HelpDeskAggregate>(&with_tier1())
        .when(level(TIER1, add("Tier 9")))
        .then_err(HelpDeskError::LevelExists(TIER1));
}

#[test]
fn level_names_are_unique_within_the_desk() {
    given::<HelpDeskAggregate>(&with_tier1())
        .when(level(TIER2, add("tier 1")))
        .then_err(HelpDeskError::LevelNameTaken("tier 1".into()));
    let mut events = with_tier1();
    events.push(tier(TIER2, "Tier 2", 2));
    given::<HelpDeskAggregate>(&events)
        .when(level(
            TIER2,
            LevelCommand::Rename {
                name: "TIER 1".into(),
            },
        ))
        .then_err(HelpDeskError::LevelNameTaken("TIER 1".into()));
    given::<HelpDeskAggregate>(&with_tier1())
        .when(level(
            TIER1,
            LevelCommand::Rename {
                name: "TIER 1".into(),
            },
        ))
        .then(vec![HelpDeskEvent::LevelRenamed(LevelRenamed {
            level_id: TIER1,
            renamed: Renamed {
                old_name: "Tier 1".into(),
                name: "TIER 1".into(),
            },
        })]);
}

#[test]
fn removing_a_level_needs_a_live_replacement_for_open_tickets() {
    let remove = |refs, replacement_level_id| LevelCommand::Remove {
        open_ticket_references: refs,
        replacement_level_id,
    };
    given::<HelpDeskAggregate>(&with_tier1())
        .when(level(TIER1, remove(4, None)))
        .then_err(CommonError::StillReferenced { references: 4 });
    given::<HelpDeskAggregate>(&with_tier1())
        .when(level(TIER1, remove(4, Some(TIER2))))
        .then_err(HelpDeskError::UnknownLevel(TIER2));
    let removed = HelpDeskEvent::LevelRemoved(LevelRemoved {
        level_id: TIER1,
        name: "Tier 1".into(),
        replacement_level_id: None,
        at: NOW,
    });
    given::<HelpDeskAggregate>(&with_tier1())
        .when(level(TIER1, remove(0, None)))
        .then(vec![removed.clone()]);
    let mut events = with_tier1();
    events.push(removed);
    given::<HelpDeskAggregate>(&events)
        .when(level(TIER1, add("Tier 1")))
        .then_err(HelpDeskError::LevelExists(TIER1));
    given::<HelpDeskAggregate>(&events)
        .when(level(TIER1, remove(0, None)))
        .then_err(HelpDeskError::UnknownLevel(TIER1));
}

#[test]
fn level_members_and_observers_are_per_level() {
    let state = given::<HelpDeskAggregate>(&with_tier1())
        .when(level(
            TIER1,
            LevelCommand::Link {
                set: RosterSet::Members,
                op: LinkOp::Add(ANN),
            },
        ))
        .then_state();
    assert_eq!(state.levels[&TIER1].roster.members, [ANN].into());
    assert!(state.roster.members.is_empty());
    given::<HelpDeskAggregate>(&with_tier1())
        .when(level(
            TIER2,
            LevelCommand::Link {
                set: RosterSet::Observers,
                op: LinkOp::Add(ANN),
            },
        ))
        .then_err(HelpDeskError::UnknownLevel(TIER2));
}

#[test]
fn delete_refuses_sub_desks_and_open_tickets() {
    let delete = |child_count, refs| HelpDeskCommand::Delete {
        child_count,
        open_ticket_references: refs,
        replacement_id: None,
    };
    given::<HelpDeskAggregate>(&[created()])
        .when(delete(1, 0))
        .then_err(CommonError::HasChildren { children: 1 });
    given::<HelpDeskAggregate>(&[created()])
        .when(delete(0, 5))
        .then_err(CommonError::StillReferenced { references: 5 });
    let deleted = HelpDeskEvent::Deleted(Removed {
        name: "Service Desk".into(),
        replacement_id: None,
        at: NOW,
    });
    given::<HelpDeskAggregate>(&[created()])
        .when(delete(0, 0))
        .then(vec![deleted.clone()]);
    given::<HelpDeskAggregate>(&[created(), deleted])
        .when(level(TIER1, add("Tier 1")))
        .then_err(CommonError::Deleted);
}

#[test]
fn every_event_round_trips() {
    let u = UserLink { user_id: ANN };
    let l = LevelLink {
        level_id: TIER1,
        user_id: ANN,
    };
    testkit::assert_round_trips(
        &[
            created(),
            HelpDeskEvent::Renamed(Renamed {
                old_name: "a".into(),
                name: "b".into(),
            }),
            HelpDeskEvent::Described(Described { description: None }),
            HelpDeskEvent::Moved(Moved {
                old_parent_id: None,
                parent_id: Some(IT),
            }),
            HelpDeskEvent::StatusChanged(Change {
                old: DeskStatus::Suspended,
                new: DeskStatus::Disabled,
            }),
            HelpDeskEvent::MemberAdded(u),
            HelpDeskEvent::MemberRemoved(u),
            HelpDeskEvent::ObserverAdded(u),
            HelpDeskEvent::ObserverRemoved(u),
            tier(TIER1, "Tier 1", 1),
            HelpDeskEvent::LevelRenamed(LevelRenamed {
                level_id: TIER1,
                renamed: Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                },
            }),
            HelpDeskEvent::LevelRemoved(LevelRemoved {
                level_id: TIER1,
                name: "b".into(),
                replacement_level_id: Some(TIER2),
                at: NOW,
            }),
            HelpDeskEvent::LevelMemberAdded(l),
            HelpDeskEvent::LevelMemberRemoved(l),
            HelpDeskEvent::LevelObserverAdded(l),
            HelpDeskEvent::LevelObserverRemoved(l),
            HelpDeskEvent::Deleted(Removed {
                name: "b".into(),
                replacement_id: None,
                at: NOW,
            }),
        ],
        HelpDeskEvent::EVENT_TYPES,
    );
}

fn arb_level_command() -> impl Strategy<Value = LevelCommand> {
    let set = prop_oneof![Just(RosterSet::Members), Just(RosterSet::Observers)];
    prop_oneof![
        arb_name().prop_map(|name| LevelCommand::Add {
            name,
            engine: AssignmentEngine::Free,
        }),
        arb_name().prop_map(|name| LevelCommand::Rename { name }),
        arb_delete().prop_map(|(r, replacement_level_id)| LevelCommand::Remove {
            open_ticket_references: r,
            replacement_level_id,
        }),
        (set, arb_link_op()).prop_map(|(set, op)| LevelCommand::Link { set, op }),
    ]
}

fn arb_command() -> impl Strategy<Value = HelpDeskCommand> {
    let set = prop_oneof![Just(RosterSet::Members), Just(RosterSet::Observers)];
    let status = prop_oneof![Just(DeskStatus::Enabled), Just(DeskStatus::Disabled)];
    prop_oneof![
        1 => (arb_name(), proptest::option::of(arb_id())).prop_map(|(name, parent_id)| {
            HelpDeskCommand::Create {
                helpdesk_id: ID,
                name,
                description: None,
                parent_id,
            }
        }),
        1 => arb_name().prop_map(|name| HelpDeskCommand::Rename { name }),
        1 => status.prop_map(|status| HelpDeskCommand::SetStatus { status }),
        1 => (set, arb_link_op()).prop_map(|(set, op)| HelpDeskCommand::Link { set, op }),
        3 => (arb_id(), arb_level_command())
            .prop_map(|(level_id, command)| HelpDeskCommand::Level { level_id, command }),
        1 => arb_delete().prop_map(|(r, replacement_id)| HelpDeskCommand::Delete {
            child_count: 0,
            open_ticket_references: r,
            replacement_id,
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..30)) {
        testkit::check_replay::<HelpDeskAggregate>(&commands)?;
    }
}

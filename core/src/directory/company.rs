//! InvGate companies: the organisations requesters belong to, with a description, an optional
//! external id (for integrations that sync companies from elsewhere), members (users),
//! related user groups and observers.
//!
//! Unique values: `company.name`. Deleting a company that open tickets use needs a
//! replacement.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::{optional, Name, SHORT_MAX};
use super::{
    change, decide_delete, decide_describe, decide_link, decide_rename, name_claims,
    parse_description, Change, CommandContext, CommonError, Described, Lifecycle, LinkOp, NameFact,
    Removed, Renamed, Roster, RosterSet, UserLink,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of company names.
pub const NAME_SCOPE: &str = "company.name";

/// A company, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompanyState {
    /// Where the company stands in its life.
    pub lifecycle: Lifecycle,
    /// The company's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its id in another system (InvGate `external_id`).
    pub external_id: Option<String>,
    /// Its users and observers.
    pub roster: Roster,
    /// The user groups related to it.
    pub group_ids: BTreeSet<Ulid>,
}

/// What can be asked of a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyCommand {
    /// Create the company with its first members.
    Create {
        /// The company's id.
        company_id: Ulid,
        /// Its name.
        name: String,
        /// Its description (empty: none).
        description: Option<String>,
        /// Its external id (empty: none).
        external_id: Option<String>,
        /// First members.
        members: BTreeSet<Ulid>,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Replace its description.
    Describe {
        /// The new description (empty: none).
        description: Option<String>,
    },
    /// Replace its external id.
    SetExternalId {
        /// The new external id (empty: none).
        external_id: Option<String>,
    },
    /// Change its members or observers.
    Link {
        /// Which set.
        set: RosterSet,
        /// The change.
        op: LinkOp,
    },
    /// Relate or unrelate user groups (the ids are group ids).
    LinkGroups {
        /// The change.
        op: LinkOp,
    },
    /// Delete it.
    Delete {
        /// Open tickets of the company (resolved by the caller).
        open_ticket_references: u64,
        /// The company those tickets move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why a company command is refused.
pub type CompanyError = CommonError;

/// A company was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyCreated {
    /// The company's id.
    pub company_id: Ulid,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its external id.
    pub external_id: Option<String>,
    /// First members.
    pub members: Vec<Ulid>,
    /// When.
    pub at: Timestamp,
}

/// A user group was related to or unrelated from an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLink {
    /// The group.
    pub group_id: Ulid,
}

event_enum! {
    /// Everything that can happen to a company.
    pub enum CompanyEvent {
        /// `company.created`
        Created(CompanyCreated) = "company.created",
        /// `company.renamed`
        Renamed(Renamed) = "company.renamed",
        /// `company.described`
        Described(Described) = "company.described",
        /// `company.external_id_changed`
        ExternalIdChanged(Change<Option<String>>) = "company.external_id_changed",
        /// `company.member_added`
        MemberAdded(UserLink) = "company.member_added",
        /// `company.member_removed`
        MemberRemoved(UserLink) = "company.member_removed",
        /// `company.observer_added`
        ObserverAdded(UserLink) = "company.observer_added",
        /// `company.observer_removed`
        ObserverRemoved(UserLink) = "company.observer_removed",
        /// `company.group_added`
        GroupAdded(GroupLink) = "company.group_added",
        /// `company.group_removed`
        GroupRemoved(GroupLink) = "company.group_removed",
        /// `company.deleted`
        Deleted(Removed) = "company.deleted",
    }
}

aggregate!(
    /// The company aggregate, for generic command handling.
    CompanyAggregate,
    CompanyState,
    CompanyCommand,
    CompanyEvent,
    CompanyError
);

fn parse_external_id(input: Option<&str>) -> Result<Option<String>, CommonError> {
    optional("external_id", input, SHORT_MAX)
}

roster_event!(CompanyEvent);

/// Decides the events of a company command, or refuses it.
pub fn decide(
    state: &CompanyState,
    command: &CompanyCommand,
    ctx: &CommandContext,
) -> Result<Vec<CompanyEvent>, CompanyError> {
    if let CompanyCommand::Create {
        company_id,
        name,
        description,
        external_id,
        members,
    } = command
    {
        state.lifecycle.require_new()?;
        return Ok(vec![CompanyEvent::Created(CompanyCreated {
            company_id: *company_id,
            name: Name::parse("name", name)?.into_inner(),
            description: parse_description(description.as_deref())?,
            external_id: parse_external_id(external_id.as_deref())?,
            members: members.iter().copied().collect(),
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    match command {
        CompanyCommand::Create { .. } => Err(CommonError::AlreadyExists),
        CompanyCommand::Rename { name } => decide_rename(&state.name, name, CompanyEvent::Renamed),
        CompanyCommand::Describe { description } => decide_describe(
            &state.description,
            description.as_deref(),
            CompanyEvent::Described,
        ),
        CompanyCommand::SetExternalId { external_id } => {
            let new = parse_external_id(external_id.as_deref())?;
            Ok(change(&state.external_id, new)
                .map(CompanyEvent::ExternalIdChanged)
                .into_iter()
                .collect())
        }
        CompanyCommand::Link { set, op } => state
            .roster
            .decide(*set, op, |added, link| roster_event(*set, added, link)),
        CompanyCommand::LinkGroups { op } => decide_link(
            &state.group_ids,
            op,
            |l| {
                CompanyEvent::GroupAdded(GroupLink {
                    group_id: l.user_id,
                })
            },
            |l| {
                CompanyEvent::GroupRemoved(GroupLink {
                    group_id: l.user_id,
                })
            },
        ),
        CompanyCommand::Delete {
            open_ticket_references,
            replacement_id,
        } => decide_delete(
            state.id,
            &state.name,
            *open_ticket_references,
            *replacement_id,
            ctx,
            CompanyEvent::Deleted,
        ),
    }
}

/// Applies one company event. Never panics.
pub fn evolve(mut state: CompanyState, event: &CompanyEvent) -> CompanyState {
    match event {
        CompanyEvent::Created(e) => {
            state = CompanyState {
                lifecycle: Lifecycle::Active,
                id: e.company_id,
                name: e.name.clone(),
                description: e.description.clone(),
                external_id: e.external_id.clone(),
                roster: Roster::with_members(&e.members),
                group_ids: BTreeSet::new(),
            };
        }
        CompanyEvent::Renamed(e) => state.name = e.name.clone(),
        CompanyEvent::Described(e) => state.description = e.description.clone(),
        CompanyEvent::ExternalIdChanged(e) => state.external_id = e.new.clone(),
        CompanyEvent::MemberAdded(l) => state.roster.apply(RosterSet::Members, true, l),
        CompanyEvent::MemberRemoved(l) => state.roster.apply(RosterSet::Members, false, l),
        CompanyEvent::ObserverAdded(l) => state.roster.apply(RosterSet::Observers, true, l),
        CompanyEvent::ObserverRemoved(l) => state.roster.apply(RosterSet::Observers, false, l),
        CompanyEvent::GroupAdded(g) => {
            state.group_ids.insert(g.group_id);
        }
        CompanyEvent::GroupRemoved(g) => {
            state.group_ids.remove(&g.group_id);
        }
        CompanyEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values a company event takes or gives back.
pub fn claims(event: &CompanyEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        CompanyEvent::Created(e) => NameFact::Created(&e.name),
        CompanyEvent::Renamed(e) => NameFact::Renamed(e),
        CompanyEvent::Deleted(e) => NameFact::Removed(e),
        _ => NameFact::Untouched,
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::claim;
    use crate::directory::testkit::{self, arb_delete, arb_ids, arb_link_op, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(7);
    const ANN: Ulid = Ulid(10);
    const BOB: Ulid = Ulid(11);
    const SALES: Ulid = Ulid(40);

    fn created() -> CompanyEvent {
        CompanyEvent::Created(CompanyCreated {
            company_id: ID,
            name: "Acme".into(),
            description: None,
            external_id: Some("ERP-12".into()),
            members: vec![ANN],
            at: NOW,
        })
    }

    #[test]
    fn create_a_company_claims_its_name() {
        given::<CompanyAggregate>(&[])
            .when(CompanyCommand::Create {
                company_id: ID,
                name: " Acme ".into(),
                description: Some("  ".into()),
                external_id: Some("ERP-12".into()),
                members: [ANN].into(),
            })
            .then(vec![created()]);
        assert_eq!(claims(&created()), vec![claim(NAME_SCOPE, "acme")]);
    }

    #[test]
    fn create_refuses_a_blank_name_and_a_second_create() {
        let create = |name: &str| CompanyCommand::Create {
            company_id: ID,
            name: name.into(),
            description: None,
            external_id: None,
            members: BTreeSet::new(),
        };
        given::<CompanyAggregate>(&[])
            .when(create(" "))
            .then_err(CommonError::Empty { field: "name" });
        given::<CompanyAggregate>(&[created()])
            .when(create("Acme"))
            .then_err(CommonError::AlreadyExists);
    }

    #[test]
    fn describe_and_change_the_external_id_with_old_and_new() {
        given::<CompanyAggregate>(&[created()])
            .when(CompanyCommand::Describe {
                description: Some("Anvils".into()),
            })
            .then(vec![CompanyEvent::Described(Described {
                description: Some("Anvils".into()),
            })]);
        given::<CompanyAggregate>(&[created()])
            .when(CompanyCommand::SetExternalId { external_id: None })
            .then(vec![CompanyEvent::ExternalIdChanged(Change {
                old: Some("ERP-12".into()),
                new: None,
            })]);
        given::<CompanyAggregate>(&[created()])
            .when(CompanyCommand::SetExternalId {
                external_id: Some(" ERP-12 ".into()),
            })
            .then(vec![]);
    }

    #[test]
    fn members_and_observers_follow_the_link_rules() {
        let link = |set, op| CompanyCommand::Link { set, op };
        given::<CompanyAggregate>(&[created()])
            .when(link(RosterSet::Members, LinkOp::Add(ANN)))
            .then_err(CommonError::AlreadyLinked { id: ANN });
        given::<CompanyAggregate>(&[created()])
            .when(link(RosterSet::Observers, LinkOp::Remove(BOB)))
            .then_err(CommonError::NotLinked { id: BOB });
        let state = given::<CompanyAggregate>(&[created()])
            .when(link(RosterSet::Observers, LinkOp::Add(BOB)))
            .then_state();
        assert!(state.roster.observers.contains(&BOB));
        assert!(!state.roster.members.contains(&BOB));
    }

    #[test]
    fn groups_are_related_once() {
        let state = given::<CompanyAggregate>(&[created()])
            .when(CompanyCommand::LinkGroups {
                op: LinkOp::Add(SALES),
            })
            .then_state();
        assert_eq!(state.group_ids, [SALES].into());
        given::<CompanyAggregate>(&[
            created(),
            CompanyEvent::GroupAdded(GroupLink { group_id: SALES }),
        ])
        .when(CompanyCommand::LinkGroups {
            op: LinkOp::Add(SALES),
        })
        .then_err(CommonError::AlreadyLinked { id: SALES });
    }

    #[test]
    fn delete_needs_a_replacement_for_open_tickets_and_frees_the_name() {
        given::<CompanyAggregate>(&[created()])
            .when(CompanyCommand::Delete {
                open_ticket_references: 3,
                replacement_id: None,
            })
            .then_err(CommonError::StillReferenced { references: 3 });
        let deleted = Removed {
            name: "Acme".into(),
            replacement_id: None,
            at: NOW,
        };
        given::<CompanyAggregate>(&[created()])
            .when(CompanyCommand::Delete {
                open_ticket_references: 0,
                replacement_id: None,
            })
            .then(vec![CompanyEvent::Deleted(deleted.clone())]);
        given::<CompanyAggregate>(&[created(), CompanyEvent::Deleted(deleted)])
            .when(CompanyCommand::Rename { name: "B".into() })
            .then_err(CommonError::Deleted);
    }

    #[test]
    fn every_event_round_trips() {
        let l = UserLink { user_id: ANN };
        let g = GroupLink { group_id: SALES };
        testkit::assert_round_trips(
            &[
                created(),
                CompanyEvent::Renamed(Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                }),
                CompanyEvent::Described(Described { description: None }),
                CompanyEvent::ExternalIdChanged(Change {
                    old: None,
                    new: Some("x".into()),
                }),
                CompanyEvent::MemberAdded(l),
                CompanyEvent::MemberRemoved(l),
                CompanyEvent::ObserverAdded(l),
                CompanyEvent::ObserverRemoved(l),
                CompanyEvent::GroupAdded(g),
                CompanyEvent::GroupRemoved(g),
                CompanyEvent::Deleted(Removed {
                    name: "b".into(),
                    replacement_id: Some(ANN),
                    at: NOW,
                }),
            ],
            CompanyEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = CompanyCommand> {
        let set = prop_oneof![Just(RosterSet::Members), Just(RosterSet::Observers)];
        let text = proptest::option::of(prop_oneof![Just("x".to_owned()), Just(" ".to_owned())]);
        prop_oneof![
            (arb_name(), arb_ids()).prop_map(|(name, members)| CompanyCommand::Create {
                company_id: ID,
                name,
                description: None,
                external_id: None,
                members,
            }),
            arb_name().prop_map(|name| CompanyCommand::Rename { name }),
            text.clone()
                .prop_map(|description| CompanyCommand::Describe { description }),
            text.prop_map(|external_id| CompanyCommand::SetExternalId { external_id }),
            (set, arb_link_op()).prop_map(|(set, op)| CompanyCommand::Link { set, op }),
            arb_link_op().prop_map(|op| CompanyCommand::LinkGroups { op }),
            arb_delete().prop_map(|(r, replacement_id)| CompanyCommand::Delete {
                open_ticket_references: r,
                replacement_id,
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..25)) {
            testkit::check_replay::<CompanyAggregate>(&commands)?;
        }
    }
}

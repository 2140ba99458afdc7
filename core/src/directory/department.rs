//! HelpDeskZ departments: a name and whether requesters may pick it (public) or not (private).
//!
//! HelpDeskZ removes a department's tickets with it; we refuse instead while open tickets use
//! it, unless a replacement department is named. Unique values: `department.name`.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::group::VisibilityChanged;
use super::{
    decide_delete, decide_rename, name_claims, values::Name, CommandContext, CommonError,
    Lifecycle, NameFact, Removed, Renamed,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of department names.
pub const NAME_SCOPE: &str = "department.name";

/// A department, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DepartmentState {
    /// Where the department stands in its life.
    pub lifecycle: Lifecycle,
    /// The department's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Whether requesters can pick it.
    pub public: bool,
}

/// What can be asked of a department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentCommand {
    /// Create the department.
    Create {
        /// The department's id.
        department_id: Ulid,
        /// Its name.
        name: String,
        /// Whether it is public (HelpDeskZ `private=0`).
        public: bool,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Make it public or private.
    SetPublic {
        /// The new value.
        public: bool,
    },
    /// Delete it.
    Delete {
        /// Open tickets in the department (resolved by the caller).
        open_ticket_references: u64,
        /// The department those tickets move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why a department command is refused.
pub type DepartmentError = CommonError;

/// A department was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentCreated {
    /// The department's id.
    pub department_id: Ulid,
    /// Its name.
    pub name: String,
    /// Whether it is public.
    pub public: bool,
    /// When.
    pub at: Timestamp,
}

event_enum! {
    /// Everything that can happen to a department.
    pub enum DepartmentEvent {
        /// `department.created`
        Created(DepartmentCreated) = "department.created",
        /// `department.renamed`
        Renamed(Renamed) = "department.renamed",
        /// `department.visibility_changed`
        VisibilityChanged(VisibilityChanged) = "department.visibility_changed",
        /// `department.deleted`
        Deleted(Removed) = "department.deleted",
    }
}

aggregate!(
    /// The department aggregate, for generic command handling.
    DepartmentAggregate,
    DepartmentState,
    DepartmentCommand,
    DepartmentEvent,
    DepartmentError
);

/// Decides the events of a department command, or refuses it.
pub fn decide(
    state: &DepartmentState,
    command: &DepartmentCommand,
    ctx: &CommandContext,
) -> Result<Vec<DepartmentEvent>, DepartmentError> {
    match command {
        DepartmentCommand::Create {
            department_id,
            name,
            public,
        } => {
            state.lifecycle.require_new()?;
            Ok(vec![DepartmentEvent::Created(DepartmentCreated {
                department_id: *department_id,
                name: Name::parse("name", name)?.into_inner(),
                public: *public,
                at: ctx.now,
            })])
        }
        DepartmentCommand::Rename { name } => {
            state.lifecycle.require_active()?;
            decide_rename(&state.name, name, DepartmentEvent::Renamed)
        }
        DepartmentCommand::SetPublic { public } => {
            state.lifecycle.require_active()?;
            let changed =
                (*public != state.public).then_some(VisibilityChanged { public: *public });
            Ok(changed
                .map(DepartmentEvent::VisibilityChanged)
                .into_iter()
                .collect())
        }
        DepartmentCommand::Delete {
            open_ticket_references,
            replacement_id,
        } => {
            state.lifecycle.require_active()?;
            decide_delete(
                state.id,
                &state.name,
                *open_ticket_references,
                *replacement_id,
                ctx,
                DepartmentEvent::Deleted,
            )
        }
    }
}

/// Applies one department event. Never panics.
pub fn evolve(mut state: DepartmentState, event: &DepartmentEvent) -> DepartmentState {
    match event {
        DepartmentEvent::Created(e) => {
            state = DepartmentState {
                lifecycle: Lifecycle::Active,
                id: e.department_id,
                name: e.name.clone(),
                public: e.public,
            };
        }
        DepartmentEvent::Renamed(e) => state.name = e.name.clone(),
        DepartmentEvent::VisibilityChanged(e) => state.public = e.public,
        DepartmentEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values a department event takes or gives back.
pub fn claims(event: &DepartmentEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        DepartmentEvent::Created(e) => NameFact::Created(&e.name),
        DepartmentEvent::Renamed(e) => NameFact::Renamed(e),
        DepartmentEvent::Deleted(e) => NameFact::Removed(e),
        DepartmentEvent::VisibilityChanged(_) => NameFact::Untouched,
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, arb_delete, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(4);

    fn created() -> DepartmentEvent {
        DepartmentEvent::Created(DepartmentCreated {
            department_id: ID,
            name: "Issues report".into(),
            public: true,
            at: NOW,
        })
    }

    #[test]
    fn create_rename_and_make_private() {
        given::<DepartmentAggregate>(&[])
            .when(DepartmentCommand::Create {
                department_id: ID,
                name: "Issues report".into(),
                public: true,
            })
            .then(vec![created()]);
        given::<DepartmentAggregate>(&[created()])
            .when(DepartmentCommand::Rename {
                name: "Issues".into(),
            })
            .then(vec![DepartmentEvent::Renamed(Renamed {
                old_name: "Issues report".into(),
                name: "Issues".into(),
            })]);
        given::<DepartmentAggregate>(&[created()])
            .when(DepartmentCommand::SetPublic { public: false })
            .then(vec![DepartmentEvent::VisibilityChanged(
                VisibilityChanged { public: false },
            )]);
    }

    #[test]
    fn refusals() {
        given::<DepartmentAggregate>(&[])
            .when(DepartmentCommand::Rename { name: "x".into() })
            .then_err(CommonError::NotFound);
        given::<DepartmentAggregate>(&[created()])
            .when(DepartmentCommand::Rename {
                name: "x".repeat(500),
            })
            .then_err(CommonError::TooLong {
                field: "name",
                max: crate::directory::values::NAME_MAX,
            });
        given::<DepartmentAggregate>(&[created()])
            .when(DepartmentCommand::Delete {
                open_ticket_references: 1,
                replacement_id: None,
            })
            .then_err(CommonError::StillReferenced { references: 1 });
    }

    #[test]
    fn delete_moves_tickets_to_the_replacement() {
        given::<DepartmentAggregate>(&[created()])
            .when(DepartmentCommand::Delete {
                open_ticket_references: 2,
                replacement_id: Some(Ulid(5)),
            })
            .then(vec![DepartmentEvent::Deleted(Removed {
                name: "Issues report".into(),
                replacement_id: Some(Ulid(5)),
                at: NOW,
            })]);
    }

    #[test]
    fn every_event_round_trips() {
        testkit::assert_round_trips(
            &[
                created(),
                DepartmentEvent::Renamed(Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                }),
                DepartmentEvent::VisibilityChanged(VisibilityChanged { public: false }),
                DepartmentEvent::Deleted(Removed {
                    name: "b".into(),
                    replacement_id: None,
                    at: NOW,
                }),
            ],
            DepartmentEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = DepartmentCommand> {
        prop_oneof![
            (arb_name(), any::<bool>()).prop_map(|(name, public)| DepartmentCommand::Create {
                department_id: ID,
                name,
                public
            }),
            arb_name().prop_map(|name| DepartmentCommand::Rename { name }),
            any::<bool>().prop_map(|public| DepartmentCommand::SetPublic { public }),
            arb_delete().prop_map(|(r, replacement_id)| DepartmentCommand::Delete {
                open_ticket_references: r,
                replacement_id,
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..20)) {
            testkit::check_replay::<DepartmentAggregate>(&commands)?;
        }
    }
}

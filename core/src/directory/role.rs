//! Roles and their permission grants: the built-in admin, agent, requester and auditor roles,
//! and custom roles (Trudesk `grants` such as `tickets:create`, HelpDeskZ per-resource
//! permissions such as `tickets.create`).
//!
//! Built-in roles are installed with [`RoleCommand::InstallBuiltIn`]; they cannot be renamed or
//! deleted, and the admin role's grants cannot be changed (so nobody locks the admins out).
//! Unique values: `role.name`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::{
    decide_delete, decide_rename, name_claims, CommandContext, CommonError, Lifecycle, NameFact,
    Removed, Renamed,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of role names.
pub const NAME_SCOPE: &str = "role.name";

/// A permission grant: 1 to 64 of lowercase letters, digits and `_ . : * -`
/// (`tickets:create`, `tickets.update`, `admin:*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant(String);

impl Grant {
    /// Parses a grant for `field`.
    pub fn parse(field: &'static str, input: &str) -> Result<Grant, CommonError> {
        let grant = super::values::required(field, input, 64)?;
        let allowed = |c: char| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | ':' | '*' | '-')
        };
        if !grant.chars().all(allowed) {
            return Err(CommonError::Invalid {
                field,
                reason: "a grant is lowercase letters, digits and _ . : * -",
            });
        }
        Ok(Grant(grant))
    }

    /// The validated grant.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The roles every installation has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BuiltInRole {
    /// Everything.
    Admin,
    /// Works tickets.
    Agent,
    /// Opens and follows their own tickets.
    Requester,
    /// Reads everything, including history and the log; changes nothing.
    Auditor,
}

impl BuiltInRole {
    /// Every built-in role.
    pub const ALL: [BuiltInRole; 4] = [
        BuiltInRole::Admin,
        BuiltInRole::Agent,
        BuiltInRole::Requester,
        BuiltInRole::Auditor,
    ];

    /// The role's name.
    pub fn name(self) -> &'static str {
        match self {
            BuiltInRole::Admin => "admin",
            BuiltInRole::Agent => "agent",
            BuiltInRole::Requester => "requester",
            BuiltInRole::Auditor => "auditor",
        }
    }

    /// The grants a fresh installation gives the role.
    pub fn default_grants(self) -> &'static [&'static str] {
        match self {
            BuiltInRole::Admin => &["*"],
            BuiltInRole::Agent => &[
                "tickets:*",
                "comments:*",
                "notes:*",
                "users:read",
                "groups:read",
                "kb:*",
                "breakingnews:*",
            ],
            BuiltInRole::Requester => &[
                "tickets:create",
                "tickets:read:own",
                "comments:create:own",
                "kb:read:public",
            ],
            BuiltInRole::Auditor => &["*:read", "history:read", "log:read"],
        }
    }
}

/// A role, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleState {
    /// Where the role stands in its life.
    pub lifecycle: Lifecycle,
    /// The role's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Which built-in role it is, if any.
    pub builtin: Option<BuiltInRole>,
    /// Its grants.
    pub grants: BTreeSet<String>,
    /// Trudesk's `hierarchy` flag: members may act on users of lower roles.
    pub hierarchy: bool,
}

/// What can be asked of a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleCommand {
    /// Create a custom role.
    Create {
        /// The role's id.
        role_id: Ulid,
        /// Its name.
        name: String,
        /// Its grants.
        grants: Vec<String>,
        /// Trudesk's hierarchy flag.
        hierarchy: bool,
    },
    /// Install one of the built-in roles with its default grants.
    InstallBuiltIn {
        /// The role's id.
        role_id: Ulid,
        /// Which one.
        role: BuiltInRole,
    },
    /// Rename a custom role.
    Rename {
        /// The new name.
        name: String,
    },
    /// Replace the grants.
    SetGrants {
        /// The new grants.
        grants: Vec<String>,
    },
    /// Set the hierarchy flag.
    SetHierarchy {
        /// The new value.
        hierarchy: bool,
    },
    /// Delete a custom role; users holding it need a replacement role.
    Delete {
        /// How many users hold the role (resolved by the caller).
        user_references: u64,
        /// The role those users move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why a role command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// Validation or lifecycle refusal.
    #[error(transparent)]
    Common(#[from] CommonError),
    /// Built-in roles keep their name and existence (and the admin role its grants).
    #[error("the built-in role {0:?} cannot be changed this way")]
    BuiltIn(BuiltInRole),
}

/// A role was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleCreated {
    /// The role's id.
    pub role_id: Ulid,
    /// Its name.
    pub name: String,
    /// Which built-in role it is, if any.
    pub builtin: Option<BuiltInRole>,
    /// Its grants.
    pub grants: Vec<String>,
    /// Trudesk's hierarchy flag.
    pub hierarchy: bool,
    /// When.
    pub at: Timestamp,
}

/// The role's grants were replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantsChanged {
    /// The new grants.
    pub grants: Vec<String>,
}

/// The hierarchy flag changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HierarchyChanged {
    /// The new value.
    pub hierarchy: bool,
}

event_enum! {
    /// Everything that can happen to a role.
    pub enum RoleEvent {
        /// `role.created`
        Created(RoleCreated) = "role.created",
        /// `role.renamed`
        Renamed(Renamed) = "role.renamed",
        /// `role.grants_changed`
        GrantsChanged(GrantsChanged) = "role.grants_changed",
        /// `role.hierarchy_changed`
        HierarchyChanged(HierarchyChanged) = "role.hierarchy_changed",
        /// `role.deleted`
        Deleted(Removed) = "role.deleted",
    }
}

aggregate!(
    /// The role aggregate, for generic command handling.
    RoleAggregate,
    RoleState,
    RoleCommand,
    RoleEvent,
    RoleError
);

fn parse_grants(grants: &[String]) -> Result<BTreeSet<String>, CommonError> {
    grants
        .iter()
        .map(|g| Grant::parse("grants", g).map(Grant::into_inner))
        .collect()
}

fn created(role_id: Ulid, name: &str, builtin: Option<BuiltInRole>) -> RoleCreated {
    RoleCreated {
        role_id,
        name: name.to_owned(),
        builtin,
        grants: Vec::new(),
        hierarchy: false,
        at: Timestamp(0),
    }
}

/// Decides the events of a role command, or refuses it.
pub fn decide(
    state: &RoleState,
    command: &RoleCommand,
    ctx: &CommandContext,
) -> Result<Vec<RoleEvent>, RoleError> {
    let builtin_refusal = || state.builtin.map_or(Ok(()), |b| Err(RoleError::BuiltIn(b)));
    match command {
        RoleCommand::Create {
            role_id,
            name,
            grants,
            hierarchy,
        } => {
            state.lifecycle.require_new()?;
            let name = super::values::Name::parse("name", name)?.into_inner();
            Ok(vec![RoleEvent::Created(RoleCreated {
                grants: parse_grants(grants)?.into_iter().collect(),
                hierarchy: *hierarchy,
                at: ctx.now,
                ..created(*role_id, &name, None)
            })])
        }
        RoleCommand::InstallBuiltIn { role_id, role } => {
            state.lifecycle.require_new()?;
            Ok(vec![RoleEvent::Created(RoleCreated {
                grants: role
                    .default_grants()
                    .iter()
                    .map(|g| g.to_string())
                    .collect(),
                hierarchy: *role == BuiltInRole::Admin,
                at: ctx.now,
                ..created(*role_id, role.name(), Some(*role))
            })])
        }
        RoleCommand::Rename { name } => {
            state.lifecycle.require_active()?;
            builtin_refusal()?;
            Ok(decide_rename(&state.name, name, RoleEvent::Renamed)?)
        }
        RoleCommand::SetGrants { grants } => {
            state.lifecycle.require_active()?;
            if state.builtin == Some(BuiltInRole::Admin) {
                return Err(RoleError::BuiltIn(BuiltInRole::Admin));
            }
            let grants = parse_grants(grants)?;
            if grants == state.grants {
                return Ok(Vec::new());
            }
            let grants = grants.into_iter().collect();
            Ok(vec![RoleEvent::GrantsChanged(GrantsChanged { grants })])
        }
        RoleCommand::SetHierarchy { hierarchy } => {
            state.lifecycle.require_active()?;
            if *hierarchy == state.hierarchy {
                return Ok(Vec::new());
            }
            let hierarchy = *hierarchy;
            Ok(vec![RoleEvent::HierarchyChanged(HierarchyChanged {
                hierarchy,
            })])
        }
        RoleCommand::Delete {
            user_references,
            replacement_id,
        } => {
            state.lifecycle.require_active()?;
            builtin_refusal()?;
            Ok(decide_delete(
                state.id,
                &state.name,
                *user_references,
                *replacement_id,
                ctx,
                RoleEvent::Deleted,
            )?)
        }
    }
}

/// Applies one role event. Never panics.
pub fn evolve(mut state: RoleState, event: &RoleEvent) -> RoleState {
    match event {
        RoleEvent::Created(e) => {
            state = RoleState {
                lifecycle: Lifecycle::Active,
                id: e.role_id,
                name: e.name.clone(),
                builtin: e.builtin,
                grants: e.grants.iter().cloned().collect(),
                hierarchy: e.hierarchy,
            };
        }
        RoleEvent::Renamed(e) => state.name = e.name.clone(),
        RoleEvent::GrantsChanged(e) => state.grants = e.grants.iter().cloned().collect(),
        RoleEvent::HierarchyChanged(e) => state.hierarchy = e.hierarchy,
        RoleEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values a role event takes or gives back.
pub fn claims(event: &RoleEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        RoleEvent::Created(e) => NameFact::Created(&e.name),
        RoleEvent::Renamed(e) => NameFact::Renamed(e),
        RoleEvent::Deleted(e) => NameFact::Removed(e),
        RoleEvent::GrantsChanged(_) | RoleEvent::HierarchyChanged(_) => NameFact::Untouched,
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::claim;
    use crate::directory::testkit::{self, arb_id, arb_name, given, NOW};
    use proptest::prelude::*;

    const ID: Ulid = Ulid(1);

    fn created_custom() -> RoleEvent {
        RoleEvent::Created(RoleCreated {
            role_id: ID,
            name: "Support".into(),
            builtin: None,
            grants: vec!["tickets:create".into()],
            hierarchy: false,
            at: NOW,
        })
    }

    fn installed_admin() -> RoleEvent {
        RoleEvent::Created(RoleCreated {
            role_id: ID,
            name: "admin".into(),
            builtin: Some(BuiltInRole::Admin),
            grants: vec!["*".into()],
            hierarchy: true,
            at: NOW,
        })
    }

    #[test]
    fn create_a_custom_role() {
        given::<RoleAggregate>(&[])
            .when(RoleCommand::Create {
                role_id: ID,
                name: " Support ".into(),
                grants: vec!["tickets:create".into(), "tickets:create".into()],
                hierarchy: false,
            })
            .then(vec![created_custom()]);
    }

    #[test]
    fn install_a_builtin_role() {
        given::<RoleAggregate>(&[])
            .when(RoleCommand::InstallBuiltIn {
                role_id: ID,
                role: BuiltInRole::Admin,
            })
            .then(vec![installed_admin()]);
    }

    #[test]
    fn bad_grants_and_duplicates_are_refused() {
        given::<RoleAggregate>(&[])
            .when(RoleCommand::Create {
                role_id: ID,
                name: "X".into(),
                grants: vec!["Tickets Create".into()],
                hierarchy: false,
            })
            .then_err(CommonError::Invalid {
                field: "grants",
                reason: "a grant is lowercase letters, digits and _ . : * -",
            });
        given::<RoleAggregate>(&[created_custom()])
            .when(RoleCommand::InstallBuiltIn {
                role_id: ID,
                role: BuiltInRole::Agent,
            })
            .then_err(CommonError::AlreadyExists);
    }

    #[test]
    fn rename_and_set_grants() {
        given::<RoleAggregate>(&[created_custom()])
            .when(RoleCommand::Rename {
                name: "Tier 1".into(),
            })
            .then(vec![RoleEvent::Renamed(Renamed {
                old_name: "Support".into(),
                name: "Tier 1".into(),
            })]);
        given::<RoleAggregate>(&[created_custom()])
            .when(RoleCommand::SetGrants {
                grants: vec!["tickets:*".into()],
            })
            .then(vec![RoleEvent::GrantsChanged(GrantsChanged {
                grants: vec!["tickets:*".into()],
            })]);
        given::<RoleAggregate>(&[created_custom()])
            .when(RoleCommand::SetGrants {
                grants: vec!["tickets:create".into()],
            })
            .then(vec![]);
        given::<RoleAggregate>(&[created_custom()])
            .when(RoleCommand::SetHierarchy { hierarchy: true })
            .then(vec![RoleEvent::HierarchyChanged(HierarchyChanged {
                hierarchy: true,
            })]);
    }

    #[test]
    fn builtin_roles_keep_their_name_existence_and_admin_grants() {
        let admin = [installed_admin()];
        given::<RoleAggregate>(&admin)
            .when(RoleCommand::Rename { name: "x".into() })
            .then_err(RoleError::BuiltIn(BuiltInRole::Admin));
        given::<RoleAggregate>(&admin)
            .when(RoleCommand::SetGrants { grants: vec![] })
            .then_err(RoleError::BuiltIn(BuiltInRole::Admin));
        given::<RoleAggregate>(&admin)
            .when(RoleCommand::Delete {
                user_references: 0,
                replacement_id: None,
            })
            .then_err(RoleError::BuiltIn(BuiltInRole::Admin));
    }

    #[test]
    fn delete_needs_a_replacement_while_users_hold_the_role() {
        given::<RoleAggregate>(&[created_custom()])
            .when(RoleCommand::Delete {
                user_references: 3,
                replacement_id: None,
            })
            .then_err(CommonError::StillReferenced { references: 3 });
        let deleted = RoleEvent::Deleted(Removed {
            name: "Support".into(),
            replacement_id: Some(Ulid(9)),
            at: NOW,
        });
        given::<RoleAggregate>(&[created_custom()])
            .when(RoleCommand::Delete {
                user_references: 3,
                replacement_id: Some(Ulid(9)),
            })
            .then(vec![deleted.clone()]);
        given::<RoleAggregate>(&[created_custom(), deleted])
            .when(RoleCommand::SetHierarchy { hierarchy: true })
            .then_err(CommonError::Deleted);
        given::<RoleAggregate>(&[])
            .when(RoleCommand::SetHierarchy { hierarchy: true })
            .then_err(CommonError::NotFound);
    }

    #[test]
    fn claims_follow_the_name() {
        assert_eq!(
            claims(&created_custom()),
            vec![claim(NAME_SCOPE, "support")]
        );
    }

    #[test]
    fn every_event_round_trips() {
        testkit::assert_round_trips(
            &[
                created_custom(),
                RoleEvent::Renamed(Renamed {
                    old_name: "a".into(),
                    name: "b".into(),
                }),
                RoleEvent::GrantsChanged(GrantsChanged {
                    grants: vec!["x".into()],
                }),
                RoleEvent::HierarchyChanged(HierarchyChanged { hierarchy: true }),
                RoleEvent::Deleted(Removed {
                    name: "b".into(),
                    replacement_id: None,
                    at: NOW,
                }),
            ],
            RoleEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = RoleCommand> {
        let grants = proptest::collection::vec(
            prop_oneof![
                Just("a:b".to_owned()),
                Just("*".to_owned()),
                Just("Bad".to_owned())
            ],
            0..3,
        );
        let builtin = proptest::sample::select(BuiltInRole::ALL.to_vec());
        prop_oneof![
            (arb_name(), grants.clone(), any::<bool>()).prop_map(|(name, grants, hierarchy)| {
                RoleCommand::Create {
                    role_id: ID,
                    name,
                    grants,
                    hierarchy,
                }
            }),
            builtin.prop_map(|role| RoleCommand::InstallBuiltIn { role_id: ID, role }),
            arb_name().prop_map(|name| RoleCommand::Rename { name }),
            grants.prop_map(|grants| RoleCommand::SetGrants { grants }),
            any::<bool>().prop_map(|hierarchy| RoleCommand::SetHierarchy { hierarchy }),
            (0u64..2, proptest::option::of(arb_id())).prop_map(|(user_references, r)| {
                RoleCommand::Delete {
                    user_references,
                    replacement_id: r,
                }
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..20)) {
            testkit::check_replay::<RoleAggregate>(&commands)?;
        }
    }
}

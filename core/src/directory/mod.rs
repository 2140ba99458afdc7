//! The directory and the catalogue: everything around tickets, as pure domain logic.
//!
//! Each aggregate lives in its own module with its commands (imperative), its events (past
//! tense, one struct per variant, documented in `docs/events/directory.md`), its state with a
//! pure `evolve`, a pure `decide`, its error type and its given/when/then tests:
//!
//! | module | aggregate | stream kind |
//! |---|---|---|
//! | [`user`] | requesters and agents, credential facts (never secrets) | `user` |
//! | [`role`] | built-in and custom roles with grants | `role` |
//! | [`group`] | groups with members, notification recipients, observers | `group` |
//! | [`department`] | HelpDeskZ departments | `department` |
//! | [`priority`] | priorities with colours and SLA targets | `priority` |
//! | [`ticket_type`] | ticket types with their allowed priorities | `tickettype` |
//! | [`status`] | the status catalogue and [`status::StatusCategory`] | `status` |
//! | [`category`] | the ticket-category tree and the KB-category tree | `category`, `kbcategory` |
//! | [`catalogue_item`] | simple named lists: sources, urgencies, impacts, closure codes, tags, time categories | one kind each |
//! | [`breaking_news`] | breaking news with updates | `breakingnews` |
//! | [`notice`] | Trudesk notices | `notice` |
//! | [`setting`] | named settings | `setting` |
//! | [`helpdesk`] | InvGate help desks with their levels (SDP levels), members, observers | `helpdesk` |
//! | [`company`] | companies with members, groups, observers | `company` |
//! | [`location`] | the location tree with members and observers | `location` |
//! | [`custom_field`] | custom-field definitions with options and where they apply | `customfield` |
//! | [`calendar`] | SLA business-hours calendars with holidays | `calendar` |
//! | [`kb`] | knowledge-base articles with attachments (KB categories: [`category`]) | `kbarticle` |
//! | [`approval_template`] | predefined approvals: voters (users, groups) and rule | `approvaltemplate` |
//!
//! Shared rules, implemented once here:
//! - `decide` validates its input ("parse, don't validate": see [`values`]) and refuses with a
//!   typed error; it never reads a clock or generates ids: time comes from [`CommandContext`],
//!   ids of new sub-entities come in the command.
//! - `evolve` never panics and never refuses: an event is a fact.
//! - An update that changes nothing decides no events (`Ok(vec![])`), so retries are harmless.
//! - Values that must be unique across streams (usernames, emails, names) are expressed per
//!   event by a pure `claims` function; the store enforces them atomically with the append.
//! - Deleting something that open tickets still refer to needs a replacement ([`guard_delete`]).

use std::fmt::Debug;

use ulid::Ulid;

use crate::codec::CodecError;
use crate::envelope::{ClaimAction, UniqueClaim};
use crate::ids::{Actor, Timestamp};

/// Declares a directory event enum and its [`DomainEvent`] implementation.
///
/// Every variant wraps one payload struct and names its stable type; all types are at schema
/// version 1. `encode` writes only the payload struct, `decode` matches type and version.
macro_rules! event_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($payload:ty) = $type_name:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* $variant($payload), )+
        }

        impl $name {
            /// Every event type name of this enum, in declaration order.
            pub const EVENT_TYPES: &'static [&'static str] = &[$($type_name),+];
        }

        impl $crate::codec::DomainEvent for $name {
            fn event_type(&self) -> &'static str {
                match self {
                    $( $name::$variant(_) => $type_name, )+
                }
            }

            fn schema_version(&self) -> u16 {
                $crate::directory::SCHEMA_VERSION
            }

            fn encode(&self) -> Result<Vec<u8>, $crate::codec::CodecError> {
                match self {
                    $( $name::$variant(inner) => $crate::codec::encode_payload(inner), )+
                }
            }

            fn decode(
                event_type: &str,
                schema_version: u16,
                payload: &[u8],
            ) -> Result<Self, $crate::codec::CodecError> {
                match event_type {
                    $( $type_name => {
                        $crate::directory::check_schema_version(event_type, schema_version)?;
                        Ok($name::$variant($crate::codec::decode_payload(payload)?))
                    } )+
                    _ => Err($crate::codec::CodecError::UnknownEventType {
                        event_type: event_type.to_owned(),
                    }),
                }
            }
        }
    };
}

/// Implements [`Aggregate`] for a marker type from a module's free functions
/// `decide`, `evolve` and `claims`.
macro_rules! aggregate {
    ($(#[$meta:meta])* $marker:ident, $state:ty, $command:ty, $event:ty, $error:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $marker;

        impl $crate::directory::Aggregate for $marker {
            type State = $state;
            type Command = $command;
            type Event = $event;
            type Error = $error;

            fn decide(
                state: &$state,
                command: &$command,
                ctx: &$crate::directory::CommandContext,
            ) -> Result<Vec<$event>, $error> {
                decide(state, command, ctx)
            }

            fn evolve(state: $state, event: &$event) -> $state {
                evolve(state, event)
            }

            fn claims(event: &$event) -> Vec<$crate::envelope::UniqueClaim> {
                claims(event)
            }
        }
    };
}

/// Defines `roster_event(set, added, link)` for an event enum with the variants
/// `MemberAdded`, `MemberRemoved`, `ObserverAdded` and `ObserverRemoved` (each wrapping a
/// [`UserLink`]), for [`Roster::decide`].
macro_rules! roster_event {
    ($event:ident) => {
        fn roster_event(
            set: $crate::directory::RosterSet,
            added: bool,
            link: $crate::directory::UserLink,
        ) -> $event {
            use $crate::directory::RosterSet;
            match (set, added) {
                (RosterSet::Members, true) => $event::MemberAdded(link),
                (RosterSet::Members, false) => $event::MemberRemoved(link),
                (RosterSet::Observers, true) => $event::ObserverAdded(link),
                (RosterSet::Observers, false) => $event::ObserverRemoved(link),
            }
        }
    };
}

pub mod approval_template;
pub mod breaking_news;
pub mod calendar;
pub mod catalogue_item;
pub mod category;
pub mod company;
pub mod custom_field;
pub mod department;
pub mod group;
pub mod helpdesk;
pub mod kb;
pub mod location;
pub mod notice;
pub mod priority;
pub mod role;
pub mod setting;
pub mod status;
pub mod ticket_type;
pub mod user;
pub mod values;

mod changes;
mod links;
pub use changes::{
    change, decide_describe, decide_move, decide_value, guard_tree_delete, parse_description,
    Change, Described, Moved,
};
pub use links::{
    apply_link, decide_link, diff_events, guard_link, guard_unlink, set_diff, LinkOp, Roster,
    RosterSet, UserLink,
};

#[cfg(test)]
pub(crate) mod testkit;

/// The schema version every directory event type is written at (none has changed yet).
pub const SCHEMA_VERSION: u16 = 1;

/// Refuses a schema version this build cannot decode for `event_type`.
pub fn check_schema_version(event_type: &str, schema_version: u16) -> Result<(), CodecError> {
    if schema_version == SCHEMA_VERSION {
        Ok(())
    } else {
        Err(CodecError::UnknownSchemaVersion {
            event_type: event_type.to_owned(),
            schema_version,
        })
    }
}

pub use crate::aggregate::{Aggregate, CommandContext};

/// Refusals shared by every aggregate: input validation and lifecycle rules.
///
/// Each aggregate's error type either is this type or wraps it; all of them map to HTTP 400
/// (bad input), 404 (`NotFound`) or 409 (`AlreadyExists`, `Deleted`, `StillReferenced`,
/// `HasChildren`, `AlreadyLinked`, `NotLinked`) at the edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommonError {
    /// A required text is empty after trimming.
    #[error("{field} must not be empty")]
    Empty {
        /// The input field at fault.
        field: &'static str,
    },
    /// A text is longer than allowed.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// The input field at fault.
        field: &'static str,
        /// The limit in characters.
        max: usize,
    },
    /// A value does not have the expected form.
    #[error("{field} is invalid: {reason}")]
    Invalid {
        /// The input field at fault.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The aggregate has not been created.
    #[error("not found")]
    NotFound,
    /// A create command on an aggregate that already exists.
    #[error("already exists")]
    AlreadyExists,
    /// The aggregate was deleted; only reads remain possible.
    #[error("deleted")]
    Deleted,
    /// Open tickets (or other entities) still refer to it and no replacement was named.
    #[error("still referenced {references} times; name a replacement")]
    StillReferenced {
        /// How many references the caller found.
        references: u64,
    },
    /// The replacement named for a delete, or a parent named for a move, is the entity itself.
    #[error("{field} cannot refer to the entity itself")]
    SelfReference {
        /// The input field at fault.
        field: &'static str,
    },
    /// The new parent is a descendant of the node: the tree would get a cycle.
    #[error("moving under {parent_id} would make a cycle")]
    Cycle {
        /// The refused parent.
        parent_id: Ulid,
    },
    /// A tree node still has children: they must be moved or deleted first.
    #[error("still has {children} children")]
    HasChildren {
        /// How many live children the caller found.
        children: u64,
    },
    /// The id is already in the set (member, observer, recipient, ...).
    #[error("{id} is already linked")]
    AlreadyLinked {
        /// The id given.
        id: Ulid,
    },
    /// The id is not in the set.
    #[error("{id} is not linked")]
    NotLinked {
        /// The id given.
        id: Ulid,
    },
}

/// Where an aggregate stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lifecycle {
    /// Not created yet: the state before its first event.
    #[default]
    New,
    /// Created and usable.
    Active,
    /// Deleted: kept for history, refuses every command.
    Deleted,
}

impl Lifecycle {
    /// Refuses unless the aggregate is not created yet (for create commands).
    pub fn require_new(self) -> Result<(), CommonError> {
        match self {
            Lifecycle::New => Ok(()),
            Lifecycle::Active | Lifecycle::Deleted => Err(CommonError::AlreadyExists),
        }
    }

    /// Refuses unless the aggregate exists and is not deleted.
    pub fn require_active(self) -> Result<(), CommonError> {
        match self {
            Lifecycle::Active => Ok(()),
            Lifecycle::New => Err(CommonError::NotFound),
            Lifecycle::Deleted => Err(CommonError::Deleted),
        }
    }
}

/// Lowercases and trims a value for a unique claim, so `Alice@X.org ` and `alice@x.org` clash.
pub fn normalise(value: &str) -> String {
    value.trim().to_lowercase()
}

/// A claim of `value` (normalised) in `scope`.
pub fn claim(scope: &str, value: &str) -> UniqueClaim {
    UniqueClaim {
        scope: scope.to_owned(),
        value: normalise(value),
        action: ClaimAction::Claim,
    }
}

/// A release of `value` (normalised) in `scope`.
pub fn release(scope: &str, value: &str) -> UniqueClaim {
    UniqueClaim {
        scope: scope.to_owned(),
        value: normalise(value),
        action: ClaimAction::Release,
    }
}

/// The claims of a value changing from `old` to `new`: release then claim, or nothing when
/// both normalise to the same value (a change of case keeps the claim).
pub fn change_claims(scope: &str, old: Option<&str>, new: Option<&str>) -> Vec<UniqueClaim> {
    if old.map(normalise) == new.map(normalise) {
        return Vec::new();
    }
    old.map(|o| release(scope, o))
        .into_iter()
        .chain(new.map(|n| claim(scope, n)))
        .collect()
}

/// The claim value of a name that is unique among siblings of a tree (`parent/name`).
pub fn sibling_value(parent_id: Option<Ulid>, name: &str) -> String {
    match parent_id {
        Some(parent) => format!("{parent}/{}", normalise(name)),
        None => format!("root/{}", normalise(name)),
    }
}

/// Refuses a delete that open tickets still need, unless a replacement (not the entity
/// itself) is named. Trudesk asks for a new priority before deleting one; so do we.
pub fn guard_delete(
    self_id: Ulid,
    open_ticket_references: u64,
    replacement_id: Option<Ulid>,
) -> Result<(), CommonError> {
    if replacement_id == Some(self_id) {
        return Err(CommonError::SelfReference {
            field: "replacement_id",
        });
    }
    if open_ticket_references > 0 && replacement_id.is_none() {
        return Err(CommonError::StillReferenced {
            references: open_ticket_references,
        });
    }
    Ok(())
}

/// Refuses a parent that would make a tree cyclic. `parent_ancestors` are the ancestors of the
/// new parent (resolved by the caller from the read model); the node must be neither the
/// parent nor one of them.
pub fn guard_parent(
    self_id: Ulid,
    parent_id: Option<Ulid>,
    parent_ancestors: &[Ulid],
) -> Result<(), CommonError> {
    let Some(parent) = parent_id else {
        return Ok(());
    };
    if parent == self_id {
        return Err(CommonError::SelfReference { field: "parent_id" });
    }
    if parent_ancestors.contains(&self_id) {
        return Err(CommonError::Cycle { parent_id: parent });
    }
    Ok(())
}

/// Who did something and when: the payload of events that carry nothing else, and of the
/// credential facts (which must say by whom and when, and nothing secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Who did it.
    pub by: Actor,
    /// When.
    pub at: Timestamp,
}

impl Stamp {
    /// The stamp of a command: its actor and time.
    pub fn of(ctx: &CommandContext) -> Stamp {
        Stamp {
            by: ctx.actor,
            at: ctx.now,
        }
    }
}

/// An entity's name changed; carries the old name so its unique claim can be released.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Renamed {
    /// The name before.
    pub old_name: String,
    /// The name after.
    pub name: String,
}

/// Validates a new name and says whether it changes anything (`None`: same name).
pub fn rename(current: &str, input: &str) -> Result<Option<Renamed>, CommonError> {
    let name = values::Name::parse("name", input)?.into_inner();
    if name == current {
        return Ok(None);
    }
    Ok(Some(Renamed {
        old_name: current.to_owned(),
        name,
    }))
}

/// The events of renaming `current` to `input`: none when the name is unchanged.
pub fn decide_rename<E>(
    current: &str,
    input: &str,
    wrap: impl Fn(Renamed) -> E,
) -> Result<Vec<E>, CommonError> {
    Ok(rename(current, input)?.map(wrap).into_iter().collect())
}

/// The event of deleting the entity `self_id` named `name`, after [`guard_delete`].
pub fn decide_delete<E>(
    self_id: Ulid,
    name: &str,
    open_ticket_references: u64,
    replacement_id: Option<Ulid>,
    ctx: &CommandContext,
    wrap: impl Fn(Removed) -> E,
) -> Result<Vec<E>, CommonError> {
    guard_delete(self_id, open_ticket_references, replacement_id)?;
    Ok(vec![wrap(Removed {
        name: name.to_owned(),
        replacement_id,
        at: ctx.now,
    })])
}

/// What an event does to a unique name, for [`name_claims`].
#[derive(Debug, Clone, Copy)]
pub enum NameFact<'a> {
    /// The name was taken at creation.
    Created(&'a str),
    /// The name changed.
    Renamed(&'a Renamed),
    /// The entity was deleted and its name given back.
    Removed(&'a Removed),
    /// The event does not touch the name.
    Untouched,
}

/// The claims of a [`NameFact`] in `scope`.
pub fn name_claims(scope: &str, fact: NameFact<'_>) -> Vec<UniqueClaim> {
    match fact {
        NameFact::Created(name) => vec![claim(scope, name)],
        NameFact::Renamed(r) => change_claims(scope, Some(&r.old_name), Some(&r.name)),
        NameFact::Removed(r) => vec![release(scope, &r.name)],
        NameFact::Untouched => Vec::new(),
    }
}

/// An entity was deleted; carries its name (to release the claim) and the replacement that
/// open tickets move to, if one was named.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Removed {
    /// The name released.
    pub name: String,
    /// Where references move to, if anywhere.
    pub replacement_id: Option<Ulid>,
    /// When.
    pub at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn change_of_case_keeps_the_claim() {
        assert!(change_claims("x", Some("Ann"), Some(" ann ")).is_empty());
        let c = change_claims("x", Some("Ann"), Some("Bob"));
        assert_eq!(c, vec![release("x", "ann"), claim("x", "bob")]);
        assert_eq!(change_claims("x", None, Some("B")), vec![claim("x", "b")]);
    }

    #[test]
    fn delete_guard_needs_a_replacement_other_than_itself() {
        let me = Ulid(1);
        assert_eq!(guard_delete(me, 0, None), Ok(()));
        assert_eq!(
            guard_delete(me, 2, None),
            Err(CommonError::StillReferenced { references: 2 })
        );
        assert_eq!(guard_delete(me, 2, Some(Ulid(2))), Ok(()));
        assert!(matches!(
            guard_delete(me, 0, Some(me)),
            Err(CommonError::SelfReference { .. })
        ));
    }

    #[test]
    fn parent_guard_refuses_cycles() {
        let me = Ulid(1);
        assert_eq!(guard_parent(me, None, &[]), Ok(()));
        assert_eq!(guard_parent(me, Some(Ulid(2)), &[Ulid(3)]), Ok(()));
        assert!(guard_parent(me, Some(me), &[]).is_err());
        assert_eq!(
            guard_parent(me, Some(Ulid(2)), &[Ulid(3), me]),
            Err(CommonError::Cycle { parent_id: Ulid(2) })
        );
    }

    #[test]
    fn set_diff_lists_additions_then_removals() {
        let current: BTreeSet<Ulid> = [Ulid(1), Ulid(2)].into();
        let wanted: BTreeSet<Ulid> = [Ulid(2), Ulid(3)].into();
        assert_eq!(set_diff(&current, &wanted), (vec![Ulid(3)], vec![Ulid(1)]));
    }
}

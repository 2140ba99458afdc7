//! InvGate help desks with their levels. ServiceDesk Plus "levels" (Tier 1, Tier 2, ...) map
//! here as levels of a help desk.
//!
//! A help desk has a name, a description, an optional parent help desk (the tree stays
//! acyclic: [`guard_parent`]), a status (InvGate `status_id`: enabled, suspended, out of
//! working hours, disabled), members (agents) and observers. Its levels live inside its stream:
//! each has an id given in the command, a name unique among the desk's live levels, an order,
//! an assignment engine, and its own members and observers. A removed level keeps its id
//! (InvGate lists deleted levels on request), so the id is never reused.
//!
//! Unique values: `helpdesk.name`. Deleting a help desk with sub-desks is refused; deleting one
//! (or removing a level) that open tickets use needs a replacement.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::Name;
use super::{
    guard_parent, name_claims, normalise, parse_description, CommonError, Lifecycle, LinkOp,
    NameFact, Roster, RosterSet, UserLink,
};
use crate::envelope::UniqueClaim;

mod decide;
mod events;
#[cfg(test)]
mod tests;

pub use decide::decide;
pub use events::*;

/// Claim scope of help-desk names.
pub const NAME_SCOPE: &str = "helpdesk.name";

/// A help desk's or a level's availability (InvGate `status_id` 1 to 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DeskStatus {
    /// 1: takes requests.
    #[default]
    Enabled,
    /// 2: suspended for now.
    Suspended,
    /// 3: outside its working hours.
    OutOfHours,
    /// 4: disabled.
    Disabled,
}

/// How a level hands requests to its members (InvGate `engine_id` 1 to 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AssignmentEngine {
    /// 1: round robin.
    RoundRobin,
    /// 2: to the member with the lowest load.
    ByLoad,
    /// 3: free: members pick requests themselves.
    Free,
    /// 4: manual: a coordinator assigns.
    #[default]
    Manual,
}

/// A level of a help desk, folded from the desk's stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Level {
    /// Its name.
    pub name: String,
    /// Its place among the desk's levels (1 first; gaps after removals).
    pub order: u32,
    /// How requests are handed to its members.
    pub engine: AssignmentEngine,
    /// Its agents and observers.
    pub roster: Roster,
    /// Whether it was removed (kept so its id is not reused).
    pub removed: bool,
}

/// A help desk, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HelpDeskState {
    /// Where the help desk stands in its life.
    pub lifecycle: Lifecycle,
    /// The help desk's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its parent help desk (`None`: top level).
    pub parent_id: Option<Ulid>,
    /// Its status.
    pub status: DeskStatus,
    /// Its agents and observers.
    pub roster: Roster,
    /// Its levels by id, removed ones included.
    pub levels: BTreeMap<Ulid, Level>,
}

impl HelpDeskState {
    /// A live (not removed) level.
    pub fn live_level(&self, level_id: Ulid) -> Option<&Level> {
        self.levels.get(&level_id).filter(|l| !l.removed)
    }

    /// The live level with this name (compared normalised), if any.
    pub fn level_named(&self, name: &str) -> Option<Ulid> {
        let wanted = normalise(name);
        self.levels
            .iter()
            .find(|(_, l)| !l.removed && normalise(&l.name) == wanted)
            .map(|(id, _)| *id)
    }

    /// The order a new level takes: after the highest live one.
    pub fn next_order(&self) -> u32 {
        self.levels
            .values()
            .filter(|l| !l.removed)
            .map(|l| l.order)
            .max()
            .unwrap_or(0)
            .saturating_add(1)
    }
}

/// What can be asked of a help desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpDeskCommand {
    /// Create the help desk.
    Create {
        /// The help desk's id.
        helpdesk_id: Ulid,
        /// Its name.
        name: String,
        /// Its description (empty: none).
        description: Option<String>,
        /// Its parent help desk.
        parent_id: Option<Ulid>,
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
    /// Move it under another help desk (or to the top).
    Move {
        /// The new parent.
        parent_id: Option<Ulid>,
        /// The new parent's ancestors, top first (resolved by the caller).
        parent_ancestors: Vec<Ulid>,
    },
    /// Change its status.
    SetStatus {
        /// The new status.
        status: DeskStatus,
    },
    /// Change its members or observers.
    Link {
        /// Which set.
        set: RosterSet,
        /// The change.
        op: LinkOp,
    },
    /// Add, rename or remove a level, or change its members or observers.
    Level {
        /// The level (for an add: the new level's id).
        level_id: Ulid,
        /// What to do with it.
        command: LevelCommand,
    },
    /// Delete the help desk.
    Delete {
        /// How many live sub-desks it has (resolved by the caller).
        child_count: u64,
        /// Open tickets in the help desk (resolved by the caller).
        open_ticket_references: u64,
        /// The help desk those tickets move to.
        replacement_id: Option<Ulid>,
    },
}

/// What can be asked of one level of a help desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LevelCommand {
    /// Add the level after the existing ones.
    Add {
        /// Its name.
        name: String,
        /// How it hands requests to its members.
        engine: AssignmentEngine,
    },
    /// Rename the level.
    Rename {
        /// The new name.
        name: String,
    },
    /// Remove the level.
    Remove {
        /// Open tickets at this level (resolved by the caller).
        open_ticket_references: u64,
        /// Another live level of this desk those tickets move to.
        replacement_level_id: Option<Ulid>,
    },
    /// Change the level's members or observers.
    Link {
        /// Which set.
        set: RosterSet,
        /// The change.
        op: LinkOp,
    },
}

/// Why a help-desk command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelpDeskError {
    /// Validation or lifecycle refusal.
    #[error(transparent)]
    Common(#[from] CommonError),
    /// No live level has this id.
    #[error("no level {0}")]
    UnknownLevel(Ulid),
    /// The level id is already used (ids of removed levels are not reused).
    #[error("level {0} already exists")]
    LevelExists(Ulid),
    /// Another live level of this desk has the name.
    #[error("a level named {0:?} already exists")]
    LevelNameTaken(String),
}

aggregate!(
    /// The help-desk aggregate, for generic command handling.
    HelpDeskAggregate,
    HelpDeskState,
    HelpDeskCommand,
    HelpDeskEvent,
    HelpDeskError
);

/// Parses the input of a create: validated name and description, parent not itself.
fn parse_create(
    helpdesk_id: Ulid,
    name: &str,
    description: Option<&str>,
    parent_id: Option<Ulid>,
) -> Result<(String, Option<String>), CommonError> {
    guard_parent(helpdesk_id, parent_id, &[])?;
    Ok((
        Name::parse("name", name)?.into_inner(),
        parse_description(description)?,
    ))
}

/// Applies one help-desk event. Never panics (events about unknown levels are ignored).
pub fn evolve(mut state: HelpDeskState, event: &HelpDeskEvent) -> HelpDeskState {
    match event {
        HelpDeskEvent::Created(e) => {
            state = HelpDeskState {
                lifecycle: Lifecycle::Active,
                id: e.helpdesk_id,
                name: e.name.clone(),
                description: e.description.clone(),
                parent_id: e.parent_id,
                ..HelpDeskState::default()
            };
        }
        HelpDeskEvent::Renamed(e) => state.name = e.name.clone(),
        HelpDeskEvent::Described(e) => state.description = e.description.clone(),
        HelpDeskEvent::Moved(e) => state.parent_id = e.parent_id,
        HelpDeskEvent::StatusChanged(e) => state.status = e.new,
        HelpDeskEvent::MemberAdded(l) => state.roster.apply(RosterSet::Members, true, l),
        HelpDeskEvent::MemberRemoved(l) => state.roster.apply(RosterSet::Members, false, l),
        HelpDeskEvent::ObserverAdded(l) => state.roster.apply(RosterSet::Observers, true, l),
        HelpDeskEvent::ObserverRemoved(l) => state.roster.apply(RosterSet::Observers, false, l),
        HelpDeskEvent::LevelAdded(e) => {
            let level = Level {
                name: e.name.clone(),
                order: e.order,
                engine: e.engine,
                ..Level::default()
            };
            state.levels.insert(e.level_id, level);
        }
        HelpDeskEvent::LevelRenamed(e) => {
            if let Some(level) = state.levels.get_mut(&e.level_id) {
                level.name = e.renamed.name.clone();
            }
        }
        HelpDeskEvent::LevelRemoved(e) => {
            if let Some(level) = state.levels.get_mut(&e.level_id) {
                level.removed = true;
            }
        }
        HelpDeskEvent::LevelMemberAdded(l) => {
            apply_level_link(&mut state, l, RosterSet::Members, true)
        }
        HelpDeskEvent::LevelMemberRemoved(l) => {
            apply_level_link(&mut state, l, RosterSet::Members, false)
        }
        HelpDeskEvent::LevelObserverAdded(l) => {
            apply_level_link(&mut state, l, RosterSet::Observers, true)
        }
        HelpDeskEvent::LevelObserverRemoved(l) => {
            apply_level_link(&mut state, l, RosterSet::Observers, false)
        }
        HelpDeskEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

fn apply_level_link(state: &mut HelpDeskState, link: &LevelLink, set: RosterSet, added: bool) {
    if let Some(level) = state.levels.get_mut(&link.level_id) {
        let user = UserLink {
            user_id: link.user_id,
        };
        level.roster.apply(set, added, &user);
    }
}

/// The unique values a help-desk event takes or gives back (level names are checked inside
/// the stream and claim nothing).
pub fn claims(event: &HelpDeskEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        HelpDeskEvent::Created(e) => NameFact::Created(&e.name),
        HelpDeskEvent::Renamed(e) => NameFact::Renamed(e),
        HelpDeskEvent::Deleted(e) => NameFact::Removed(e),
        _ => NameFact::Untouched,
    };
    name_claims(NAME_SCOPE, fact)
}

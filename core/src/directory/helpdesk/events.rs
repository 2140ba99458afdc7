//! The events of a help desk and their payloads.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::{AssignmentEngine, DeskStatus};
use crate::directory::{Change, Described, Moved, Removed, Renamed, UserLink};
use crate::ids::Timestamp;

/// A help desk was created (enabled, with no members and no levels yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpDeskCreated {
    /// The help desk's id.
    pub helpdesk_id: Ulid,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its parent help desk.
    pub parent_id: Option<Ulid>,
    /// When.
    pub at: Timestamp,
}

/// A level was added to the help desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelAdded {
    /// The level's id.
    pub level_id: Ulid,
    /// Its name.
    pub name: String,
    /// Its place among the desk's levels.
    pub order: u32,
    /// How it hands requests to its members.
    pub engine: AssignmentEngine,
}

/// A level was renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelRenamed {
    /// The level.
    pub level_id: Ulid,
    /// The rename.
    pub renamed: Renamed,
}

/// A level was removed; its open tickets move to the replacement level, if one was named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelRemoved {
    /// The level.
    pub level_id: Ulid,
    /// Its name when removed (for readable history).
    pub name: String,
    /// Where its open tickets move to.
    pub replacement_level_id: Option<Ulid>,
    /// When.
    pub at: Timestamp,
}

/// A user was added to or removed from one of a level's sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelLink {
    /// The level.
    pub level_id: Ulid,
    /// The user.
    pub user_id: Ulid,
}

event_enum! {
    /// Everything that can happen to a help desk and its levels.
    pub enum HelpDeskEvent {
        /// `helpdesk.created`
        Created(HelpDeskCreated) = "helpdesk.created",
        /// `helpdesk.renamed`
        Renamed(Renamed) = "helpdesk.renamed",
        /// `helpdesk.described`
        Described(Described) = "helpdesk.described",
        /// `helpdesk.moved`
        Moved(Moved) = "helpdesk.moved",
        /// `helpdesk.status_changed`
        StatusChanged(Change<DeskStatus>) = "helpdesk.status_changed",
        /// `helpdesk.member_added`
        MemberAdded(UserLink) = "helpdesk.member_added",
        /// `helpdesk.member_removed`
        MemberRemoved(UserLink) = "helpdesk.member_removed",
        /// `helpdesk.observer_added`
        ObserverAdded(UserLink) = "helpdesk.observer_added",
        /// `helpdesk.observer_removed`
        ObserverRemoved(UserLink) = "helpdesk.observer_removed",
        /// `helpdesk.level_added`
        LevelAdded(LevelAdded) = "helpdesk.level_added",
        /// `helpdesk.level_renamed`
        LevelRenamed(LevelRenamed) = "helpdesk.level_renamed",
        /// `helpdesk.level_removed`
        LevelRemoved(LevelRemoved) = "helpdesk.level_removed",
        /// `helpdesk.level_member_added`
        LevelMemberAdded(LevelLink) = "helpdesk.level_member_added",
        /// `helpdesk.level_member_removed`
        LevelMemberRemoved(LevelLink) = "helpdesk.level_member_removed",
        /// `helpdesk.level_observer_added`
        LevelObserverAdded(LevelLink) = "helpdesk.level_observer_added",
        /// `helpdesk.level_observer_removed`
        LevelObserverRemoved(LevelLink) = "helpdesk.level_observer_removed",
        /// `helpdesk.deleted`
        Deleted(Removed) = "helpdesk.deleted",
    }
}

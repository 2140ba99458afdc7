//! The help desk's `decide`: desk commands, then level commands.

use ulid::Ulid;

use super::{
    parse_create, HelpDeskCommand, HelpDeskCreated, HelpDeskError, HelpDeskEvent, HelpDeskState,
    LevelAdded, LevelCommand, LevelLink, LevelRemoved, LevelRenamed,
};
use crate::directory::values::Name;
use crate::directory::{
    change, decide_delete, decide_describe, decide_move, decide_rename, guard_delete,
    guard_tree_delete, rename, CommandContext, CommonError, RosterSet, UserLink,
};

roster_event!(HelpDeskEvent);

fn level_event(level_id: Ulid, set: RosterSet, added: bool, link: UserLink) -> HelpDeskEvent {
    let link = LevelLink {
        level_id,
        user_id: link.user_id,
    };
    match (set, added) {
        (RosterSet::Members, true) => HelpDeskEvent::LevelMemberAdded(link),
        (RosterSet::Members, false) => HelpDeskEvent::LevelMemberRemoved(link),
        (RosterSet::Observers, true) => HelpDeskEvent::LevelObserverAdded(link),
        (RosterSet::Observers, false) => HelpDeskEvent::LevelObserverRemoved(link),
    }
}

/// Refuses a level name another live level (not `except`) of the desk already has.
fn guard_level_name(
    state: &HelpDeskState,
    name: &str,
    except: Option<Ulid>,
) -> Result<(), HelpDeskError> {
    match state.level_named(name) {
        Some(other) if Some(other) != except => Err(HelpDeskError::LevelNameTaken(name.into())),
        _ => Ok(()),
    }
}

/// Decides the events of a help-desk command, or refuses it.
pub fn decide(
    state: &HelpDeskState,
    command: &HelpDeskCommand,
    ctx: &CommandContext,
) -> Result<Vec<HelpDeskEvent>, HelpDeskError> {
    if let HelpDeskCommand::Create {
        helpdesk_id,
        name,
        description,
        parent_id,
    } = command
    {
        state.lifecycle.require_new()?;
        let (name, description) =
            parse_create(*helpdesk_id, name, description.as_deref(), *parent_id)?;
        return Ok(vec![HelpDeskEvent::Created(HelpDeskCreated {
            helpdesk_id: *helpdesk_id,
            name,
            description,
            parent_id: *parent_id,
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    let events = match command {
        HelpDeskCommand::Create { .. } => return Err(CommonError::AlreadyExists.into()),
        HelpDeskCommand::Rename { name } => {
            decide_rename(&state.name, name, HelpDeskEvent::Renamed)?
        }
        HelpDeskCommand::Describe { description } => decide_describe(
            &state.description,
            description.as_deref(),
            HelpDeskEvent::Described,
        )?,
        HelpDeskCommand::Move {
            parent_id,
            parent_ancestors,
        } => decide_move(state.id, state.parent_id, *parent_id, parent_ancestors)?
            .map(HelpDeskEvent::Moved)
            .into_iter()
            .collect(),
        HelpDeskCommand::SetStatus { status } => change(&state.status, *status)
            .map(HelpDeskEvent::StatusChanged)
            .into_iter()
            .collect(),
        HelpDeskCommand::Link { set, op } => state
            .roster
            .decide(*set, op, |added, link| roster_event(*set, added, link))?,
        HelpDeskCommand::Delete {
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
            decide_delete(
                state.id,
                &state.name,
                *open_ticket_references,
                *replacement_id,
                ctx,
                HelpDeskEvent::Deleted,
            )?
        }
        HelpDeskCommand::Level { level_id, command } => {
            decide_level(state, *level_id, command, ctx)?
        }
    };
    Ok(events)
}

/// Decides a command about one level of an active help desk.
fn decide_level(
    state: &HelpDeskState,
    level_id: Ulid,
    command: &LevelCommand,
    ctx: &CommandContext,
) -> Result<Vec<HelpDeskEvent>, HelpDeskError> {
    let live = |id: Ulid| state.live_level(id).ok_or(HelpDeskError::UnknownLevel(id));
    let events = match command {
        LevelCommand::Add { name, engine } => {
            if state.levels.contains_key(&level_id) {
                return Err(HelpDeskError::LevelExists(level_id));
            }
            let name = Name::parse("name", name)?.into_inner();
            guard_level_name(state, &name, None)?;
            vec![HelpDeskEvent::LevelAdded(LevelAdded {
                level_id,
                name,
                order: state.next_order(),
                engine: *engine,
            })]
        }
        LevelCommand::Rename { name } => {
            let Some(renamed) = rename(&live(level_id)?.name, name)? else {
                return Ok(Vec::new());
            };
            guard_level_name(state, &renamed.name, Some(level_id))?;
            vec![HelpDeskEvent::LevelRenamed(LevelRenamed {
                level_id,
                renamed,
            })]
        }
        LevelCommand::Remove {
            open_ticket_references,
            replacement_level_id,
        } => {
            let level = live(level_id)?;
            guard_delete(level_id, *open_ticket_references, *replacement_level_id)?;
            if let Some(replacement) = replacement_level_id {
                live(*replacement)?;
            }
            vec![HelpDeskEvent::LevelRemoved(LevelRemoved {
                level_id,
                name: level.name.clone(),
                replacement_level_id: *replacement_level_id,
                at: ctx.now,
            })]
        }
        LevelCommand::Link { set, op } => {
            live(level_id)?.roster.decide(*set, op, |added, link| {
                level_event(level_id, *set, added, link)
            })?
        }
    };
    Ok(events)
}

//! Custom-field definitions (InvGate custom fields, SDP additional fields): a name unique
//! among fields, a type, options for the choice types (list, tree, multiple choice), a required
//! flag, where the field applies (ticket types, help desks, categories; nothing listed means
//! everywhere), enabled or disabled, and deletion.
//!
//! The values tickets hold live in the ticket stream; this aggregate only says what a valid
//! value is. Option ids come in the command. An option's label is unique among its siblings;
//! only tree fields nest options, and an option with children cannot be removed (remove the
//! children first), so an option's parent always exists and the tree has no cycle.
//! The type of a field never changes: a new type is a new field.
//!
//! Unique values: `custom_field.name`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::{required, Name, SHORT_MAX};
use super::{
    change, decide_delete, decide_describe, decide_rename, name_claims, normalise,
    parse_description, Change, CommandContext, CommonError, Described, Lifecycle, NameFact,
    Removed, Renamed, Stamp,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of custom-field names.
pub const NAME_SCOPE: &str = "custom_field.name";

/// What kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FieldType {
    /// Free text.
    #[default]
    Text,
    /// A whole or decimal number (kept as text by the ticket: no floats in the log).
    Number,
    /// A calendar date.
    Date,
    /// One option of a flat list.
    List,
    /// One option of a tree.
    Tree,
    /// A user of the directory.
    User,
    /// Several options of a flat list (multiple choice).
    Multi,
}

impl FieldType {
    /// Whether values are picked from the field's options.
    pub fn has_options(self) -> bool {
        matches!(self, FieldType::List | FieldType::Tree | FieldType::Multi)
    }
}

/// One choice of a list, tree or multiple-choice field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldOption {
    /// The option's id.
    pub option_id: Ulid,
    /// Its label.
    pub label: String,
    /// Its parent option (tree fields only).
    pub parent_id: Option<Ulid>,
}

/// Where a field is shown; every list empty means everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AppliesTo {
    /// Ticket types.
    pub ticket_type_ids: BTreeSet<Ulid>,
    /// Help desks.
    pub helpdesk_ids: BTreeSet<Ulid>,
    /// Ticket categories (InvGate "custom fields by category").
    pub category_ids: BTreeSet<Ulid>,
}

/// A custom-field definition, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomFieldState {
    /// Where the field stands in its life.
    pub lifecycle: Lifecycle,
    /// The field's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its type.
    pub field_type: FieldType,
    /// Whether a value is required.
    pub required: bool,
    /// Whether it is shown and accepts values.
    pub enabled: bool,
    /// Where it applies.
    pub applies_to: AppliesTo,
    /// Its options by id.
    pub options: BTreeMap<Ulid, FieldOption>,
}

/// What can be asked of a custom field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomFieldCommand {
    /// Define the field (enabled).
    Create {
        /// The field's id.
        field_id: Ulid,
        /// Its name.
        name: String,
        /// Its description (empty: none).
        description: Option<String>,
        /// Its type.
        field_type: FieldType,
        /// Whether a value is required.
        required: bool,
        /// Where it applies.
        applies_to: AppliesTo,
        /// Its first options, parents before children.
        options: Vec<FieldOption>,
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
    /// Make a value required or optional.
    SetRequired {
        /// The new flag.
        required: bool,
    },
    /// Replace where it applies.
    SetAppliesTo {
        /// The new scope.
        applies_to: AppliesTo,
    },
    /// Enable it.
    Enable,
    /// Disable it (kept, hidden, accepts no new values).
    Disable,
    /// Add an option.
    AddOption {
        /// The option, with its id.
        option: FieldOption,
    },
    /// Relabel an option.
    RelabelOption {
        /// The option.
        option_id: Ulid,
        /// The new label.
        label: String,
    },
    /// Remove an option that has no children.
    RemoveOption {
        /// The option.
        option_id: Ulid,
    },
    /// Delete the field.
    Delete,
}

/// Why a custom-field command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomFieldError {
    /// Validation or lifecycle refusal.
    #[error(transparent)]
    Common(#[from] CommonError),
    /// Only list, tree and multiple-choice fields have options.
    #[error("a {0:?} field has no options")]
    OptionsNotAllowed(FieldType),
    /// Only tree fields nest options.
    #[error("only tree fields nest options")]
    NestingNotAllowed,
    /// The option id is already used.
    #[error("option {0} already exists")]
    OptionExists(Ulid),
    /// No option has this id.
    #[error("no option {0}")]
    UnknownOption(Ulid),
    /// A sibling option has the label.
    #[error("an option labelled {0:?} already exists here")]
    LabelTaken(String),
}

/// A custom field was defined (enabled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFieldCreated {
    /// The field's id.
    pub field_id: Ulid,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its type.
    pub field_type: FieldType,
    /// Whether a value is required.
    pub required: bool,
    /// Where it applies.
    pub applies_to: AppliesTo,
    /// Its first options, parents before children.
    pub options: Vec<FieldOption>,
    /// When.
    pub at: Timestamp,
}

/// An option got a new label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionRelabelled {
    /// The option.
    pub option_id: Ulid,
    /// The label before and after.
    pub label: Change<String>,
}

/// An option was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionRemoved {
    /// The option.
    pub option_id: Ulid,
    /// Its label when removed (for readable history).
    pub label: String,
}

event_enum! {
    /// Everything that can happen to a custom-field definition.
    pub enum CustomFieldEvent {
        /// `custom_field.created`
        Created(CustomFieldCreated) = "custom_field.created",
        /// `custom_field.renamed`
        Renamed(Renamed) = "custom_field.renamed",
        /// `custom_field.described`
        Described(Described) = "custom_field.described",
        /// `custom_field.required_changed`
        RequiredChanged(Change<bool>) = "custom_field.required_changed",
        /// `custom_field.applies_to_changed`
        AppliesToChanged(Change<AppliesTo>) = "custom_field.applies_to_changed",
        /// `custom_field.enabled`
        Enabled(Stamp) = "custom_field.enabled",
        /// `custom_field.disabled`
        Disabled(Stamp) = "custom_field.disabled",
        /// `custom_field.option_added`
        OptionAdded(FieldOption) = "custom_field.option_added",
        /// `custom_field.option_relabelled`
        OptionRelabelled(OptionRelabelled) = "custom_field.option_relabelled",
        /// `custom_field.option_removed`
        OptionRemoved(OptionRemoved) = "custom_field.option_removed",
        /// `custom_field.deleted`
        Deleted(Removed) = "custom_field.deleted",
    }
}

aggregate!(
    /// The custom-field aggregate, for generic command handling.
    CustomFieldAggregate,
    CustomFieldState,
    CustomFieldCommand,
    CustomFieldEvent,
    CustomFieldError
);

/// Refuses `label` when a sibling of `parent_id` other than `except` already has it.
fn guard_label(
    options: &BTreeMap<Ulid, FieldOption>,
    parent_id: Option<Ulid>,
    label: &str,
    except: Option<Ulid>,
) -> Result<(), CustomFieldError> {
    let wanted = normalise(label);
    let taken = options.values().any(|o| {
        o.parent_id == parent_id && Some(o.option_id) != except && normalise(&o.label) == wanted
    });
    if taken {
        return Err(CustomFieldError::LabelTaken(label.to_owned()));
    }
    Ok(())
}

/// Validates a new option of a `field_type` field against the existing `options`.
fn parse_option(
    field_type: FieldType,
    options: &BTreeMap<Ulid, FieldOption>,
    raw: &FieldOption,
) -> Result<FieldOption, CustomFieldError> {
    if !field_type.has_options() {
        return Err(CustomFieldError::OptionsNotAllowed(field_type));
    }
    if options.contains_key(&raw.option_id) {
        return Err(CustomFieldError::OptionExists(raw.option_id));
    }
    if let Some(parent) = raw.parent_id {
        if field_type != FieldType::Tree {
            return Err(CustomFieldError::NestingNotAllowed);
        }
        if !options.contains_key(&parent) {
            return Err(CustomFieldError::UnknownOption(parent));
        }
    }
    let label = required("label", &raw.label, SHORT_MAX)?;
    guard_label(options, raw.parent_id, &label, None)?;
    Ok(FieldOption { label, ..*raw })
}

/// Decides the events of a custom-field command, or refuses it.
pub fn decide(
    state: &CustomFieldState,
    command: &CustomFieldCommand,
    ctx: &CommandContext,
) -> Result<Vec<CustomFieldEvent>, CustomFieldError> {
    if let CustomFieldCommand::Create {
        field_id,
        name,
        description,
        field_type,
        required,
        applies_to,
        options,
    } = command
    {
        state.lifecycle.require_new()?;
        let mut accepted = BTreeMap::new();
        for raw in options {
            let option = parse_option(*field_type, &accepted, raw)?;
            accepted.insert(option.option_id, option);
        }
        let options = options.iter().filter_map(|o| accepted.remove(&o.option_id));
        return Ok(vec![CustomFieldEvent::Created(CustomFieldCreated {
            field_id: *field_id,
            name: Name::parse("name", name)?.into_inner(),
            description: parse_description(description.as_deref())?,
            field_type: *field_type,
            required: *required,
            applies_to: applies_to.clone(),
            options: options.collect(),
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    let option = |id: &Ulid| {
        state
            .options
            .get(id)
            .ok_or(CustomFieldError::UnknownOption(*id))
    };
    let events = match command {
        CustomFieldCommand::Create { .. } => return Err(CommonError::AlreadyExists.into()),
        CustomFieldCommand::Rename { name } => {
            decide_rename(&state.name, name, CustomFieldEvent::Renamed)?
        }
        CustomFieldCommand::Describe { description } => decide_describe(
            &state.description,
            description.as_deref(),
            CustomFieldEvent::Described,
        )?,
        CustomFieldCommand::SetRequired { required } => change(&state.required, *required)
            .map(CustomFieldEvent::RequiredChanged)
            .into_iter()
            .collect(),
        CustomFieldCommand::SetAppliesTo { applies_to } => {
            change(&state.applies_to, applies_to.clone())
                .map(CustomFieldEvent::AppliesToChanged)
                .into_iter()
                .collect()
        }
        CustomFieldCommand::Enable if state.enabled => Vec::new(),
        CustomFieldCommand::Enable => vec![CustomFieldEvent::Enabled(Stamp::of(ctx))],
        CustomFieldCommand::Disable if !state.enabled => Vec::new(),
        CustomFieldCommand::Disable => vec![CustomFieldEvent::Disabled(Stamp::of(ctx))],
        CustomFieldCommand::AddOption { option } => vec![CustomFieldEvent::OptionAdded(
            parse_option(state.field_type, &state.options, option)?,
        )],
        CustomFieldCommand::RelabelOption { option_id, label } => {
            let current = option(option_id)?;
            let label = required("label", label, SHORT_MAX)?;
            guard_label(&state.options, current.parent_id, &label, Some(*option_id))?;
            change(&current.label, label)
                .map(|label| {
                    CustomFieldEvent::OptionRelabelled(OptionRelabelled {
                        option_id: *option_id,
                        label,
                    })
                })
                .into_iter()
                .collect()
        }
        CustomFieldCommand::RemoveOption { option_id } => {
            let current = option(option_id)?;
            let children = state
                .options
                .values()
                .filter(|o| o.parent_id == Some(*option_id))
                .count() as u64;
            if children > 0 {
                return Err(CommonError::HasChildren { children }.into());
            }
            vec![CustomFieldEvent::OptionRemoved(OptionRemoved {
                option_id: *option_id,
                label: current.label.clone(),
            })]
        }
        CustomFieldCommand::Delete => decide_delete(
            state.id,
            &state.name,
            0,
            None,
            ctx,
            CustomFieldEvent::Deleted,
        )?,
    };
    Ok(events)
}

/// Applies one custom-field event. Never panics.
pub fn evolve(mut state: CustomFieldState, event: &CustomFieldEvent) -> CustomFieldState {
    match event {
        CustomFieldEvent::Created(e) => {
            state = CustomFieldState {
                lifecycle: Lifecycle::Active,
                id: e.field_id,
                name: e.name.clone(),
                description: e.description.clone(),
                field_type: e.field_type,
                required: e.required,
                enabled: true,
                applies_to: e.applies_to.clone(),
                options: e.options.iter().map(|o| (o.option_id, o.clone())).collect(),
            };
        }
        CustomFieldEvent::Renamed(e) => state.name = e.name.clone(),
        CustomFieldEvent::Described(e) => state.description = e.description.clone(),
        CustomFieldEvent::RequiredChanged(e) => state.required = e.new,
        CustomFieldEvent::AppliesToChanged(e) => state.applies_to = e.new.clone(),
        CustomFieldEvent::Enabled(_) => state.enabled = true,
        CustomFieldEvent::Disabled(_) => state.enabled = false,
        CustomFieldEvent::OptionAdded(o) => {
            state.options.insert(o.option_id, o.clone());
        }
        CustomFieldEvent::OptionRelabelled(e) => {
            if let Some(option) = state.options.get_mut(&e.option_id) {
                option.label = e.label.new.clone();
            }
        }
        CustomFieldEvent::OptionRemoved(e) => {
            state.options.remove(&e.option_id);
        }
        CustomFieldEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values a custom-field event takes or gives back.
pub fn claims(event: &CustomFieldEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        CustomFieldEvent::Created(e) => NameFact::Created(&e.name),
        CustomFieldEvent::Renamed(e) => NameFact::Renamed(e),
        CustomFieldEvent::Deleted(e) => NameFact::Removed(e),
        _ => NameFact::Untouched,
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests;

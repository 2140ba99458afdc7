//! What happened to a ticket, in past-tense names, and its [`DomainEvent`] implementation.
//!
//! Each variant wraps one payload struct and has a stable type name (`ticket.created`,
//! `ticket.status_changed`, ...); all are at schema version 1. `encode` writes only the payload
//! struct with [`crate::codec::encode_payload`]; `decode` matches type name and version. The
//! catalogue, with every field, is `docs/events/ticket.md`. Released shapes are frozen: a
//! change is a new schema version plus an upcaster in `decode`.

mod activity;
mod lifecycle;
mod record;

use std::collections::BTreeSet;

use ulid::Ulid;

pub use activity::{
    AssociationChange, AttachmentAdded, AttachmentRemoved, ExternalLinked, ExternalUnlinked,
    FirstResponse, MessageDeleted, MessageEdited, NoteAdded, PersonChange, ReplyAdded,
    TicketLinked, TicketUnlinked, TimeEntryDeleted, TimeEntryEdited, TimeEntryValues, TimeLogged,
};
pub use lifecycle::{
    ApprovalDecided, ApprovalEnded, ApprovalRequested, ClosureRecorded, LifecycleMark,
    ResolutionChange, SolutionAccepted, SolutionRejected, VoteCast, VoterAdded,
};
pub use record::{AssignmentChange, Change, CustomFieldChange, StatusChange, TicketCreated};

use super::types::{CategoryPath, TicketTypeRef};
use crate::codec::{decode_payload, encode_payload, CodecError, DomainEvent};
use crate::ids::Timestamp;

/// The schema version every ticket event type is written at (none has changed yet).
pub const SCHEMA_VERSION: u16 = 1;

/// Declares [`TicketEvent`], its list of type names and its [`DomainEvent`] implementation
/// from one table, so a variant cannot be added without its name.
macro_rules! ticket_events {
    ( $( $(#[$vmeta:meta])* $variant:ident($payload:ty) = $type_name:literal, )+ ) => {
        /// Everything that can happen to a ticket.
        // `Created` is much larger than the rest; events live briefly (between decide,
        // append and evolve), so boxing it would cost more clarity than it saves memory.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub enum TicketEvent {
            $( $(#[$vmeta])* $variant($payload), )+
        }

        impl TicketEvent {
            /// Every event type name, in declaration order.
            pub const EVENT_TYPES: &'static [&'static str] = &[$($type_name),+];
        }

        impl DomainEvent for TicketEvent {
            fn event_type(&self) -> &'static str {
                match self {
                    $( TicketEvent::$variant(_) => $type_name, )+
                }
            }

            fn schema_version(&self) -> u16 {
                SCHEMA_VERSION
            }

            fn encode(&self) -> Result<Vec<u8>, CodecError> {
                match self {
                    $( TicketEvent::$variant(inner) => encode_payload(inner), )+
                }
            }

            fn decode(
                event_type: &str,
                schema_version: u16,
                payload: &[u8],
            ) -> Result<Self, CodecError> {
                match event_type {
                    $( $type_name => {
                        check_version(event_type, schema_version)?;
                        Ok(TicketEvent::$variant(decode_payload(payload)?))
                    } )+
                    _ => Err(CodecError::UnknownEventType {
                        event_type: event_type.to_owned(),
                    }),
                }
            }
        }
    };
}

fn check_version(event_type: &str, schema_version: u16) -> Result<(), CodecError> {
    if schema_version == SCHEMA_VERSION {
        Ok(())
    } else {
        Err(CodecError::UnknownSchemaVersion {
            event_type: event_type.to_owned(),
            schema_version,
        })
    }
}

ticket_events! {
    /// `ticket.created`
    Created(TicketCreated) = "ticket.created",
    /// `ticket.subject_changed`
    SubjectChanged(Change<String>) = "ticket.subject_changed",
    /// `ticket.description_changed`
    DescriptionChanged(Change<String>) = "ticket.description_changed",
    /// `ticket.requester_changed`
    RequesterChanged(Change<Ulid>) = "ticket.requester_changed",
    /// `ticket.on_behalf_of_changed`
    OnBehalfOfChanged(Change<Option<Ulid>>) = "ticket.on_behalf_of_changed",
    /// `ticket.type_changed` (also a promotion to major incident)
    TypeChanged(Change<TicketTypeRef>) = "ticket.type_changed",
    /// `ticket.priority_changed`
    PriorityChanged(Change<Option<Ulid>>) = "ticket.priority_changed",
    /// `ticket.urgency_changed`
    UrgencyChanged(Change<Option<Ulid>>) = "ticket.urgency_changed",
    /// `ticket.impact_changed`
    ImpactChanged(Change<Option<Ulid>>) = "ticket.impact_changed",
    /// `ticket.impact_details_changed`
    ImpactDetailsChanged(Change<Option<String>>) = "ticket.impact_details_changed",
    /// `ticket.category_changed`
    CategoryChanged(Change<CategoryPath>) = "ticket.category_changed",
    /// `ticket.source_changed`
    SourceChanged(Change<Option<Ulid>>) = "ticket.source_changed",
    /// `ticket.department_changed`
    DepartmentChanged(Change<Option<Ulid>>) = "ticket.department_changed",
    /// `ticket.helpdesk_changed`
    HelpDeskChanged(Change<Option<Ulid>>) = "ticket.helpdesk_changed",
    /// `ticket.level_changed`
    LevelChanged(Change<Option<Ulid>>) = "ticket.level_changed",
    /// `ticket.location_changed`
    LocationChanged(Change<Option<Ulid>>) = "ticket.location_changed",
    /// `ticket.due_date_changed`
    DueDateChanged(Change<Option<Timestamp>>) = "ticket.due_date_changed",
    /// `ticket.occurred_at_changed`
    OccurredAtChanged(Change<Option<Timestamp>>) = "ticket.occurred_at_changed",
    /// `ticket.tags_changed`
    TagsChanged(Change<BTreeSet<Ulid>>) = "ticket.tags_changed",
    /// `ticket.custom_field_changed`
    CustomFieldChanged(CustomFieldChange) = "ticket.custom_field_changed",
    /// `ticket.status_changed`
    StatusChanged(StatusChange) = "ticket.status_changed",
    /// `ticket.assignment_changed`
    AssignmentChanged(AssignmentChange) = "ticket.assignment_changed",
    /// `ticket.reply_added`
    ReplyAdded(ReplyAdded) = "ticket.reply_added",
    /// `ticket.reply_edited`
    ReplyEdited(MessageEdited) = "ticket.reply_edited",
    /// `ticket.reply_deleted`
    ReplyDeleted(MessageDeleted) = "ticket.reply_deleted",
    /// `ticket.note_added`
    NoteAdded(NoteAdded) = "ticket.note_added",
    /// `ticket.note_edited`
    NoteEdited(MessageEdited) = "ticket.note_edited",
    /// `ticket.note_deleted`
    NoteDeleted(MessageDeleted) = "ticket.note_deleted",
    /// `ticket.first_response_recorded`
    FirstResponseRecorded(FirstResponse) = "ticket.first_response_recorded",
    /// `ticket.attachment_added`
    AttachmentAdded(AttachmentAdded) = "ticket.attachment_added",
    /// `ticket.attachment_removed`
    AttachmentRemoved(AttachmentRemoved) = "ticket.attachment_removed",
    /// `ticket.person_added`
    PersonAdded(PersonChange) = "ticket.person_added",
    /// `ticket.person_removed`
    PersonRemoved(PersonChange) = "ticket.person_removed",
    /// `ticket.linked`
    Linked(TicketLinked) = "ticket.linked",
    /// `ticket.unlinked`
    Unlinked(TicketUnlinked) = "ticket.unlinked",
    /// `ticket.external_linked`
    ExternalLinked(ExternalLinked) = "ticket.external_linked",
    /// `ticket.external_unlinked`
    ExternalUnlinked(ExternalUnlinked) = "ticket.external_unlinked",
    /// `ticket.association_changed`
    AssociationChanged(AssociationChange) = "ticket.association_changed",
    /// `ticket.closure_recorded`
    ClosureRecorded(ClosureRecorded) = "ticket.closure_recorded",
    /// `ticket.resolution_changed`
    ResolutionChanged(ResolutionChange) = "ticket.resolution_changed",
    /// `ticket.solution_accepted`
    SolutionAccepted(SolutionAccepted) = "ticket.solution_accepted",
    /// `ticket.solution_rejected`
    SolutionRejected(SolutionRejected) = "ticket.solution_rejected",
    /// `ticket.trashed`
    Trashed(LifecycleMark) = "ticket.trashed",
    /// `ticket.restored`
    Restored(LifecycleMark) = "ticket.restored",
    /// `ticket.purged`
    Purged(LifecycleMark) = "ticket.purged",
    /// `ticket.approval_requested`
    ApprovalRequested(ApprovalRequested) = "ticket.approval_requested",
    /// `ticket.approval_voter_added`
    VoterAdded(VoterAdded) = "ticket.approval_voter_added",
    /// `ticket.approval_vote_cast`
    VoteCast(VoteCast) = "ticket.approval_vote_cast",
    /// `ticket.approval_decided`
    ApprovalDecided(ApprovalDecided) = "ticket.approval_decided",
    /// `ticket.approval_cancelled`
    ApprovalCancelled(ApprovalEnded) = "ticket.approval_cancelled",
    /// `ticket.approval_expired`
    ApprovalExpired(ApprovalEnded) = "ticket.approval_expired",
    /// `ticket.time_logged`
    TimeLogged(TimeLogged) = "ticket.time_logged",
    /// `ticket.time_entry_deleted`
    TimeEntryDeleted(TimeEntryDeleted) = "ticket.time_entry_deleted",
    /// `ticket.time_entry_edited`
    TimeEntryEdited(TimeEntryEdited) = "ticket.time_entry_edited",
}

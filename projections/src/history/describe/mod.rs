//! Ticket event → history entry content: the Trudesk action, a readable sentence, the field
//! changes and the visibility.
//!
//! [`describe`] matches every [`TicketEvent`] variant without a wildcard arm, so a new event
//! type does not compile until it has a mapping here; the tests also check the table of
//! expectations against [`TicketEvent::EVENT_TYPES`]. The arms are split like core's payload
//! modules: [`record`] (creation, fields, status, assignment), [`activity`] (conversation,
//! attachments, people, links, time), [`lifecycle`] (closure, solutions, trash, approvals).
//!
//! Descriptions name things by id (and other tickets by number when known): the model has no
//! directory of names, and the typed [`Value`]s let the API show names where it has them.

mod activity;
mod lifecycle;
mod record;

#[cfg(test)]
pub(crate) use record::decimal_text;

use ulid::Ulid;

use ledgerdesk_core::ticket::{StatusCategory, TicketEvent, TicketKind, WaitingReason};
use ledgerdesk_core::Timestamp;

use super::entry::{AttachmentInfo, FieldChange, Value, Visibility};
use crate::ProjectionError;

/// What the model already knows that an entry's text depends on (other tickets' numbers,
/// attachments by id). Read from the model itself, so entries stay a pure function of the log.
pub(crate) trait Known {
    /// The number of ticket `id`, if its stream has begun.
    fn ticket_number(&self, id: Ulid) -> Result<Option<u64>, ProjectionError>;
    /// What attachment `id` of the ticket being described was.
    fn attachment(&self, id: Ulid) -> Result<Option<AttachmentInfo>, ProjectionError>;
}

/// The event-specific part of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Described {
    /// Trudesk's name for the action.
    pub trudesk_action: String,
    /// The readable sentence.
    pub description: String,
    /// The field changes.
    pub changes: Vec<FieldChange>,
    /// Who may read it.
    pub visibility: Visibility,
}

impl Described {
    /// A public entry.
    pub(crate) fn public(
        trudesk_action: &str,
        description: String,
        changes: Vec<FieldChange>,
    ) -> Described {
        Described {
            trudesk_action: trudesk_action.to_owned(),
            description,
            changes,
            visibility: Visibility::Public,
        }
    }

    /// An entry for agents and auditors only.
    pub(crate) fn internal(
        trudesk_action: &str,
        description: String,
        changes: Vec<FieldChange>,
    ) -> Described {
        Described {
            visibility: Visibility::Internal,
            ..Described::public(trudesk_action, description, changes)
        }
    }
}

/// The entry content of one ticket event.
pub(crate) fn describe(
    event: &TicketEvent,
    known: &dyn Known,
) -> Result<Described, ProjectionError> {
    use TicketEvent as E;
    Ok(match event {
        E::Created(e) => record::created(e),
        E::SubjectChanged(c) => record::subject(c),
        E::DescriptionChanged(c) => record::description(c),
        E::RequesterChanged(c) => record::requester(c),
        E::OnBehalfOfChanged(c) => record::optional_id(record::ON_BEHALF_OF, c),
        E::TypeChanged(c) => record::ticket_type(c),
        E::PriorityChanged(c) => record::optional_id(record::PRIORITY, c),
        E::UrgencyChanged(c) => record::optional_id(record::URGENCY, c),
        E::ImpactChanged(c) => record::optional_id(record::IMPACT, c),
        E::ImpactDetailsChanged(c) => record::impact_details(c),
        E::CategoryChanged(c) => record::category(c),
        E::SourceChanged(c) => record::optional_id(record::SOURCE, c),
        E::DepartmentChanged(c) => record::optional_id(record::DEPARTMENT, c),
        E::HelpDeskChanged(c) => record::optional_id(record::HELPDESK, c),
        E::LevelChanged(c) => record::optional_id(record::LEVEL, c),
        E::LocationChanged(c) => record::optional_id(record::LOCATION, c),
        E::DueDateChanged(c) => record::optional_time(record::DUE_AT, c),
        E::OccurredAtChanged(c) => record::optional_time(record::OCCURRED_AT, c),
        E::TagsChanged(c) => record::tags(c),
        E::CustomFieldChanged(c) => record::custom_field(c),
        E::StatusChanged(c) => record::status(c, known)?,
        E::AssignmentChanged(c) => record::assignment(c),
        E::ReplyAdded(r) => activity::reply_added(r),
        E::ReplyEdited(m) => activity::edited(activity::Message::Reply, m),
        E::ReplyDeleted(m) => activity::deleted(activity::Message::Reply, m),
        E::NoteAdded(n) => activity::note_added(n),
        E::NoteEdited(m) => activity::edited(activity::Message::Note, m),
        E::NoteDeleted(m) => activity::deleted(activity::Message::Note, m),
        E::FirstResponseRecorded(f) => activity::first_response(f),
        E::AttachmentAdded(a) => activity::attachment_added(a),
        E::AttachmentRemoved(a) => activity::attachment_removed(a, known)?,
        E::PersonAdded(p) => activity::person(p, true),
        E::PersonRemoved(p) => activity::person(p, false),
        E::Linked(l) => activity::linked(l, known)?,
        E::Unlinked(l) => activity::unlinked(l, known)?,
        E::ExternalLinked(l) => activity::external_linked(l),
        E::ExternalUnlinked(l) => activity::external_unlinked(l),
        E::AssociationChanged(a) => activity::association(a, known)?,
        E::TimeLogged(t) => activity::time_logged(t),
        E::TimeEntryDeleted(t) => activity::time_deleted(t),
        E::TimeEntryEdited(t) => activity::time_edited(t),
        E::ClosureRecorded(c) => lifecycle::closure(c),
        E::ResolutionChanged(r) => lifecycle::resolution(r),
        E::SolutionAccepted(s) => lifecycle::solution_accepted(s),
        E::SolutionRejected(s) => lifecycle::solution_rejected(s),
        E::Trashed(_) => lifecycle::trashed(),
        E::Restored(_) => lifecycle::restored(),
        E::Purged(_) => lifecycle::purged(),
        E::ApprovalRequested(a) => lifecycle::approval_requested(a),
        E::VoterAdded(v) => lifecycle::voter_added(v),
        E::VoteCast(v) => lifecycle::vote_cast(v),
        E::ApprovalDecided(d) => lifecycle::approval_decided(d),
        E::ApprovalCancelled(a) => lifecycle::approval_ended(a, "cancelled"),
        E::ApprovalExpired(a) => lifecycle::approval_ended(a, "expired"),
    })
}

/// An optional id as an optional value.
pub(crate) fn id(value: Option<Ulid>) -> Option<Value> {
    value.map(Value::Id)
}

/// An optional text as an optional value.
pub(crate) fn text(value: &Option<String>) -> Option<Value> {
    value.clone().map(Value::Text)
}

/// "ticket #1002" when the ticket's number is known, else "ticket <ulid>".
pub(crate) fn ticket_ref(known: &dyn Known, ticket: Ulid) -> Result<String, ProjectionError> {
    Ok(match known.ticket_number(ticket)? {
        Some(n) => format!("ticket #{n}"),
        None => format!("ticket {ticket}"),
    })
}

/// The readable name of a status category, as Trudesk shows its fixed statuses.
pub(crate) fn category_label(category: StatusCategory) -> &'static str {
    match category {
        StatusCategory::New => "New",
        StatusCategory::Open => "Open",
        StatusCategory::InProgress => "In Progress",
        StatusCategory::Pending => "Pending",
        StatusCategory::Waiting => "Waiting",
        StatusCategory::Resolved => "Resolved",
        StatusCategory::Closed => "Closed",
        StatusCategory::Cancelled => "Cancelled",
        StatusCategory::Rejected => "Rejected",
    }
}

/// The readable name of a ticket kind.
pub(crate) fn kind_label(kind: TicketKind) -> &'static str {
    match kind {
        TicketKind::Incident => "Incident",
        TicketKind::ServiceRequest => "Service Request",
        TicketKind::Question => "Question",
        TicketKind::Problem => "Problem",
        TicketKind::Change => "Change",
        TicketKind::MajorIncident => "Major Incident",
        TicketKind::Other => "Other",
    }
}

/// What a waiting ticket waits for, as words.
pub(crate) fn waiting_text(
    known: &dyn Known,
    reason: WaitingReason,
) -> Result<String, ProjectionError> {
    Ok(match reason {
        WaitingReason::Customer => "the customer".to_owned(),
        WaitingReason::Agent => "an agent".to_owned(),
        WaitingReason::Until(at) => format_time(at),
        WaitingReason::ExternalEntity(link) => format!("external entity link {link}"),
        WaitingReason::Ticket(ticket) => ticket_ref(known, ticket)?,
    })
}

/// RFC 3339 in UTC (`2023-11-14T22:13:20Z`, with microseconds only when there are some),
/// computed from the integer: the projection links no time-zone or clock library.
pub(crate) fn format_time(at: Timestamp) -> String {
    let micros = at.as_micros();
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let day_secs = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), all in i64.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (day_secs / 3_600, day_secs % 3_600 / 60, day_secs % 60);
    let base = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}");
    if frac == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{frac:06}Z")
    }
}

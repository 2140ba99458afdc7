//! Value types shared by ticket commands, events and state.
//!
//! Everything here appears inside stored event payloads, so the serde shape of each type is
//! frozen once released (bincode is not self-describing): a new variant may only be appended at
//! the end of an enum, and a field never changes. Amounts are integers; no floats.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::directory::status::StatusCategory;
use crate::ids::Timestamp;

/// A status of the catalogue as a ticket sees it: the status's id and its fixed category,
/// resolved by the caller so that `decide` can check transitions without I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatusRef {
    /// The `status` stream the ticket is in.
    pub status_id: Ulid,
    /// That status's category (fixed for the status's life).
    pub category: StatusCategory,
}

/// The fixed class of a ticket type. The type catalogue names types freely (Trudesk's Task and
/// Issue, InvGate's six request types); the domain only needs to know what a type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TicketKind {
    /// Something is broken (InvGate type 1).
    Incident,
    /// Someone asks for something (InvGate type 2).
    ServiceRequest,
    /// Someone asks a question (InvGate type 3).
    Question,
    /// The cause of incidents (InvGate type 4, SDP problem).
    Problem,
    /// A planned change (InvGate type 5, SDP change).
    Change,
    /// An incident with wide impact (InvGate type 6).
    MajorIncident,
    /// A configured type with no fixed meaning (Trudesk's Task, Issue...).
    Other,
}

/// A ticket's type: the `tickettype` stream and its resolved [`TicketKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TicketTypeRef {
    /// The `tickettype` stream.
    pub type_id: Ulid,
    /// What kind of ticket that type is.
    pub kind: TicketKind,
}

/// Where a ticket sits in the category tree: category, then optionally a subcategory and an
/// item under it (SDP's three levels; InvGate and Trudesk use only the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct CategoryPath {
    /// The top-level `category` node.
    pub category_id: Option<Ulid>,
    /// The subcategory node.
    pub subcategory_id: Option<Ulid>,
    /// The item node.
    pub item_id: Option<Ulid>,
}

/// What a ticket in a waiting status waits for (InvGate's `incident.waitingfor.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WaitingReason {
    /// A reply from the requester.
    Customer,
    /// An action by an agent (HelpDeskZ "awaiting reply" after a user reply).
    Agent,
    /// A date; the SLA projection resumes the clock then.
    Until(Timestamp),
    /// An external entity already linked to the ticket, by its link id.
    ExternalEntity(Ulid),
    /// Another ticket, by its id.
    Ticket(Ulid),
}

/// A status to move to, with its waiting reason when the status is of the waiting category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTarget {
    /// The status.
    pub status: StatusRef,
    /// Required for, and only for, a status of [`StatusCategory::Waiting`].
    pub waiting_for: Option<WaitingReason>,
}

/// The value of one custom field on a ticket. Numbers are integers; decimals are a mantissa
/// and a scale (`1234, 2` is 12.34) so that no float ever enters the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomFieldValue {
    /// Free text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A decimal number: `mantissa / 10^scale`.
    Decimal {
        /// The digits.
        mantissa: i64,
        /// How many of them are after the decimal point.
        scale: u8,
    },
    /// A yes/no value.
    Boolean(bool),
    /// A date and time.
    Date(Timestamp),
    /// Selected options of a list or tree field, as the option keys (InvGate `values[]`).
    Choices(Vec<String>),
}

/// The description of a stored file. The bytes live in the content-addressed blob store,
/// outside the log; the log holds only what identifies and describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    /// The attachment's id (chosen at the edge).
    pub attachment_id: Ulid,
    /// The file name as uploaded.
    pub name: String,
    /// The MIME type as uploaded (`application/octet-stream` when unknown).
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// BLAKE3 of the bytes, 64 lowercase hex characters: the blob store key.
    pub blake3_hex: String,
}

/// What an attachment is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AttachmentTarget {
    /// The ticket itself.
    Ticket,
    /// A public reply, by its comment id.
    Reply(Ulid),
    /// An internal note, by its note id.
    Note(Ulid),
}

/// Which side of the desk wrote a reply: it decides the first response and the dialects'
/// automatic statuses (HelpDeskZ "answered" vs "awaiting reply").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// The requester or someone on their side (customer, end user).
    Requester,
    /// An agent (staff, technician).
    Agent,
}

/// The part a person plays around a ticket besides requester and assignee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PersonRole {
    /// Gets notified of changes (Trudesk subscribers).
    Subscriber,
    /// Follows the ticket read-only (InvGate observers).
    Observer,
    /// Helps the assignee work on it (InvGate collaborators).
    Collaborator,
}

/// A one-per-kind association of a ticket with a ticket of another kind (SDP `problem`,
/// `request_initiated_change`, `request_caused_by_change`, `project`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AssociationKind {
    /// The problem this ticket is an occurrence of.
    Problem,
    /// The change this ticket initiated.
    InitiatedChange,
    /// The change that caused this ticket.
    CausedByChange,
    /// The project this ticket belongs to.
    Project,
}

/// Why a ticket was closed (InvGate `closed_reason`, plus a manual close).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClosedReason {
    /// An agent or a dialect closed it directly.
    Manual,
    /// The requester accepted the solution (InvGate 1).
    SolutionAccepted,
    /// Nobody answered the solution in time (InvGate 2).
    SolutionExpired,
    /// The requester did not answer in time (InvGate 3).
    CustomerTimeout,
    /// Its workflow ended (InvGate 4).
    FinalizedWorkflow,
}

/// A voter's answer to an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VoteDecision {
    /// For.
    Accept,
    /// Against.
    Reject,
}

/// How the votes of an approval decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApprovalRule {
    /// Approved when every voter accepted; rejected by the first rejection.
    All,
    /// Approved by the first acceptance; rejected when every voter rejected.
    Any,
    /// Approved when this many voters accepted; rejected when that can no longer happen.
    Quorum(u32),
}

/// Where an approval came from (InvGate approval type 1 and 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApprovalKind {
    /// From an approval template, by its `approvaltemplate` stream id.
    Predefined(Ulid),
    /// Asked ad hoc of one named voter.
    Spontaneous,
}

/// The state of one approval (InvGate -2 cancelled, -1 waiting, 0 rejected, 1 approved; an
/// expired approval is InvGate's voter status 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApprovalStatus {
    /// Votes are still expected.
    Waiting,
    /// Decided for.
    Approved,
    /// Decided against.
    Rejected,
    /// Withdrawn before a decision.
    Cancelled,
    /// Ran out of time before a decision.
    Expired,
}

impl ApprovalStatus {
    /// Whether the approval still takes votes, voters, cancellation and expiry.
    pub fn is_waiting(self) -> bool {
        self == ApprovalStatus::Waiting
    }
}

/// A ticket's approval status as SDP shows it, derived from its approvals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TicketApprovalStatus {
    /// No approval was asked, or every one was cancelled or expired.
    NotRequested,
    /// At least one approval is waiting.
    Pending,
    /// Nothing is waiting and the last decided approval was approved.
    Approved,
    /// Nothing is waiting and the last decided approval was rejected.
    Rejected,
}

/// Whether a status category ends the work on a ticket for good or until it is reopened.
pub fn is_final(category: StatusCategory) -> bool {
    matches!(
        category,
        StatusCategory::Closed | StatusCategory::Cancelled | StatusCategory::Rejected
    )
}

/// Whether a category is one a ticket may be created in or reopened to.
pub fn is_starting(category: StatusCategory) -> bool {
    matches!(
        category,
        StatusCategory::New | StatusCategory::Open | StatusCategory::InProgress
    )
}

//! Why a ticket command is refused: one variant per rule, carrying the data that names it.
//!
//! A refusal never writes anything (`decide` returns `Err` and no events). At the edge, the
//! input variants (`Empty`, `TooLong`, `Invalid`, ...) map to 400, `NotCreated` and the
//! `*NotFound` variants to 404, and the state rules (closed, cancelled, trashed, already decided,
//! transition not allowed...) to 409.

use ulid::Ulid;

use super::types::{ApprovalStatus, AssociationKind, PersonRole};
use crate::directory::status::StatusCategory;
use crate::ids::Timestamp;

/// A refused ticket command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// The ticket has not been created.
    #[error("ticket not found")]
    NotCreated,
    /// A create command on a ticket that exists.
    #[error("ticket already exists")]
    AlreadyCreated,
    /// The ticket was purged: nothing more can happen to it.
    #[error("ticket was purged")]
    Purged,
    /// The ticket is in the trash: only restore and purge apply.
    #[error("ticket is in the trash; restore it first")]
    InTrash,
    /// Restore or purge of a ticket that is not in the trash.
    #[error("ticket is not in the trash")]
    NotInTrash,
    /// The ticket is closed or rejected: it is reopened, not edited.
    #[error("ticket is {category:?}: reopen it first")]
    Closed {
        /// The ticket's status category.
        category: StatusCategory,
    },
    /// The ticket was cancelled and stays cancelled.
    #[error("ticket was cancelled")]
    Cancelled,
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
    /// An id that the command creates is already used by something on this ticket.
    #[error("id {id} is already used on this ticket")]
    IdAlreadyUsed {
        /// The id given.
        id: Ulid,
    },
    /// A reference to the ticket itself where another ticket is expected.
    #[error("{field} cannot be the ticket itself")]
    SelfReference {
        /// The input field at fault.
        field: &'static str,
    },
    /// A ticket is created in a category that does not start work (closed, waiting...).
    #[error("a ticket cannot be created in a {category:?} status")]
    InitialStatusNotAllowed {
        /// The category given.
        category: StatusCategory,
    },
    /// The status catalogue forbids moving between these categories.
    #[error("status cannot go from {from:?} to {to:?}")]
    TransitionNotAllowed {
        /// The current category.
        from: StatusCategory,
        /// The category asked for.
        to: StatusCategory,
    },
    /// A command that needs a status of one category was given a status of another.
    #[error("expected a {expected:?} status, got a {given:?} one")]
    WrongStatusCategory {
        /// The category the command needs.
        expected: StatusCategory,
        /// The category given.
        given: StatusCategory,
    },
    /// Reopening needs a new, open or in-progress status.
    #[error("a ticket is reopened to a new, open or in-progress status, not {given:?}")]
    NotAReopenStatus {
        /// The category given.
        given: StatusCategory,
    },
    /// Reopen of a ticket that is not resolved, closed or rejected.
    #[error("a {category:?} ticket cannot be reopened")]
    NotReopenable {
        /// The ticket's status category.
        category: StatusCategory,
    },
    /// A waiting status without saying what the ticket waits for.
    #[error("a waiting status needs a waiting reason")]
    WaitingReasonRequired,
    /// A waiting reason given for a status that is not of the waiting category.
    #[error("a waiting reason was given for a {category:?} status")]
    WaitingReasonWithoutWaiting {
        /// The category given.
        category: StatusCategory,
    },
    /// Waiting until a date that has passed.
    #[error("cannot wait until {until:?}, which is not after {now:?}")]
    WaitUntilInPast {
        /// The date given.
        until: Timestamp,
        /// The command's time.
        now: Timestamp,
    },
    /// An assignment command that names neither a group nor an agent.
    #[error("name a group or an agent to assign")]
    NothingToAssign,
    /// Unassign of a ticket that has no agent.
    #[error("ticket has no agent")]
    NotAssigned,
    /// Pick up of a ticket that another agent holds.
    #[error("ticket is assigned to {agent_id}")]
    AssignedToSomeoneElse {
        /// The current agent.
        agent_id: Ulid,
    },
    /// A command that acts as the calling user was run by the system.
    #[error("only a user can do this")]
    ActorNotAUser,
    /// No reply with this id.
    #[error("no reply {comment_id}")]
    ReplyNotFound {
        /// The id given.
        comment_id: Ulid,
    },
    /// No note with this id.
    #[error("no note {note_id}")]
    NoteNotFound {
        /// The id given.
        note_id: Ulid,
    },
    /// Edit or delete of a reply or note that was deleted.
    #[error("message {message_id} was deleted")]
    MessageDeleted {
        /// The reply or note id.
        message_id: Ulid,
    },
    /// Delete of the reply that is the ticket's solution.
    #[error("reply {comment_id} is the solution")]
    ReplyIsSolution {
        /// The reply.
        comment_id: Ulid,
    },
    /// A reply marked as solution without moving the ticket to a resolved status.
    #[error("a solution reply must move the ticket to a resolved status")]
    SolutionNeedsResolvedStatus,
    /// Propagation asked for on a ticket with no linked tickets.
    #[error("ticket has no linked tickets to propagate to")]
    NoLinkedTickets,
    /// No attachment with this id.
    #[error("no attachment {attachment_id}")]
    AttachmentNotFound {
        /// The id given.
        attachment_id: Ulid,
    },
    /// The person already plays that role.
    #[error("{user_id} is already a {role:?}")]
    AlreadyPresent {
        /// The role.
        role: PersonRole,
        /// The user.
        user_id: Ulid,
    },
    /// The person does not play that role.
    #[error("{user_id} is not a {role:?}")]
    NotPresent {
        /// The role.
        role: PersonRole,
        /// The user.
        user_id: Ulid,
    },
    /// The two tickets are already linked.
    #[error("already linked to ticket {ticket_id}")]
    AlreadyLinked {
        /// The other ticket.
        ticket_id: Ulid,
    },
    /// The two tickets are not linked.
    #[error("not linked to ticket {ticket_id}")]
    NotLinked {
        /// The other ticket.
        ticket_id: Ulid,
    },
    /// No external link with this id.
    #[error("no external link {link_id}")]
    ExternalLinkNotFound {
        /// The id given.
        link_id: Ulid,
    },
    /// Dissociate of an association the ticket does not have.
    #[error("no {kind:?} association")]
    NotAssociated {
        /// The kind given.
        kind: AssociationKind,
    },
    /// Accept or reject a solution of a ticket that is not resolved.
    #[error("no solution is pending: the ticket is {category:?}")]
    NoSolutionPending {
        /// The ticket's status category.
        category: StatusCategory,
    },
    /// A solution rating outside 1 to 5.
    #[error("rating {rating} is not between 1 and 5")]
    RatingOutOfRange {
        /// The rating given.
        rating: u8,
    },
    /// A rating below 4 without a comment (InvGate's rule).
    #[error("a rating of {rating} needs a comment")]
    CommentRequiredForRating {
        /// The rating given.
        rating: u8,
    },
    /// Promotion of a ticket that is already a major incident.
    #[error("ticket is already a major incident")]
    AlreadyMajorIncident,
    /// No approval with this id on this ticket.
    #[error("no approval {approval_id}")]
    ApprovalNotFound {
        /// The id given.
        approval_id: Ulid,
    },
    /// A vote, voter, cancellation or expiry on an approval that is no longer waiting.
    #[error("approval {approval_id} is already {status:?}")]
    ApprovalClosed {
        /// The approval.
        approval_id: Ulid,
        /// Its status.
        status: ApprovalStatus,
    },
    /// A vote from someone who is not a voter of the approval.
    #[error("{voter_id} is not a voter of approval {approval_id}")]
    NotAVoter {
        /// The approval.
        approval_id: Ulid,
        /// The user.
        voter_id: Ulid,
    },
    /// A second vote from the same voter.
    #[error("{voter_id} already voted on approval {approval_id}")]
    AlreadyVoted {
        /// The approval.
        approval_id: Ulid,
        /// The voter.
        voter_id: Ulid,
    },
    /// Adding a voter who already is one.
    #[error("{voter_id} is already a voter of approval {approval_id}")]
    AlreadyAVoter {
        /// The approval.
        approval_id: Ulid,
        /// The voter.
        voter_id: Ulid,
    },
    /// An approval asked of nobody.
    #[error("an approval needs at least one voter")]
    NoVoters,
    /// A quorum of zero or of more voters than there are.
    #[error("a quorum of {quorum} is impossible with {voters} voters")]
    QuorumOutOfRange {
        /// The quorum given.
        quorum: u32,
        /// How many voters there are.
        voters: usize,
    },
    /// An approval expiry that is not after the command's time.
    #[error("expiry {expires_at:?} is not after {now:?}")]
    ExpiryInPast {
        /// The expiry given.
        expires_at: Timestamp,
        /// The command's time.
        now: Timestamp,
    },
    /// Expiry of an approval before its expiry time.
    #[error("approval {approval_id} expires only at {expires_at:?}")]
    ApprovalNotDue {
        /// The approval.
        approval_id: Ulid,
        /// Its expiry.
        expires_at: Timestamp,
    },
    /// No time entry with this id.
    #[error("no time entry {entry_id}")]
    TimeEntryNotFound {
        /// The id given.
        entry_id: Ulid,
    },
    /// Edit of a time entry that was deleted.
    #[error("time entry {entry_id} was deleted")]
    TimeEntryDeleted {
        /// The entry.
        entry_id: Ulid,
    },
    /// Edit of another user's time entry by a caller who may only edit their own.
    #[error("time entry {entry_id} belongs to another user")]
    NotTimeEntryAuthor {
        /// The entry.
        entry_id: Ulid,
    },
    /// A time entry that ends before it starts.
    #[error("time entry ends at {to:?}, not after its start {from:?}")]
    EmptyTimeRange {
        /// Its start.
        from: Timestamp,
        /// Its end.
        to: Timestamp,
    },
}

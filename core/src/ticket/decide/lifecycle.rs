//! Decisions of closure, reopening, cancellation, rejection, resolution, solutions, promotion,
//! trash, approvals and time tracking.

use super::{
    change_status, optional, plain, require_category, require_editable, require_exists,
    require_fresh, required, LONG_MAX,
};
use crate::directory::status::StatusCategory;
use crate::ticket::approval::{self, NewApproval};
use crate::ticket::commands::{CloseTicket, EditTimeEntry, TicketCommand};
use crate::ticket::error::TicketError;
use crate::ticket::events::{
    Change, ClosureRecorded, LifecycleMark, ResolutionChange, SolutionAccepted, SolutionRejected,
    TicketEvent, TimeEntryDeleted, TimeEntryEdited, TimeEntryValues, TimeLogged,
};
use crate::ticket::state::{TicketLifecycle, TicketState};
use crate::ticket::types::{
    is_starting, ApprovalKind, ApprovalRule, ClosedReason, StatusRef, TicketKind, TicketTypeRef,
};
use crate::ticket::CommandContext;

pub(super) fn decide(
    state: &TicketState,
    command: &TicketCommand,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    use TicketCommand as C;
    match command {
        C::Trash | C::Restore | C::Purge => return trash(state, command, ctx),
        C::Reopen { status, comment } => return reopen(state, status, comment.as_deref(), ctx),
        _ => {}
    }
    let current = require_editable(state)?;
    match command {
        C::Close(close) => decide_close(state, close, ctx),
        C::Cancel { status, comment } => {
            require_category(status, StatusCategory::Cancelled)?;
            let comment = optional("comment", comment.as_deref(), LONG_MAX)?;
            change_status(state, &plain(*status), comment, ctx)
        }
        C::Reject { status, comment } => {
            require_category(status, StatusCategory::Rejected)?;
            let comment = optional("comment", comment.as_deref(), LONG_MAX)?;
            change_status(state, &plain(*status), comment, ctx)
        }
        C::SetResolution { text, propagate } => {
            let new = required("text", text, LONG_MAX)?;
            if *propagate && state.linked_tickets.is_empty() {
                return Err(TicketError::NoLinkedTickets);
            }
            if state.resolution.as_deref() == Some(new.as_str()) && !*propagate {
                return Ok(Vec::new());
            }
            Ok(vec![TicketEvent::ResolutionChanged(ResolutionChange {
                old: state.resolution.clone(),
                new,
                propagate: *propagate,
            })])
        }
        C::AcceptSolution {
            rating,
            comment,
            closed_status,
        } => {
            require_resolved(current)?;
            if !(1..=5).contains(rating) {
                return Err(TicketError::RatingOutOfRange { rating: *rating });
            }
            let comment = optional("comment", comment.as_deref(), LONG_MAX)?;
            if *rating < 4 && comment.is_none() {
                return Err(TicketError::CommentRequiredForRating { rating: *rating });
            }
            let close = CloseTicket {
                status: *closed_status,
                reason: ClosedReason::SolutionAccepted,
                closure_code_id: None,
                comments: None,
                requester_acknowledged: Some(true),
                requester_comments: comment.clone(),
            };
            let mut events = vec![TicketEvent::SolutionAccepted(SolutionAccepted {
                comment_id: state.solution_comment_id,
                rating: *rating,
                comment,
            })];
            events.extend(decide_close(state, &close, ctx)?);
            Ok(events)
        }
        C::RejectSolution {
            reason,
            reopen_status,
        } => {
            require_resolved(current)?;
            let reason = required("reason", reason, LONG_MAX)?;
            if !is_starting(reopen_status.category) {
                return Err(TicketError::NotAReopenStatus {
                    given: reopen_status.category,
                });
            }
            let mut events = vec![TicketEvent::SolutionRejected(SolutionRejected {
                comment_id: state.solution_comment_id,
                reason: reason.clone(),
            })];
            events.extend(change_status(
                state,
                &plain(*reopen_status),
                Some(reason),
                ctx,
            )?);
            Ok(events)
        }
        C::PromoteToMajorIncident { type_id } => {
            let old = state.fields.ticket_type.ok_or(TicketError::NotCreated)?;
            if old.kind == TicketKind::MajorIncident {
                return Err(TicketError::AlreadyMajorIncident);
            }
            Ok(vec![TicketEvent::TypeChanged(Change {
                old,
                new: TicketTypeRef {
                    type_id: *type_id,
                    kind: TicketKind::MajorIncident,
                },
            })])
        }
        C::RequestApproval(r) => {
            require_fresh(state, [r.approval_id])?;
            approval::request(
                NewApproval {
                    approval_id: r.approval_id,
                    kind: ApprovalKind::Predefined(r.template_id),
                    description: &r.description,
                    description_required: false,
                    voters: r.voters.clone(),
                    rule: r.rule,
                    expires_at: r.expires_at,
                },
                ctx.now,
            )
        }
        C::RequestSpontaneousApproval {
            approval_id,
            voter_id,
            description,
            expires_at,
        } => {
            require_fresh(state, [*approval_id])?;
            approval::request(
                NewApproval {
                    approval_id: *approval_id,
                    kind: ApprovalKind::Spontaneous,
                    description,
                    description_required: true,
                    voters: [*voter_id].into(),
                    rule: ApprovalRule::Any,
                    expires_at: *expires_at,
                },
                ctx.now,
            )
        }
        C::AddVoter {
            approval_id,
            voter_id,
        } => approval::add_voter(&state.approvals, *approval_id, *voter_id),
        C::Vote {
            approval_id,
            voter_id,
            decision,
            note,
        } => approval::vote(
            &state.approvals,
            *approval_id,
            *voter_id,
            *decision,
            note.as_deref(),
        ),
        C::CancelApproval { approval_id } => approval::cancel(&state.approvals, *approval_id),
        C::ExpireApproval { approval_id } => {
            approval::expire(&state.approvals, *approval_id, ctx.now)
        }
        C::LogTime {
            entry_id,
            user_id,
            from,
            to,
            category_id,
            comment,
        } => {
            if let Some(from) = *from {
                if from >= *to {
                    return Err(TicketError::EmptyTimeRange { from, to: *to });
                }
            }
            require_fresh(state, [*entry_id])?;
            Ok(vec![TicketEvent::TimeLogged(TimeLogged {
                entry_id: *entry_id,
                user_id: *user_id,
                from: *from,
                to: *to,
                category_id: *category_id,
                comment: optional("comment", comment.as_deref(), LONG_MAX)?,
            })])
        }
        C::EditTimeEntry(edit) => edit_time_entry(state, edit, ctx),
        C::DeleteTimeEntry { entry_id } => {
            if !state.time_entries.contains_key(entry_id) {
                return Err(TicketError::TimeEntryNotFound {
                    entry_id: *entry_id,
                });
            }
            Ok(vec![TicketEvent::TimeEntryDeleted(TimeEntryDeleted {
                entry_id: *entry_id,
            })])
        }
        _ => Ok(Vec::new()),
    }
}

/// A correction of a live time entry: by its own user, or by anyone the edge marked as allowed
/// to edit any entry (agents, admins). A deleted entry is refused as such; unchanged values
/// write nothing.
fn edit_time_entry(
    state: &TicketState,
    edit: &EditTimeEntry,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    let entry_id = edit.entry_id;
    let Some(entry) = state.time_entries.get(&entry_id) else {
        return Err(if state.used_ids.contains(&entry_id) {
            TicketError::TimeEntryDeleted { entry_id }
        } else {
            TicketError::TimeEntryNotFound { entry_id }
        });
    };
    let own = ctx.actor == crate::ids::Actor::User(entry.user_id);
    if !edit.any_entry && !own {
        return Err(TicketError::NotTimeEntryAuthor { entry_id });
    }
    let old = TimeEntryValues {
        user_id: entry.user_id,
        from: entry.from,
        to: entry.to,
        category_id: entry.category_id,
        comment: entry.comment.clone(),
    };
    let comment = match &edit.comment {
        Some(c) => optional("comment", c.as_deref(), LONG_MAX)?,
        None => old.comment.clone(),
    };
    let new = TimeEntryValues {
        user_id: edit.user_id.unwrap_or(old.user_id),
        from: edit.from.unwrap_or(old.from),
        to: edit.to.unwrap_or(old.to),
        category_id: edit.category_id.unwrap_or(old.category_id),
        comment,
    };
    if let Some(from) = new.from {
        if from >= new.to {
            return Err(TicketError::EmptyTimeRange { from, to: new.to });
        }
    }
    if new == old {
        return Ok(Vec::new());
    }
    Ok(vec![TicketEvent::TimeEntryEdited(TimeEntryEdited {
        entry_id,
        old,
        new,
    })])
}

fn require_resolved(current: StatusRef) -> Result<(), TicketError> {
    if current.category == StatusCategory::Resolved {
        Ok(())
    } else {
        Err(TicketError::NoSolutionPending {
            category: current.category,
        })
    }
}

/// The closure details, then the move to the closed status.
fn decide_close(
    state: &TicketState,
    close: &CloseTicket,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    require_category(&close.status, StatusCategory::Closed)?;
    let mut events = vec![TicketEvent::ClosureRecorded(ClosureRecorded {
        reason: close.reason,
        closure_code_id: close.closure_code_id,
        comments: optional("comments", close.comments.as_deref(), LONG_MAX)?,
        requester_acknowledged: close.requester_acknowledged,
        requester_comments: optional(
            "requester_comments",
            close.requester_comments.as_deref(),
            LONG_MAX,
        )?,
    })];
    events.extend(change_status(state, &plain(close.status), None, ctx)?);
    Ok(events)
}

fn reopen(
    state: &TicketState,
    status: &StatusRef,
    comment: Option<&str>,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    let current = require_exists(state)?;
    match current.category {
        StatusCategory::Cancelled => return Err(TicketError::Cancelled),
        StatusCategory::Resolved | StatusCategory::Closed | StatusCategory::Rejected => {}
        category => return Err(TicketError::NotReopenable { category }),
    }
    if !is_starting(status.category) {
        return Err(TicketError::NotAReopenStatus {
            given: status.category,
        });
    }
    let comment = optional("comment", comment, LONG_MAX)?;
    change_status(state, &plain(*status), comment, ctx)
}

fn trash(
    state: &TicketState,
    command: &TicketCommand,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    let mark = LifecycleMark { at: ctx.now };
    match (state.lifecycle, command) {
        (TicketLifecycle::NotCreated, _) => Err(TicketError::NotCreated),
        (TicketLifecycle::Purged, _) => Err(TicketError::Purged),
        (TicketLifecycle::Active, TicketCommand::Trash) => Ok(vec![TicketEvent::Trashed(mark)]),
        (TicketLifecycle::Trashed, TicketCommand::Trash) => Err(TicketError::InTrash),
        (TicketLifecycle::Trashed, TicketCommand::Restore) => Ok(vec![TicketEvent::Restored(mark)]),
        (TicketLifecycle::Trashed, TicketCommand::Purge) => Ok(vec![TicketEvent::Purged(mark)]),
        (TicketLifecycle::Active, _) => Err(TicketError::NotInTrash),
        (TicketLifecycle::Trashed, _) => Err(TicketError::InTrash),
    }
}

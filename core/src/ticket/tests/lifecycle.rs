//! Close, reopen, cancel, reject, resolution, solutions, promotion, trash, time tracking.

use ulid::Ulid;

use crate::ids::Timestamp;
use crate::ticket::commands::{CloseTicket, TicketCommand};
use crate::ticket::error::TicketError;
use crate::ticket::events::{
    Change, ClosureRecorded, LifecycleMark, ResolutionChange, SolutionAccepted, SolutionRejected,
    StatusChange, TicketEvent, TimeEntryDeleted, TimeLogged,
};
use crate::ticket::state::TicketLifecycle;
use crate::ticket::testkit::*;
use crate::ticket::types::{ClosedReason, TicketKind, TicketTypeRef};
use crate::ticket::StatusCategory;

use super::{cancel, change_status, close};

fn moved(from: StatusCategory, to: StatusCategory, comment: Option<&str>) -> TicketEvent {
    TicketEvent::StatusChanged(StatusChange {
        old: status(from),
        old_waiting_for: None,
        new: status(to),
        waiting_for: None,
        comment: comment.map(str::to_owned),
    })
}

fn accept(rating: u8, comment: Option<&str>) -> TicketCommand {
    TicketCommand::AcceptSolution {
        rating,
        comment: comment.map(str::to_owned),
        closed_status: status(StatusCategory::Closed),
    }
}

fn reject_solution(reason: &str) -> TicketCommand {
    TicketCommand::RejectSolution {
        reason: reason.into(),
        reopen_status: status(StatusCategory::Open),
    }
}

fn resolved() -> Given {
    given_created().after(change_status(StatusCategory::Resolved))
}

pub(super) fn log_time(from: Option<Timestamp>, to: Timestamp) -> TicketCommand {
    TicketCommand::LogTime {
        entry_id: Ulid(700),
        user_id: AGENT,
        from,
        to,
        category_id: None,
        comment: Some("fixed".into()),
    }
}

#[test]
fn close_records_the_closure_then_the_status() {
    let close = TicketCommand::Close(Box::new(CloseTicket {
        status: status(StatusCategory::Closed),
        reason: ClosedReason::Manual,
        closure_code_id: Some(Ulid(45)),
        comments: Some("Reset the password".into()),
        requester_acknowledged: Some(true),
        requester_comments: None,
    }));
    let state = given_created().when(close).then(vec![
        TicketEvent::ClosureRecorded(ClosureRecorded {
            reason: ClosedReason::Manual,
            closure_code_id: Some(Ulid(45)),
            comments: Some("Reset the password".into()),
            requester_acknowledged: Some(true),
            requester_comments: None,
        }),
        moved(StatusCategory::New, StatusCategory::Closed, None),
    ]);
    assert!(state.is_final());
}

#[test]
fn close_needs_a_closed_status() {
    let close = TicketCommand::Close(Box::new(CloseTicket {
        status: status(StatusCategory::Resolved),
        reason: ClosedReason::Manual,
        closure_code_id: None,
        comments: None,
        requester_acknowledged: None,
        requester_comments: None,
    }));
    given_created()
        .when(close)
        .then_err(TicketError::WrongStatusCategory {
            expected: StatusCategory::Closed,
            given: StatusCategory::Resolved,
        });
}

#[test]
fn a_closed_ticket_is_not_closed_again() {
    given_created()
        .after(close())
        .when(close())
        .then_err(TicketError::Closed {
            category: StatusCategory::Closed,
        });
}

#[test]
fn reopen_a_closed_ticket() {
    let state = given_created()
        .after(close())
        .when(TicketCommand::Reopen {
            status: status(StatusCategory::Open),
            comment: Some("still broken".into()),
        })
        .then(vec![moved(
            StatusCategory::Closed,
            StatusCategory::Open,
            Some("still broken"),
        )]);
    assert_eq!(state.reopen_count, 1);
}

#[test]
fn reopen_needs_a_starting_status() {
    given_created()
        .after(close())
        .when(TicketCommand::Reopen {
            status: status(StatusCategory::Pending),
            comment: None,
        })
        .then_err(TicketError::NotAReopenStatus {
            given: StatusCategory::Pending,
        });
}

#[test]
fn an_open_ticket_is_not_reopened() {
    given_created()
        .when(TicketCommand::Reopen {
            status: status(StatusCategory::Open),
            comment: None,
        })
        .then_err(TicketError::NotReopenable {
            category: StatusCategory::New,
        });
}

#[test]
fn a_cancelled_ticket_is_not_reopened() {
    given_created()
        .after(cancel())
        .when(TicketCommand::Reopen {
            status: status(StatusCategory::Open),
            comment: None,
        })
        .then_err(TicketError::Cancelled);
}

#[test]
fn cancel_with_a_comment() {
    given_created()
        .when(TicketCommand::Cancel {
            status: status(StatusCategory::Cancelled),
            comment: Some("duplicate".into()),
        })
        .then(vec![moved(
            StatusCategory::New,
            StatusCategory::Cancelled,
            Some("duplicate"),
        )]);
}

#[test]
fn cancel_needs_a_cancelled_status() {
    given_created()
        .when(TicketCommand::Cancel {
            status: status(StatusCategory::Closed),
            comment: None,
        })
        .then_err(TicketError::WrongStatusCategory {
            expected: StatusCategory::Cancelled,
            given: StatusCategory::Closed,
        });
}

#[test]
fn a_cancelled_ticket_is_not_cancelled_again() {
    given_created()
        .after(cancel())
        .when(cancel())
        .then_err(TicketError::Cancelled);
}

#[test]
fn reject_a_ticket_and_reopen_it() {
    let reject = TicketCommand::Reject {
        status: status(StatusCategory::Rejected),
        comment: None,
    };
    given_created().when(reject.clone()).then(vec![moved(
        StatusCategory::New,
        StatusCategory::Rejected,
        None,
    )]);
    given_created()
        .after(reject)
        .when(TicketCommand::Reopen {
            status: status(StatusCategory::New),
            comment: None,
        })
        .then_events();
}

#[test]
fn reject_needs_a_rejected_status() {
    given_created()
        .when(TicketCommand::Reject {
            status: status(StatusCategory::Open),
            comment: None,
        })
        .then_err(TicketError::WrongStatusCategory {
            expected: StatusCategory::Rejected,
            given: StatusCategory::Open,
        });
}

#[test]
fn set_and_edit_the_resolution() {
    let set = |text: &str| TicketCommand::SetResolution {
        text: text.into(),
        propagate: false,
    };
    given_created()
        .after(set("v1"))
        .when(set("v2"))
        .then(vec![TicketEvent::ResolutionChanged(ResolutionChange {
            old: Some("v1".into()),
            new: "v2".into(),
            propagate: false,
        })]);
    given_created()
        .after(set("v1"))
        .when(set("v1"))
        .then_nothing();
    given_created()
        .when(set(" "))
        .then_err(TicketError::Empty { field: "text" });
    given_created()
        .when(TicketCommand::SetResolution {
            text: "x".into(),
            propagate: true,
        })
        .then_err(TicketError::NoLinkedTickets);
}

#[test]
fn accepting_the_solution_rates_and_closes() {
    let state = resolved().when(accept(5, None)).then(vec![
        TicketEvent::SolutionAccepted(SolutionAccepted {
            comment_id: None,
            rating: 5,
            comment: None,
        }),
        TicketEvent::ClosureRecorded(ClosureRecorded {
            reason: ClosedReason::SolutionAccepted,
            closure_code_id: None,
            comments: None,
            requester_acknowledged: Some(true),
            requester_comments: None,
        }),
        moved(StatusCategory::Resolved, StatusCategory::Closed, None),
    ]);
    assert_eq!(state.rating, Some(5));
    assert_eq!(state.category(), Some(StatusCategory::Closed));
}

#[test]
fn a_rating_is_between_1_and_5() {
    for rating in [0, 6, 255] {
        resolved()
            .when(accept(rating, Some("x")))
            .then_err(TicketError::RatingOutOfRange { rating });
    }
}

#[test]
fn a_rating_below_4_needs_a_comment() {
    resolved()
        .when(accept(3, None))
        .then_err(TicketError::CommentRequiredForRating { rating: 3 });
    resolved()
        .when(accept(3, Some("   ")))
        .then_err(TicketError::CommentRequiredForRating { rating: 3 });
    resolved().when(accept(3, Some("slow"))).then_events();
}

#[test]
fn no_solution_to_accept_or_reject_unless_resolved() {
    given_created()
        .when(accept(5, None))
        .then_err(TicketError::NoSolutionPending {
            category: StatusCategory::New,
        });
    given_created()
        .when(reject_solution("no"))
        .then_err(TicketError::NoSolutionPending {
            category: StatusCategory::New,
        });
}

#[test]
fn accepting_needs_a_closed_status() {
    resolved()
        .when(TicketCommand::AcceptSolution {
            rating: 5,
            comment: None,
            closed_status: status(StatusCategory::Open),
        })
        .then_err(TicketError::WrongStatusCategory {
            expected: StatusCategory::Closed,
            given: StatusCategory::Open,
        });
}

#[test]
fn rejecting_the_solution_reopens_with_the_reason() {
    resolved().when(reject_solution(" not fixed ")).then(vec![
        TicketEvent::SolutionRejected(SolutionRejected {
            comment_id: None,
            reason: "not fixed".into(),
        }),
        moved(
            StatusCategory::Resolved,
            StatusCategory::Open,
            Some("not fixed"),
        ),
    ]);
}

#[test]
fn rejecting_the_solution_needs_a_reason_and_a_reopen_status() {
    resolved()
        .when(reject_solution(""))
        .then_err(TicketError::Empty { field: "reason" });
    resolved()
        .when(TicketCommand::RejectSolution {
            reason: "no".into(),
            reopen_status: status(StatusCategory::Closed),
        })
        .then_err(TicketError::NotAReopenStatus {
            given: StatusCategory::Closed,
        });
}

#[test]
fn promote_to_major_incident() {
    let promote = TicketCommand::PromoteToMajorIncident {
        type_id: MAJOR_TYPE,
    };
    let major = TicketTypeRef {
        type_id: MAJOR_TYPE,
        kind: TicketKind::MajorIncident,
    };
    given_created()
        .when(promote.clone())
        .then(vec![TicketEvent::TypeChanged(Change {
            old: incident(),
            new: major,
        })]);
    given_created()
        .after(promote.clone())
        .when(promote)
        .then_err(TicketError::AlreadyMajorIncident);
}

#[test]
fn trash_restore_and_purge() {
    let mark = LifecycleMark { at: NOW };
    given_created()
        .when(TicketCommand::Trash)
        .then(vec![TicketEvent::Trashed(mark.clone())]);
    let state = given_created()
        .after(TicketCommand::Trash)
        .when(TicketCommand::Restore)
        .then(vec![TicketEvent::Restored(mark.clone())]);
    assert_eq!(state.lifecycle, TicketLifecycle::Active);
    let state = given_created()
        .after(TicketCommand::Trash)
        .when(TicketCommand::Purge)
        .then(vec![TicketEvent::Purged(mark)]);
    assert_eq!(state.lifecycle, TicketLifecycle::Purged);
}

#[test]
fn a_closed_ticket_may_go_to_the_trash() {
    given_created()
        .after(close())
        .when(TicketCommand::Trash)
        .then_events();
}

#[test]
fn trash_refusals() {
    given_created()
        .after(TicketCommand::Trash)
        .when(TicketCommand::Trash)
        .then_err(TicketError::InTrash);
    given_created()
        .when(TicketCommand::Restore)
        .then_err(TicketError::NotInTrash);
    given_created()
        .when(TicketCommand::Purge)
        .then_err(TicketError::NotInTrash);
    given(&[])
        .when(TicketCommand::Trash)
        .then_err(TicketError::NotCreated);
    given_created()
        .after(TicketCommand::Trash)
        .after(TicketCommand::Purge)
        .when(TicketCommand::Restore)
        .then_err(TicketError::Purged);
}

#[test]
fn a_trashed_ticket_is_restored_before_anything_else() {
    given_created()
        .after(TicketCommand::Trash)
        .when(close())
        .then_err(TicketError::InTrash);
}

#[test]
fn log_and_delete_time() {
    let from = Timestamp(NOW.0 - 3_600_000_000);
    given_created()
        .when(log_time(Some(from), NOW))
        .then(vec![TicketEvent::TimeLogged(TimeLogged {
            entry_id: Ulid(700),
            user_id: AGENT,
            from: Some(from),
            to: NOW,
            category_id: None,
            comment: Some("fixed".into()),
        })]);
    let state = given_created()
        .after(log_time(None, NOW))
        .when(TicketCommand::DeleteTimeEntry {
            entry_id: Ulid(700),
        })
        .then(vec![TicketEvent::TimeEntryDeleted(TimeEntryDeleted {
            entry_id: Ulid(700),
        })]);
    assert!(state.time_entries.is_empty());
}

#[test]
fn a_time_entry_ends_after_it_starts() {
    given_created()
        .when(log_time(Some(NOW), NOW))
        .then_err(TicketError::EmptyTimeRange { from: NOW, to: NOW });
}

#[test]
fn deleting_an_unknown_time_entry_is_refused() {
    given_created()
        .when(TicketCommand::DeleteTimeEntry {
            entry_id: Ulid(700),
        })
        .then_err(TicketError::TimeEntryNotFound {
            entry_id: Ulid(700),
        });
}

#[test]
fn no_time_is_logged_on_a_closed_ticket() {
    given_created()
        .after(close())
        .when(log_time(None, NOW))
        .then_err(TicketError::Closed {
            category: StatusCategory::Closed,
        });
}

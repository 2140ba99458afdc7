//! Given/when/then tests of the ticket aggregate: one test per business rule, refusals
//! included, grouped by area.

mod approvals;
mod assignment;
mod codec;
mod conversation;
mod create_update;
mod lifecycle;
mod relations;
mod status;
mod time;

use super::commands::TicketCommand;
use super::testkit::status;
use super::StatusCategory;

/// `ChangeStatus` to the fixture status of `category`, without reason or comment.
fn change_status(category: StatusCategory) -> TicketCommand {
    TicketCommand::ChangeStatus {
        target: super::testkit::target(category),
        comment: None,
    }
}

/// `Close` to the fixture closed status, manual, without details.
fn close() -> TicketCommand {
    TicketCommand::Close(Box::new(super::commands::CloseTicket {
        status: status(StatusCategory::Closed),
        reason: super::types::ClosedReason::Manual,
        closure_code_id: None,
        comments: None,
        requester_acknowledged: None,
        requester_comments: None,
    }))
}

/// `Cancel` to the fixture cancelled status.
fn cancel() -> TicketCommand {
    TicketCommand::Cancel {
        status: status(StatusCategory::Cancelled),
        comment: None,
    }
}

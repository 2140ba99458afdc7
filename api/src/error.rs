//! The one error shape of the native API, `{"error": {"code", "message", "field"}}`, and the
//! single place where typed errors become HTTP statuses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use ledgerdesk_core::command::CommandError;
use ledgerdesk_core::directory::user::UserError;
use ledgerdesk_core::directory::CommonError;
use ledgerdesk_core::ticket::TicketError;
use ledgerdesk_core::StoreError;
use serde::Serialize;

/// An error answered to a client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code (`invalid_input`, `not_found`, `version_conflict`...).
    pub code: &'static str,
    /// A readable explanation.
    pub message: String,
    /// The input field at fault, when there is one.
    pub field: Option<String>,
}

/// The error body, for the OpenAPI document (the server writes it through [`ApiError`]).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The parts of an error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    pub code: String,
    /// Readable explanation.
    pub message: String,
    /// The input field at fault.
    pub field: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
            },
        })
    }
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 400 with code `invalid_input`.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", message)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: authenticated, but not allowed.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 503 `not_caught_up`: the read models did not reach the position the caller asked to
    /// read (its own write) in time; retrying shortly usually succeeds.
    pub fn not_caught_up(wait: &ledgerdesk_projections::WaitError) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_caught_up",
            wait.to_string(),
        )
        .with_field("min_position")
    }

    /// A read model's failure: 503 `loading` while the model loads or rebuilds its index
    /// (transient: ask again), 500 for anything else.
    pub fn read_model(context: &str, e: ledgerdesk_projections::ProjectionError) -> ApiError {
        match e {
            ledgerdesk_projections::ProjectionError::Loading(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "loading", e.to_string())
            }
            e => ApiError::internal(context, e),
        }
    }

    /// 500, logged with its cause; the client gets no internals.
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(context, cause = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("internal error while {context}"),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match &e {
            StoreError::Conflict { .. } => {
                ApiError::new(StatusCode::CONFLICT, "version_conflict", e.to_string())
            }
            StoreError::UniqueViolation { scope, .. } => {
                ApiError::new(StatusCode::CONFLICT, "already_taken", e.to_string())
                    .with_field(scope.clone())
            }
            StoreError::NotHolder { .. } | StoreError::IdempotencyMismatch { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            StoreError::InvalidAppend(_) => ApiError::invalid(e.to_string()),
            StoreError::Unavailable(_) | StoreError::Io { .. } | StoreError::Closed => {
                tracing::error!(error = %e, "the store refuses writes");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    e.to_string(),
                )
            }
            StoreError::Corrupt { .. } | StoreError::Codec(_) => {
                ApiError::internal("reading the log", &e)
            }
        }
    }
}

/// How a domain refusal maps to HTTP: implemented once per domain error type.
pub trait Refusal: std::error::Error {
    /// The status, code and field for this refusal.
    fn to_api(&self) -> ApiError;
}

impl Refusal for CommonError {
    fn to_api(&self) -> ApiError {
        let message = self.to_string();
        match self {
            CommonError::Empty { field }
            | CommonError::TooLong { field, .. }
            | CommonError::Invalid { field, .. }
            | CommonError::SelfReference { field } => ApiError::invalid(message).with_field(*field),
            CommonError::NotFound => ApiError::not_found(message),
            CommonError::AlreadyExists => {
                ApiError::new(StatusCode::CONFLICT, "already_exists", message)
            }
            CommonError::Deleted => ApiError::new(StatusCode::GONE, "deleted", message),
            CommonError::StillReferenced { .. } | CommonError::HasChildren { .. } => {
                ApiError::new(StatusCode::CONFLICT, "still_referenced", message)
            }
            CommonError::Cycle { .. } => ApiError::invalid(message).with_field("parent_id"),
            CommonError::AlreadyLinked { .. } | CommonError::NotLinked { .. } => {
                ApiError::new(StatusCode::CONFLICT, "link_conflict", message)
            }
        }
    }
}

impl Refusal for UserError {
    fn to_api(&self) -> ApiError {
        match self {
            UserError::Common(c) => c.to_api(),
            other => ApiError::new(StatusCode::CONFLICT, "refused", other.to_string()),
        }
    }
}

/// Ticket refusals: bad input is 400 (with the field), a missing ticket or part of one is 404,
/// a purged ticket 410, and a rule of the ticket's state (closed, in the trash, transition not
/// allowed...) 409, each with its own stable code. The match is exhaustive on purpose: a new
/// rule in the domain must be given its status here.
impl Refusal for TicketError {
    fn to_api(&self) -> ApiError {
        use TicketError as T;
        let message = self.to_string();
        let conflict = |code| ApiError::new(StatusCode::CONFLICT, code, message.clone());
        let bad = |field: &str| ApiError::invalid(message.clone()).with_field(field);
        match self {
            T::Empty { field }
            | T::TooLong { field, .. }
            | T::Invalid { field, .. }
            | T::SelfReference { field } => bad(field),
            T::InitialStatusNotAllowed { .. }
            | T::WrongStatusCategory { .. }
            | T::NotAReopenStatus { .. }
            | T::SolutionNeedsResolvedStatus => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_status", message.clone())
                    .with_field("status_id")
            }
            T::WaitingReasonRequired
            | T::WaitingReasonWithoutWaiting { .. }
            | T::WaitUntilInPast { .. } => bad("waiting_for"),
            T::NothingToAssign => bad("agent_id"),
            T::RatingOutOfRange { .. } => bad("rating"),
            T::CommentRequiredForRating { .. } => bad("comment"),
            T::NoVoters => bad("voters"),
            T::QuorumOutOfRange { .. } => bad("quorum"),
            T::ExpiryInPast { .. } => bad("expires_at"),
            T::EmptyTimeRange { .. } => bad("to"),
            T::NotCreated
            | T::ReplyNotFound { .. }
            | T::NoteNotFound { .. }
            | T::AttachmentNotFound { .. }
            | T::ExternalLinkNotFound { .. }
            | T::ApprovalNotFound { .. }
            | T::TimeEntryNotFound { .. } => ApiError::not_found(message.clone()),
            T::Purged => ApiError::new(StatusCode::GONE, "purged", message.clone()),
            T::AlreadyCreated => conflict("already_exists"),
            T::InTrash => conflict("in_trash"),
            T::NotInTrash => conflict("not_in_trash"),
            T::Closed { .. } => conflict("ticket_closed"),
            T::Cancelled => conflict("ticket_cancelled"),
            T::IdAlreadyUsed { .. } => conflict("id_already_used"),
            T::TransitionNotAllowed { .. } => conflict("transition_not_allowed"),
            T::NotReopenable { .. } => conflict("not_reopenable"),
            T::NotAssigned => conflict("not_assigned"),
            T::AssignedToSomeoneElse { .. } => conflict("assigned_to_someone_else"),
            T::ActorNotAUser => conflict("actor_not_a_user"),
            T::MessageDeleted { .. } => conflict("message_deleted"),
            T::TimeEntryDeleted { .. } => conflict("time_entry_deleted"),
            T::NotTimeEntryAuthor { .. } => ApiError::forbidden(message.clone()),
            T::ReplyIsSolution { .. } => conflict("reply_is_solution"),
            T::NoLinkedTickets => conflict("no_linked_tickets"),
            T::AlreadyPresent { .. }
            | T::NotPresent { .. }
            | T::AlreadyLinked { .. }
            | T::NotLinked { .. }
            | T::NotAssociated { .. } => conflict("link_conflict"),
            T::NoSolutionPending { .. } => conflict("no_solution_pending"),
            T::AlreadyMajorIncident => conflict("already_major_incident"),
            T::ApprovalClosed { .. } | T::ApprovalNotDue { .. } => conflict("approval_closed"),
            T::NotAVoter { .. } | T::AlreadyVoted { .. } | T::AlreadyAVoter { .. } => {
                conflict("vote_conflict")
            }
        }
    }
}

impl<E: Refusal> From<CommandError<E>> for ApiError {
    fn from(e: CommandError<E>) -> ApiError {
        match e {
            CommandError::Rejected(refusal) => refusal.to_api(),
            CommandError::VersionMismatch { .. } => {
                ApiError::new(StatusCode::CONFLICT, "version_conflict", e.to_string())
                    .with_field("If-Match")
            }
            CommandError::Contention(_) => {
                ApiError::new(StatusCode::CONFLICT, "contention", e.to_string())
            }
            CommandError::Store(s) => s.into(),
            CommandError::Codec(c) => ApiError::internal("decoding a stream", c),
        }
    }
}

/// JSON body errors (malformed, unknown fields, wrong types, too large) as our shape.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than {limit} bytes"),
        ),
        J::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ),
        J::Deserialize(d) => {
            let message = d.to_string();
            let field = message
                .split('`')
                .nth(1)
                .filter(|_| message.contains("field"))
                .map(str::to_owned);
            let mut e = ApiError::invalid(message);
            e.field = field;
            e
        }
        other => ApiError::invalid(other.to_string()),
    };
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Query-string errors as our shape.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let api = ApiError::invalid(err.to_string());
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Path-segment errors as our shape.
pub fn path_error(
    err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let api = ApiError::invalid(err.to_string());
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

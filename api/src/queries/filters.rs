//! The filter parameters of the ticket list, shared by `GET /api/tickets` and
//! `GET /api/tickets/count`: one declaration of the parameters ([`ticket_filter_query!`]) and
//! one reading of them ([`ticket_filter`]), so that a count always takes exactly the filters
//! the list takes and means the same by them.

use ledgerdesk_core::ticket::StatusCategory;
use ledgerdesk_core::StreamKind;
use ledgerdesk_projections::views::TicketFilter;
use ulid::Ulid;

use crate::auth::{Caller, Role};
use crate::commands::parse_id;
use crate::error::ApiError;

/// Declares a query struct with the ticket list's filter parameters followed by the fields
/// given, and its `filter(&self, &Caller)` that reads them with [`ticket_filter`]. The struct
/// must derive `Deserialize` and `utoipa::IntoParams` (the filter fields carry their serde and
/// `param` attributes).
macro_rules! ticket_filter_query {
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            $( $(#[$fattr:meta])* $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$attr])*
        pub struct $name {
            /// A status of the catalogue.
            status: Option<String>,
            /// A status category (`new`, `open`, `in_progress`, ... `rejected`).
            status_category: Option<String>,
            /// A group, or `none`.
            group: Option<String>,
            /// An agent, `none` or `me`.
            agent: Option<String>,
            /// A requester (requesters may only name themselves).
            requester: Option<String>,
            /// A priority, or `none`.
            priority: Option<String>,
            /// A ticket type.
            #[serde(rename = "type")]
            #[param(rename = "type")]
            ticket_type: Option<String>,
            /// A tag.
            tag: Option<String>,
            /// A category at any level of the ticket's path, or `none`.
            category: Option<String>,
            /// A location, or `none`.
            location: Option<String>,
            /// An urgency, or `none`.
            urgency: Option<String>,
            /// An impact, or `none`.
            impact: Option<String>,
            /// The closure code of the latest closure, or `none`.
            closure_code: Option<String>,
            /// The trash instead of the active tickets.
            trashed: Option<bool>,
            $( $(#[$fattr])* $field: $ty, )*
        }

        impl $name {
            /// The filter these parameters ask for, as `caller` may ask it.
            fn filter(
                &self,
                caller: &$crate::auth::Caller,
            ) -> Result<
                ::ledgerdesk_projections::views::TicketFilter,
                $crate::error::ApiError,
            > {
                $crate::queries::filters::ticket_filter(
                    &$crate::queries::filters::FilterParams {
                        status: self.status.as_deref(),
                        status_category: self.status_category.as_deref(),
                        group: self.group.as_deref(),
                        agent: self.agent.as_deref(),
                        requester: self.requester.as_deref(),
                        priority: self.priority.as_deref(),
                        ticket_type: self.ticket_type.as_deref(),
                        tag: self.tag.as_deref(),
                        category: self.category.as_deref(),
                        location: self.location.as_deref(),
                        urgency: self.urgency.as_deref(),
                        impact: self.impact.as_deref(),
                        closure_code: self.closure_code.as_deref(),
                        trashed: self.trashed,
                    },
                    caller,
                )
            }
        }
    };
}
pub(crate) use ticket_filter_query;

/// The raw filter parameters of a ticket query, as the client sent them.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FilterParams<'a> {
    pub status: Option<&'a str>,
    pub status_category: Option<&'a str>,
    pub group: Option<&'a str>,
    pub agent: Option<&'a str>,
    pub requester: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub ticket_type: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub category: Option<&'a str>,
    pub location: Option<&'a str>,
    pub urgency: Option<&'a str>,
    pub impact: Option<&'a str>,
    pub closure_code: Option<&'a str>,
    pub trashed: Option<bool>,
}

/// The filter `params` ask for. Ids are `kind-ULID` or ULIDs; `none` asks for tickets without
/// one (`agent=none`: unassigned), and `agent=me` for the caller's. A requester's filter is
/// always restricted to their own tickets (naming another requester is a 403).
pub(crate) fn ticket_filter(
    params: &FilterParams<'_>,
    caller: &Caller,
) -> Result<TicketFilter, ApiError> {
    let agent = match params.agent {
        Some(me) if me.eq_ignore_ascii_case("me") => Some(Some(caller.user_id)),
        other => opt_id(other, StreamKind::User, "agent")?,
    };
    let mut requester = id(params.requester, StreamKind::User, "requester")?;
    if caller.role == Role::Requester {
        if requester.is_some_and(|r| r != caller.user_id) {
            return Err(
                ApiError::forbidden("requesters list their own tickets only")
                    .with_field("requester"),
            );
        }
        requester = Some(caller.user_id);
    }
    Ok(TicketFilter {
        status: id(params.status, StreamKind::Status, "status")?,
        status_category: params.status_category.map(category).transpose()?,
        group: opt_id(params.group, StreamKind::Group, "group")?,
        agent,
        requester,
        priority: opt_id(params.priority, StreamKind::Priority, "priority")?,
        ticket_type: id(params.ticket_type, StreamKind::TicketType, "type")?,
        tag: id(params.tag, StreamKind::Tag, "tag")?,
        category: opt_id(params.category, StreamKind::Category, "category")?,
        location: opt_id(params.location, StreamKind::Location, "location")?,
        urgency: opt_id(params.urgency, StreamKind::Urgency, "urgency")?,
        impact: opt_id(params.impact, StreamKind::Impact, "impact")?,
        closure_code: opt_id(params.closure_code, StreamKind::ClosureCode, "closure_code")?,
        trashed: params.trashed.unwrap_or(false),
        ..TicketFilter::default()
    })
}

/// An optional-id filter value: an id, or `none` for "not set".
fn opt_id(
    input: Option<&str>,
    kind: StreamKind,
    field: &str,
) -> Result<Option<Option<Ulid>>, ApiError> {
    match input {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("none") => Ok(Some(None)),
        Some(v) => parse_id(v, kind, field).map(|id| Some(Some(id))),
    }
}

fn id(input: Option<&str>, kind: StreamKind, field: &str) -> Result<Option<Ulid>, ApiError> {
    input.map(|v| parse_id(v, kind, field)).transpose()
}

fn category(input: &str) -> Result<StatusCategory, ApiError> {
    StatusCategory::ALL
        .into_iter()
        .find(|c| snake(&format!("{c:?}")) == input.to_ascii_lowercase())
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "{input:?} is not a status category (new, open, in_progress, pending, waiting, \
                 resolved, closed, cancelled, rejected)"
            ))
            .with_field("status_category")
        })
}

/// `InProgress` → `in_progress`.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role) -> Caller {
        Caller {
            user_id: Ulid::new(),
            role,
            grants: Default::default(),
            token_id: Ulid::new(),
        }
    }

    #[test]
    fn categories_are_read_in_snake_case_and_unknown_ones_name_the_field() {
        assert_eq!(
            category("in_progress").ok(),
            Some(StatusCategory::InProgress)
        );
        assert_eq!(category("Closed").ok(), Some(StatusCategory::Closed));
        let err = category("done").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("status_category"));
    }

    #[test]
    fn me_none_and_ids_are_read_and_a_bad_id_names_its_field() {
        let agent = caller(Role::Agent);
        let group = Ulid::new();
        let group_text = format!("group-{group}");
        let filter = ticket_filter(
            &FilterParams {
                agent: Some("me"),
                priority: Some("none"),
                group: Some(&group_text),
                trashed: Some(true),
                ..FilterParams::default()
            },
            &agent,
        )
        .unwrap();
        assert_eq!(filter.agent, Some(Some(agent.user_id)));
        assert_eq!(filter.priority, Some(None));
        assert_eq!(filter.group, Some(Some(group)));
        assert!(filter.trashed);
        assert_eq!(filter.requester, None);
        let err = ticket_filter(
            &FilterParams {
                tag: Some("group-01ARZ3NDEKTSV4RRFFQ69G5FAV"),
                ..FilterParams::default()
            },
            &agent,
        )
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("tag"));
    }

    #[test]
    fn a_requester_is_held_to_their_own_tickets() {
        let requester = caller(Role::Requester);
        let own = ticket_filter(&FilterParams::default(), &requester).unwrap();
        assert_eq!(own.requester, Some(requester.user_id));
        let other = Ulid::new().to_string();
        let err = ticket_filter(
            &FilterParams {
                requester: Some(&other),
                ..FilterParams::default()
            },
            &requester,
        )
        .unwrap_err();
        assert_eq!(err.status, actix_web::http::StatusCode::FORBIDDEN);
        assert_eq!(err.field.as_deref(), Some("requester"));
    }
}

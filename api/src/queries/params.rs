//! Reading the query parameters of the report routes (SLA, counts, statistics, audit): named
//! values of a closed set, moments, page sizes. Each refusal is a 400 naming its field, so a
//! client learns what to fix and nothing is read.

use chrono::NaiveDate;
use ledgerdesk_core::Timestamp;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApiError;

/// The value of a closed set called `input` (its serde name: `first_response`, `priority`,
/// `status_category`...); 400 on `field` listing the names otherwise.
pub(crate) fn named<T: DeserializeOwned + Serialize + Copy>(
    input: &str,
    field: &str,
    all: &[T],
) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(input.trim().to_owned())).map_err(|_| {
        let names: Vec<String> = all.iter().filter_map(|v| name_of(v)).collect();
        ApiError::invalid(format!("{input:?} is not one of: {}", names.join(", ")))
            .with_field(field)
    })
}

/// The serde name of a value of a closed set.
pub(crate) fn name_of<T: Serialize>(value: &T) -> Option<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Some(name),
        _ => None,
    }
}

/// A moment: RFC 3339 (`2026-11-24T16:00:00Z`), or a `YYYY-MM-DD` date for the start of that
/// UTC day; 400 on `field` otherwise.
pub(crate) fn instant(input: &str, field: &str) -> Result<Timestamp, ApiError> {
    let input = input.trim();
    if let Ok(moment) = chrono::DateTime::parse_from_rfc3339(input) {
        return Ok(Timestamp(moment.timestamp_micros()));
    }
    NaiveDate::parse_from_str(input, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|start| Timestamp(start.and_utc().timestamp_micros()))
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "{input:?} is not an RFC 3339 moment or a YYYY-MM-DD date"
            ))
            .with_field(field)
        })
}

/// A page size: `default` when absent, else 1 to `max`; 400 on `limit` otherwise.
pub(crate) fn limit(input: Option<usize>, default: usize, max: usize) -> Result<usize, ApiError> {
    let limit = input.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::invalid(format!("limit must be between 1 and {max}")).with_field("limit"))
    }
}

/// Refuses a range whose start comes after its end (400 on `from`).
pub(crate) fn ordered<T: PartialOrd>(from: T, to: T) -> Result<(), ApiError> {
    if from > to {
        Err(ApiError::invalid("from is after to").with_field("from"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerdesk_projections::sla::{GroupBy, SlaKind};

    #[test]
    fn closed_sets_are_read_by_their_serde_names() {
        assert_eq!(
            named("next_update", "kind", &SlaKind::ALL).ok(),
            Some(SlaKind::NextUpdate)
        );
        let all = [GroupBy::Priority, GroupBy::Group, GroupBy::Agent];
        let err = named("team", "by", &all).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("by"));
        assert!(
            err.message.contains("priority, group, agent"),
            "{}",
            err.message
        );
    }

    #[test]
    fn moments_are_rfc_3339_or_dates_and_anything_else_names_its_field() {
        let at = instant("1970-01-01T00:00:01Z", "as_of").unwrap();
        assert_eq!(at, Timestamp(1_000_000));
        let day = instant("1970-01-02", "from").unwrap();
        assert_eq!(day, Timestamp(86_400_000_000));
        let offset = instant("1970-01-01T01:00:00+01:00", "to").unwrap();
        assert_eq!(offset, Timestamp(0));
        for bad in ["yesterday", "2026-13-01", "", "1700000000"] {
            let err = instant(bad, "to").unwrap_err();
            assert_eq!(err.field.as_deref(), Some("to"), "{bad}");
        }
    }

    #[test]
    fn limits_and_ranges_are_checked() {
        assert_eq!(limit(None, 25, 100).ok(), Some(25));
        assert_eq!(limit(Some(100), 25, 100).ok(), Some(100));
        for bad in [0, 101] {
            let err = limit(Some(bad), 25, 100).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("limit"));
        }
        assert!(ordered(1, 1).is_ok());
        assert_eq!(ordered(2, 1).unwrap_err().field.as_deref(), Some("from"));
    }
}

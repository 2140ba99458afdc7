//! Time travel: the state of one aggregate as of a log position or a moment, as a fold of its
//! stream up to that point. The replay tool and the API both answer through this one function,
//! so an auditor's `ledgerdesk-replay ticket` and the API agree exactly.

use crate::aggregate::Aggregate;
use crate::codec::{CodecError, DomainEvent};
use crate::envelope::RecordedEvent;
use crate::ids::{StreamId, Timestamp};
use crate::store::{EventStore, StoreError};

/// Where to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cutoff {
    /// Everything durable now.
    Head,
    /// Events at or before this log position.
    Position(u64),
    /// Events recorded at or before this moment.
    Time(Timestamp),
}

impl Cutoff {
    /// The cutoff a caller asked for: an RFC 3339 moment, or a log position, or now.
    pub fn parse(as_of: Option<&str>, at_position: Option<u64>) -> Result<Cutoff, String> {
        match (as_of, at_position) {
            (Some(_), Some(_)) => Err("give a moment or a position, not both".to_owned()),
            (Some(t), None) => chrono::DateTime::parse_from_rfc3339(t)
                .map(|m| Cutoff::Time(Timestamp(m.timestamp_micros())))
                .map_err(|e| {
                    format!("{t:?} is not an RFC 3339 moment like 2026-11-24T10:00:00Z: {e}")
                }),
            (None, Some(p)) => Ok(Cutoff::Position(p)),
            (None, None) => Ok(Cutoff::Head),
        }
    }

    fn admits(self, record: &RecordedEvent) -> bool {
        match self {
            Cutoff::Head => true,
            Cutoff::Position(p) => record.position <= p,
            Cutoff::Time(t) => record.recorded_at <= t,
        }
    }
}

/// An aggregate as of a cutoff, with the events that made it.
#[derive(Debug, Clone)]
pub struct AsOf<A: Aggregate> {
    /// The folded state (`Default` when the stream had no event yet).
    pub state: A::State,
    /// The stream's version at the cutoff (0: not created yet).
    pub version: u64,
    /// The position of the last event folded (0: none).
    pub position: u64,
    /// The events folded, in order, with their decoded payloads.
    pub events: Vec<(RecordedEvent, A::Event)>,
}

/// One line of a timeline: who did what, when, at which position.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelineEntry<E> {
    /// Log position.
    pub position: u64,
    /// Stream version.
    pub version: u64,
    /// When it was recorded (UTC microseconds).
    pub recorded_at_us: i64,
    /// `system` or `user-ULID`.
    pub actor: String,
    /// The event type.
    pub event_type: String,
    /// The event, with its field-level old and new values.
    pub event: E,
}

/// What the replay tool prints and the API answers for "this entity as of then".
#[derive(Debug, Clone, serde::Serialize)]
pub struct Snapshot<S, E> {
    /// `kind-ULID`.
    pub stream: String,
    /// The stream version at the cutoff.
    pub version: u64,
    /// The position of the last event folded.
    pub position: u64,
    /// The state.
    pub state: S,
    /// Every event up to the cutoff.
    pub timeline: Vec<TimelineEntry<E>>,
}

impl<A: Aggregate> AsOf<A> {
    /// The serialisable view of this answer.
    pub fn snapshot(&self, stream: StreamId) -> Snapshot<A::State, A::Event> {
        Snapshot {
            stream: stream.to_string(),
            version: self.version,
            position: self.position,
            state: self.state.clone(),
            timeline: self
                .events
                .iter()
                .map(|(r, e)| TimelineEntry {
                    position: r.position,
                    version: r.version,
                    recorded_at_us: r.recorded_at.0,
                    actor: r.actor.to_string(),
                    event_type: r.event_type.clone(),
                    event: e.clone(),
                })
                .collect(),
        }
    }
}

/// Why a time-travel question could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum TimeTravelError {
    /// The log could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event of the stream does not decode.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

/// A ticket reference that does not name a ticket.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Not a number, `ticket-ULID` or ULID.
    #[error("{0:?} is not a ticket number, ticket-ULID or ULID")]
    Invalid(String),
    /// No ticket has that number.
    #[error("no ticket number {0}")]
    UnknownNumber(u64),
    /// The log could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Resolves what users type for a ticket: its number (`1001`), `ticket-ULID`, or the ULID.
pub async fn resolve_ticket<S: EventStore + ?Sized>(
    store: &S,
    id: &str,
) -> Result<StreamId, ResolveError> {
    use crate::ids::StreamKind;
    if let Ok(number) = id.parse::<u64>() {
        return store
            .stream_by_number(StreamKind::Ticket, number)
            .await?
            .ok_or(ResolveError::UnknownNumber(number));
    }
    let stream = id
        .parse::<StreamId>()
        .or_else(|_| ulid::Ulid::from_string(id).map(|u| StreamId::new(StreamKind::Ticket, u)))
        .map_err(|_| ResolveError::Invalid(id.to_owned()))?;
    if stream.kind != StreamKind::Ticket {
        return Err(ResolveError::Invalid(id.to_owned()));
    }
    Ok(stream)
}

/// Folds `stream` up to `cutoff`.
pub async fn as_of<A, S>(
    store: &S,
    stream: StreamId,
    cutoff: Cutoff,
) -> Result<AsOf<A>, TimeTravelError>
where
    A: Aggregate,
    S: EventStore + ?Sized,
{
    const CHUNK: usize = 1_000;
    let mut state = A::State::default();
    let (mut version, mut position) = (0, 0);
    let mut events = Vec::new();
    'read: loop {
        let records = store.read_stream(stream, version + 1, CHUNK).await?;
        let done = records.len() < CHUNK;
        for record in records {
            // Positions and recorded_at never decrease along a stream: the first event past
            // the cutoff ends the fold.
            if !cutoff.admits(&record) {
                break 'read;
            }
            let event = A::Event::from_recorded(&record)?;
            state = A::evolve(state, &event);
            version = record.version;
            position = record.position;
            events.push((record, event));
        }
        if done {
            break;
        }
    }
    Ok(AsOf {
        state,
        version,
        position,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::CommandContext;
    use crate::command::{CommandOptions, CommandService};
    use crate::directory::setting::{SettingAggregate, SettingCommand, SettingValue};
    use crate::ids::{Actor, StreamKind};
    use crate::store::{SledEventStore, StoreConfig};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn state_as_of_a_position_or_a_time_is_a_prefix_fold() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledEventStore::open(dir.path(), StoreConfig::default()).unwrap());
        let svc = CommandService::new(store.clone(), 4);
        let s = StreamId::generate(StreamKind::Setting);
        let mut positions = Vec::new();
        for value in 1..=3 {
            let ctx = CommandContext {
                actor: Actor::System,
                now: Timestamp::now(),
            };
            let set = SettingCommand::Set {
                name: "gen:x".into(),
                value: SettingValue::Integer(value),
            };
            positions.push(
                svc.execute::<SettingAggregate>(s, &set, &ctx, CommandOptions::default())
                    .await
                    .unwrap()
                    .position,
            );
        }
        let at = |cutoff| as_of::<SettingAggregate, _>(store.as_ref(), s, cutoff);
        let second = at(Cutoff::Position(positions[1])).await.unwrap();
        assert_eq!((second.version, second.position), (2, positions[1]));
        assert_eq!(second.state.value, Some(SettingValue::Integer(2)));
        assert_eq!(second.events.len(), 2);
        let before = at(Cutoff::Position(0)).await.unwrap();
        assert_eq!((before.version, before.state.value), (0, None));
        let now = at(Cutoff::Head).await.unwrap();
        assert_eq!(now.state.value, Some(SettingValue::Integer(3)));
        let first_time = now.events[0].0.recorded_at;
        let by_time = at(Cutoff::Time(first_time)).await.unwrap();
        assert!(by_time.version >= 1);
        assert!(by_time
            .events
            .iter()
            .all(|(r, _)| r.recorded_at <= first_time));
    }
}

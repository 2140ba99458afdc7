//! Byte formats: domain payloads, stored chunks of records, and the hash chain.
//!
//! Payloads and records are encoded with bincode 2 (serde, standard configuration), pinned at
//! `=2.0.1`. bincode is not self-describing, so a released event shape never changes: a change
//! is a new schema version of the event type plus an upcaster from the old one (see
//! [`DomainEvent::decode`]).
//!
//! Every value the store writes starts with one format tag byte ([`FORMAT_BINCODE_V1`]), so that
//! a later build (or the replay tool) can tell the format of any stored value and migrate the
//! log to another codec without guessing.
//!
//! The hash chain does not depend on the codec: [`record_hash`] hashes a canonical, hand-specified
//! byte layout of the record, so hashes stay verifiable after a migration or an export to JSON.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::envelope::{ClaimAction, RecordedEvent};
use crate::ids::Actor;

/// Format tag of a chunk of bincode-2 records (the only format so far).
pub const FORMAT_BINCODE_V1: u8 = 1;

/// Hash that the first record chains from.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// A payload or record that cannot be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// bincode refused to encode the value.
    #[error("cannot encode: {0}")]
    Encode(String),
    /// The bytes do not decode as the expected type.
    #[error("cannot decode {what}: {detail}")]
    Decode {
        /// What was being decoded.
        what: String,
        /// The decoder's complaint.
        detail: String,
    },
    /// The value starts with a format tag this build does not know.
    #[error("unknown format tag {0}")]
    UnknownFormat(u8),
    /// An event type this build does not know.
    #[error("unknown event type {event_type:?}")]
    UnknownEventType {
        /// The stored type name.
        event_type: String,
    },
    /// A schema version with no decoder or upcaster.
    #[error("event type {event_type:?} has no schema version {schema_version}")]
    UnknownSchemaVersion {
        /// The stored type name.
        event_type: String,
        /// The stored version.
        schema_version: u16,
    },
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes a payload (or any value) with the pinned bincode configuration.
pub fn encode_payload<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| CodecError::Encode(e.to_string()))
}

/// Decodes a payload encoded by [`encode_payload`]; trailing bytes are an error.
pub fn decode_payload<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, read) =
        bincode::serde::decode_from_slice(bytes, config()).map_err(|e| CodecError::Decode {
            what: std::any::type_name::<T>().to_owned(),
            detail: e.to_string(),
        })?;
    if read != bytes.len() {
        return Err(CodecError::Decode {
            what: std::any::type_name::<T>().to_owned(),
            detail: format!("{} trailing bytes", bytes.len() - read),
        });
    }
    Ok(value)
}

/// A domain event enum that the store can carry.
///
/// Each variant has a stable type name and a current schema version. `decode` accepts every
/// schema version ever released for a type, upcasting old shapes to the current one, so a log
/// written by any earlier build replays to the same state.
pub trait DomainEvent: Sized {
    /// The stable type name of this event, e.g. `ticket.created`.
    fn event_type(&self) -> &'static str;
    /// The schema version this build writes for this event's type.
    fn schema_version(&self) -> u16;
    /// The payload bytes (current schema version).
    fn encode(&self) -> Result<Vec<u8>, CodecError>;
    /// Decodes a stored payload of any released schema version of `event_type`.
    fn decode(event_type: &str, schema_version: u16, payload: &[u8]) -> Result<Self, CodecError>;

    /// Wraps this event for an append, with its unique event id.
    fn to_new_event(&self, event_id: ulid::Ulid) -> Result<crate::NewEvent, CodecError> {
        Ok(crate::NewEvent {
            event_id,
            event_type: self.event_type().to_owned(),
            schema_version: self.schema_version(),
            payload: self.encode()?,
        })
    }

    /// Decodes the payload of a recorded event.
    fn from_recorded(record: &RecordedEvent) -> Result<Self, CodecError> {
        Self::decode(&record.event_type, record.schema_version, &record.payload)
    }
}

/// The BLAKE3 hash of `record` chained on `prev_hash`.
///
/// The input is a canonical layout independent of the storage codec: `prev_hash` (32 bytes),
/// then every envelope field except the hash, integers little-endian with fixed width, ULIDs as
/// 16 big-endian bytes, optional values as a 0/1 byte then the value, strings and byte strings
/// as a u32 length then the bytes, lists as a u32 count then their items. `docs/STORE.md` spells
/// it out field by field.
pub fn record_hash(prev_hash: &[u8; 32], record: &RecordedEvent) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(prev_hash);
    h.update(&record.position.to_le_bytes());
    h.update(&record.stream.to_bytes());
    h.update(&record.version.to_le_bytes());
    h.update(&record.event_id.to_bytes());
    h.update(&record.recorded_at.0.to_le_bytes());
    match record.actor {
        Actor::System => h.update(&[0]),
        Actor::User(id) => h.update(&[1]).update(&id.to_bytes()),
    };
    h.update(&record.correlation_id.to_bytes());
    match record.causation_id {
        None => h.update(&[0]),
        Some(id) => h.update(&[1]).update(&id.to_bytes()),
    };
    hash_bytes(&mut h, record.event_type.as_bytes());
    h.update(&record.schema_version.to_le_bytes());
    hash_bytes(&mut h, &record.payload);
    h.update(&(record.claims.len() as u32).to_le_bytes());
    for claim in &record.claims {
        h.update(&[match claim.action {
            ClaimAction::Claim => 1,
            ClaimAction::Release => 2,
        }]);
        hash_bytes(&mut h, claim.scope.as_bytes());
        hash_bytes(&mut h, claim.value.as_bytes());
    }
    *h.finalize().as_bytes()
}

fn hash_bytes(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u32).to_le_bytes());
    h.update(bytes);
}

/// Encodes consecutive records as one stored chunk value.
///
/// Layout: format tag (1 byte), record count (u16 LE), one u32 LE end offset per record
/// (relative to the start of the record area), then the bincode records back to back. The
/// offsets let a reader decode one record of a chunk without decoding the others.
pub fn encode_chunk(records: &[RecordedEvent]) -> Result<Vec<u8>, CodecError> {
    let count = u16::try_from(records.len())
        .map_err(|_| CodecError::Encode(format!("{} records in one chunk", records.len())))?;
    let header = 3 + 4 * records.len();
    let mut out = vec![0u8; header];
    out[0] = FORMAT_BINCODE_V1;
    out[1..3].copy_from_slice(&count.to_le_bytes());
    for (i, record) in records.iter().enumerate() {
        bincode::serde::encode_into_std_write(record, &mut out, config())
            .map_err(|e| CodecError::Encode(e.to_string()))?;
        let end = u32::try_from(out.len() - header)
            .map_err(|_| CodecError::Encode("chunk over 4 GiB".to_owned()))?;
        out[3 + 4 * i..7 + 4 * i].copy_from_slice(&end.to_le_bytes());
    }
    Ok(out)
}

/// A stored chunk, checked for shape, whose records decode on demand.
pub struct ChunkView<'a> {
    offsets: &'a [u8],
    body: &'a [u8],
    count: usize,
}

impl<'a> ChunkView<'a> {
    /// Checks the tag and the offset table of a stored chunk.
    pub fn parse(bytes: &'a [u8]) -> Result<ChunkView<'a>, CodecError> {
        let bad = |detail: &str| CodecError::Decode {
            what: "chunk".to_owned(),
            detail: detail.to_owned(),
        };
        let (&tag, rest) = bytes.split_first().ok_or_else(|| bad("empty value"))?;
        if tag != FORMAT_BINCODE_V1 {
            return Err(CodecError::UnknownFormat(tag));
        }
        if rest.len() < 2 {
            return Err(bad("truncated header"));
        }
        let count = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let rest = &rest[2..];
        if count == 0 || rest.len() < 4 * count {
            return Err(bad("truncated offset table"));
        }
        let (offsets, body) = rest.split_at(4 * count);
        let view = ChunkView {
            offsets,
            body,
            count,
        };
        let mut prev = 0usize;
        for i in 0..count {
            let end = view.end(i);
            if end < prev || end > body.len() {
                return Err(bad("offsets out of order or out of bounds"));
            }
            prev = end;
        }
        if prev != body.len() {
            return Err(bad("trailing bytes after the last record"));
        }
        Ok(view)
    }

    fn end(&self, i: usize) -> usize {
        let o = &self.offsets[4 * i..4 * i + 4];
        u32::from_le_bytes([o[0], o[1], o[2], o[3]]) as usize
    }

    /// How many records the chunk holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the chunk is empty (never, for a chunk that parsed).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Decodes the `i`-th record.
    pub fn record(&self, i: usize) -> Result<RecordedEvent, CodecError> {
        let start = if i == 0 { 0 } else { self.end(i - 1) };
        decode_payload(&self.body[start..self.end(i)])
    }

    /// Decodes every record.
    pub fn records(&self) -> Result<Vec<RecordedEvent>, CodecError> {
        (0..self.count).map(|i| self.record(i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::UniqueClaim;
    use crate::ids::{StreamId, StreamKind, Timestamp};
    use proptest::prelude::*;
    use ulid::Ulid;

    fn arb_record() -> impl Strategy<Value = RecordedEvent> {
        (
            1u64..u64::MAX,
            1u64..1_000_000,
            any::<u128>(),
            any::<i64>(),
            proptest::option::of(any::<u128>()),
            "[a-z.]{1,30}",
            any::<u16>(),
            proptest::collection::vec(any::<u8>(), 0..300),
            proptest::collection::vec(("[a-z.]{1,10}", ".{0,20}", any::<bool>()), 0..3),
        )
            .prop_map(
                |(position, version, id, at, causation, event_type, sv, payload, claims)| {
                    RecordedEvent {
                        position,
                        stream: StreamId::new(StreamKind::Ticket, Ulid(id)),
                        version,
                        event_id: Ulid(id.wrapping_add(1)),
                        recorded_at: Timestamp(at),
                        actor: if id % 2 == 0 {
                            Actor::System
                        } else {
                            Actor::User(Ulid(id))
                        },
                        correlation_id: Ulid(id.wrapping_mul(3)),
                        causation_id: causation.map(Ulid),
                        event_type,
                        schema_version: sv,
                        payload,
                        claims: claims
                            .into_iter()
                            .map(|(scope, value, c)| UniqueClaim {
                                scope,
                                value,
                                action: if c {
                                    ClaimAction::Claim
                                } else {
                                    ClaimAction::Release
                                },
                            })
                            .collect(),
                        hash: [7; 32],
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn chunks_round_trip(records in proptest::collection::vec(arb_record(), 1..20)) {
            let bytes = encode_chunk(&records).unwrap();
            let view = ChunkView::parse(&bytes).unwrap();
            prop_assert_eq!(view.len(), records.len());
            prop_assert_eq!(view.records().unwrap(), records.clone());
            for (i, r) in records.iter().enumerate() {
                prop_assert_eq!(&view.record(i).unwrap(), r);
            }
        }

        #[test]
        fn truncated_or_garbage_chunks_never_panic(
            records in proptest::collection::vec(arb_record(), 1..5),
            cut in any::<prop::sample::Index>(),
            garbage in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let bytes = encode_chunk(&records).unwrap();
            let cut = cut.index(bytes.len());
            if let Ok(view) = ChunkView::parse(&bytes[..cut]) {
                let _ = view.records();
            }
            if let Ok(view) = ChunkView::parse(&garbage) {
                let _ = view.records();
            }
        }

        #[test]
        fn any_changed_field_changes_the_hash(record in arb_record(), flip in 0usize..6) {
            let before = record_hash(&GENESIS_HASH, &record);
            let mut changed = record.clone();
            match flip {
                0 => changed.position ^= 1,
                1 => changed.version ^= 1,
                2 => changed.recorded_at.0 ^= 1,
                3 => changed.payload.push(0),
                4 => changed.schema_version ^= 1,
                _ => changed.event_type.push('x'),
            }
            prop_assert_ne!(before, record_hash(&GENESIS_HASH, &changed));
            prop_assert_ne!(before, record_hash(&[1; 32], &record));
        }
    }

    /// An event type that went through a schema change: v1 had only a name, v2 adds a reason.
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct RenamedV1 {
        name: String,
    }
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Renamed {
        name: String,
        reason: Option<String>,
    }
    impl DomainEvent for Renamed {
        fn event_type(&self) -> &'static str {
            "example.renamed"
        }
        fn schema_version(&self) -> u16 {
            2
        }
        fn encode(&self) -> Result<Vec<u8>, CodecError> {
            encode_payload(self)
        }
        fn decode(event_type: &str, version: u16, payload: &[u8]) -> Result<Self, CodecError> {
            match (event_type, version) {
                ("example.renamed", 1) => {
                    let old: RenamedV1 = decode_payload(payload)?;
                    Ok(Renamed {
                        name: old.name,
                        reason: None,
                    })
                }
                ("example.renamed", 2) => decode_payload(payload),
                ("example.renamed", v) => Err(CodecError::UnknownSchemaVersion {
                    event_type: event_type.to_owned(),
                    schema_version: v,
                }),
                _ => Err(CodecError::UnknownEventType {
                    event_type: event_type.to_owned(),
                }),
            }
        }
    }

    #[test]
    fn old_schema_versions_are_upcast_to_the_current_shape() {
        let v1 = encode_payload(&RenamedV1 {
            name: "old".to_owned(),
        })
        .unwrap();
        assert_eq!(
            Renamed::decode("example.renamed", 1, &v1).unwrap(),
            Renamed {
                name: "old".to_owned(),
                reason: None
            }
        );
        let current = Renamed {
            name: "new".to_owned(),
            reason: Some("typo".to_owned()),
        };
        let event = current.to_new_event(ulid::Ulid::new()).unwrap();
        assert_eq!(event.schema_version, 2);
        assert_eq!(
            Renamed::decode(&event.event_type, 2, &event.payload).unwrap(),
            current
        );
        assert!(matches!(
            Renamed::decode("example.renamed", 3, &event.payload),
            Err(CodecError::UnknownSchemaVersion {
                schema_version: 3,
                ..
            })
        ));
        assert!(matches!(
            Renamed::decode("example.other", 1, &v1),
            Err(CodecError::UnknownEventType { .. })
        ));
    }

    #[test]
    fn unknown_format_tag_is_refused() {
        assert!(matches!(
            ChunkView::parse(&[9, 1, 0]),
            Err(CodecError::UnknownFormat(9))
        ));
    }

    #[test]
    fn payload_trailing_bytes_are_refused() {
        let mut bytes = encode_payload(&(1u32, "x")).unwrap();
        bytes.push(0);
        assert!(decode_payload::<(u32, String)>(&bytes).is_err());
    }
}

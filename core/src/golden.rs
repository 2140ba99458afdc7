//! Golden event examples: one frozen encoding of every released event type, per domain, under
//! `core/tests/fixtures/golden-events/`. Each line is `type schema_version payload_hex`, written
//! by the build that released the type. Every later build must decode each line and encode it
//! back to the same bytes, so a changed event shape (which would break stored logs) fails here.
//!
//! A new event type has no line yet: the test fails until someone runs the tests once with
//! `LEDGERDESK_BLESS_GOLDEN=1` and commits the appended lines. Existing lines are never
//! rewritten.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::io::Write;
use std::path::PathBuf;

use crate::codec::DomainEvent;

fn path(domain: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/golden-events")
        .join(format!("{domain}.txt"))
}

/// Checks `samples` (one or more of each event type of `E`) against the golden file of
/// `domain`, appending missing types when blessing.
pub(crate) fn check<E: DomainEvent + PartialEq + Debug>(domain: &str, samples: &[E]) {
    let file = path(domain);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let mut frozen = BTreeSet::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut parts = line.split(' ');
        let (Some(event_type), Some(version), Some(hex_payload)) =
            (parts.next(), parts.next(), parts.next())
        else {
            panic!("{}: malformed line {line:?}", file.display());
        };
        let version: u16 = version.parse().expect("schema version");
        let bytes = hex::decode(hex_payload).expect("hex payload");
        let event = E::decode(event_type, version, &bytes)
            .unwrap_or_else(|e| panic!("golden {event_type} v{version} no longer decodes: {e}"));
        if version == event.schema_version() {
            assert_eq!(
                event.encode().expect("encodes"),
                bytes,
                "golden {event_type} v{version} encodes differently: its shape changed"
            );
        }
        frozen.insert((event_type.to_owned(), version));
    }
    let bless = std::env::var("LEDGERDESK_BLESS_GOLDEN").is_ok_and(|v| v == "1");
    let mut missing = Vec::new();
    let mut seen = BTreeSet::new();
    for sample in samples {
        let key = (sample.event_type().to_owned(), sample.schema_version());
        if frozen.contains(&key) || !seen.insert(key.clone()) {
            continue;
        }
        missing.push(format!(
            "{} {} {}",
            key.0,
            key.1,
            hex::encode(sample.encode().expect("encodes"))
        ));
    }
    if missing.is_empty() {
        return;
    }
    assert!(
        bless,
        "{} has no golden example for {} event type(s), e.g. {:?}; run the tests once with \
         LEDGERDESK_BLESS_GOLDEN=1 and commit the file",
        file.display(),
        missing.len(),
        missing[0].split(' ').next()
    );
    std::fs::create_dir_all(file.parent().expect("fixture dir")).expect("create fixture dir");
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .expect("open golden file");
    if text.is_empty() {
        writeln!(
            out,
            "# event_type schema_version payload_hex: frozen; append only"
        )
        .expect("write");
    }
    for line in missing {
        writeln!(out, "{line}").expect("write");
    }
}

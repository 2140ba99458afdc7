use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::overlay::Layer;

fn tree(db: &sled::Db) -> sled::Tree {
    db.open_tree("model").unwrap()
}

fn all(stored: &Stored) -> Vec<(Vec<u8>, Vec<u8>)> {
    stored
        .scan(Bound::Unbounded, Bound::Unbounded, false)
        .collect::<Result<_, _>>()
        .unwrap()
}

/// One step of a model's storage: a stored layer, a rebuild-style merge, a new image, or a
/// reopen (as after a crash or a restart).
#[derive(Debug, Clone)]
enum Step {
    Persist(Vec<(Vec<u8>, Option<Vec<u8>>)>),
    Image,
    Reopen,
}

fn step() -> impl Strategy<Value = Step> {
    let key = proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(0u8)], 0..4);
    let value = proptest::option::weighted(0.75, proptest::collection::vec(any::<u8>(), 0..40));
    prop_oneof![
        6 => proptest::collection::vec((key, value), 0..30).prop_map(Step::Persist),
        1 => Just(Step::Image),
        2 => Just(Step::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever the order of deltas, images and reopenings, the records read back are what
    /// one map with every write applied in order holds, and the checkpoint is the last one
    /// persisted. Tiny segments make every image several segments long.
    #[test]
    fn deltas_images_and_reopens_keep_exactly_the_written_records(
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let mut stored = Stored::new(tree(&db));
        let mut expected: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut position = 0u64;
        for step in steps {
            match step {
                Step::Persist(writes) => {
                    position += 1;
                    let layer: Layer = writes.into_iter().collect();
                    for (k, v) in &layer {
                        match v {
                            Some(v) => expected.insert(k.clone(), v.clone()),
                            None => expected.remove(k),
                        };
                    }
                    stored.persist(&layer, position).unwrap();
                }
                Step::Image => stored.write_image_in_segments_of(position, 16).unwrap(),
                Step::Reopen => stored = Stored::new(tree(&db)),
            }
            let want: Vec<_> = expected.clone().into_iter().collect();
            prop_assert_eq!(all(&stored), want);
            prop_assert_eq!(crate::changes::checkpoint(stored.tree()).unwrap(), position);
        }
        // No segment of an old image and no delta an image includes is left behind.
        stored.write_image(position).unwrap();
        let left: Vec<u8> = stored.tree().iter().keys().map(|k| k.unwrap()[0]).collect();
        prop_assert!(left.iter().all(|&b| b == SEGMENT || b == 0xFF), "{:?}", left);
    }
}

/// A tree of the earlier layout (a sled key per record) reads as it is and is converted to
/// an image on load, keeping its checkpoint.
#[test]
fn a_tree_of_the_key_per_record_layout_is_read_and_converted() {
    let db = sled::Config::new().temporary(true).open().unwrap();
    let old = tree(&db);
    old.insert(b"\x00t/1", &b"one"[..]).unwrap();
    old.insert(b"\x00t/2", &b"two"[..]).unwrap();
    old.insert(CHECKPOINT_KEY, &9u64.to_be_bytes()[..]).unwrap();
    let stored = Stored::new(old);
    assert_eq!(stored.get(b"t/2").unwrap(), Some(b"two".to_vec()));
    assert!(stored.tree().scan_prefix([LEGACY]).next().is_none());
    assert!(stored.tree().get(IMAGE_KEY).unwrap().is_some());
    assert_eq!(crate::changes::checkpoint(stored.tree()).unwrap(), 9);
    let reopened = Stored::new(tree(&db));
    assert_eq!(
        all(&reopened),
        vec![
            (b"t/1".to_vec(), b"one".to_vec()),
            (b"t/2".to_vec(), b"two".to_vec())
        ]
    );
}

/// What a crash leaves while a new image is written (its segments, not yet pointed at) is
/// ignored and removed on load; a missing segment of the current image or a damaged delta is
/// an error, never a silently different model.
#[test]
fn unreferenced_segments_are_dropped_and_damage_is_reported() {
    let db = sled::Config::new().temporary(true).open().unwrap();
    let stored = Stored::new(tree(&db));
    let layer: Layer = [(b"k".to_vec(), Some(b"v".to_vec()))].into_iter().collect();
    stored.persist(&layer, 1).unwrap();
    stored.write_image(1).unwrap();
    let t = stored.tree().clone();
    t.insert(
        segment_key(7, 0),
        &[FORMAT, 1, 0, 0, 0, b'x', 0, 0, 0, 0][..],
    )
    .unwrap();
    let reopened = Stored::new(t.clone());
    assert_eq!(all(&reopened), vec![(b"k".to_vec(), b"v".to_vec())]);
    assert!(t.get(segment_key(7, 0)).unwrap().is_none());

    t.insert(delta_key(5), &[FORMAT, 9, 0, 0, 0][..]).unwrap();
    assert!(matches!(
        Stored::new(t.clone()).get(b"k"),
        Err(ProjectionError::Inconsistent(_))
    ));
    t.remove(delta_key(5)).unwrap();
    t.remove(segment_key(1, 0)).unwrap();
    assert!(matches!(
        Stored::new(t).get(b"k"),
        Err(ProjectionError::Inconsistent(_))
    ));
}

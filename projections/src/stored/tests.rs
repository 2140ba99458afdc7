use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::overlay::Layer;

/// A model's tree and directory, reopened as often as a test likes.
struct Place {
    db: sled::Db,
    dir: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        Place {
            db: sled::Config::new().temporary(true).open().unwrap(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn open(&self) -> Stored {
        Stored::new(
            self.db.open_tree("model").unwrap(),
            self.dir.path().to_path_buf(),
        )
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn all(stored: &Stored) -> Vec<(Vec<u8>, Vec<u8>)> {
    stored
        .scan(Bound::Unbounded, Bound::Unbounded, false)
        .collect::<Result<_, _>>()
        .unwrap()
}

type Writes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// One step of a model's storage: a stored layer, a new image covering all but the last
/// few deltas, with a layer stored while its file is written (as a live model's stores go on
/// beside a background image), or a reopen (as after a crash or a restart).
#[derive(Debug, Clone)]
enum Step {
    Persist(Writes),
    Image { all_but: u64, meanwhile: Writes },
    Reopen,
}

fn step() -> impl Strategy<Value = Step> {
    let key = proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(0u8)], 0..4);
    // Values large enough, now and then, for a delta to take several pieces.
    let value = proptest::option::weighted(
        0.75,
        prop_oneof![
            8 => proptest::collection::vec(any::<u8>(), 0..40),
            1 => proptest::collection::vec(any::<u8>(), DELTA_PIECE_BYTES / 3..DELTA_PIECE_BYTES / 2),
        ],
    );
    let writes = proptest::collection::vec((key, value), 0..30);
    prop_oneof![
        6 => writes.clone().prop_map(Step::Persist),
        2 => (0..3u64, writes).prop_map(|(all_but, meanwhile)| Step::Image { all_but, meanwhile }),
        2 => Just(Step::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Whatever the order of deltas, images and reopenings, the records read back are what
    /// one map with every write applied in order holds, the checkpoint is the last one
    /// persisted, and only the current image's file is left. An image that already holds the
    /// writes of deltas it does not cover (they stay, and are applied over it) reads back the
    /// same.
    #[test]
    fn deltas_images_and_reopens_keep_exactly_the_written_records(
        steps in proptest::collection::vec(step(), 1..30),
    ) {
        let place = Place::new();
        let mut stored = place.open();
        let mut expected: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut position = 0u64;
        for step in steps {
            let mut store = |stored: &Stored, writes: Writes| {
                position += 1;
                let layer: Layer = writes.into_iter().collect();
                for (k, v) in &layer {
                    match v {
                        Some(v) => expected.insert(k.clone(), v.clone()),
                        None => expected.remove(k),
                    };
                }
                stored.persist(&layer, position).unwrap();
            };
            match step {
                Step::Persist(writes) => store(&stored, writes),
                Step::Image { all_but, meanwhile } => {
                    stored.load().unwrap();
                    let covers = stored.layout().next_delta.saturating_sub(all_but);
                    stored
                        .write_image_covering_then(covers, None, || store(&stored, meanwhile))
                        .unwrap();
                }
                Step::Reopen => stored = place.open(),
            }
            let want: Vec<_> = expected.clone().into_iter().collect();
            prop_assert_eq!(all(&stored), want);
            prop_assert_eq!(crate::changes::checkpoint(stored.tree()).unwrap(), position);
        }
        stored.write_image(position).unwrap();
        prop_assert!(stored.tree().scan_prefix([DELTA]).next().is_none(), "deltas left");
        prop_assert_eq!(place.files().len(), 1);
        let want: Vec<_> = expected.into_iter().collect();
        prop_assert_eq!(all(&place.open()), want);
    }
}

/// A tree of the earlier layout (a sled key per record) reads as it is and is converted to
/// an image on load, keeping its checkpoint.
#[test]
fn a_tree_of_the_key_per_record_layout_is_read_and_converted() {
    let place = Place::new();
    let old = place.db.open_tree("model").unwrap();
    old.insert(b"\x00t/1", &b"one"[..]).unwrap();
    old.insert(b"\x00t/2", &b"two"[..]).unwrap();
    old.insert(CHECKPOINT_KEY, &9u64.to_be_bytes()[..]).unwrap();
    let stored = place.open();
    assert_eq!(stored.get(b"t/2").unwrap(), Some(b"two".to_vec()));
    assert!(stored.tree().scan_prefix([LEGACY]).next().is_none());
    assert_eq!(place.files(), vec!["image-1".to_owned()]);
    assert_eq!(crate::changes::checkpoint(stored.tree()).unwrap(), 9);
    assert_eq!(
        all(&place.open()),
        vec![
            (b"t/1".to_vec(), b"one".to_vec()),
            (b"t/2".to_vec(), b"two".to_vec())
        ]
    );
}

/// What a crash leaves while a new image is written (a file no pointer names) is removed on
/// load; an image that is not the one recorded (damaged, cut, missing) or a damaged delta is
/// an error, never a silently different model.
#[test]
fn unreferenced_images_are_removed_and_damage_is_reported() {
    let place = Place::new();
    let stored = place.open();
    let layer: Layer = [(b"k".to_vec(), Some(b"v".to_vec()))].into_iter().collect();
    stored.persist(&layer, 1).unwrap();
    stored.write_image(1).unwrap();
    std::fs::write(place.dir.path().join("image-2"), b"half written").unwrap();
    assert_eq!(all(&place.open()), vec![(b"k".to_vec(), b"v".to_vec())]);
    assert_eq!(place.files(), vec!["image-1".to_owned()]);

    let tree = stored.tree().clone();
    tree.insert(delta_key(5, 0), &[FORMAT, 9, 0, 0, 0][..])
        .unwrap();
    assert!(matches!(
        place.open().get(b"k"),
        Err(ProjectionError::Inconsistent(_))
    ));
    tree.remove(delta_key(5, 0)).unwrap();
    // A delta whose first piece is missing.
    tree.insert(delta_key(5, 1), &[FORMAT][..]).unwrap();
    assert!(matches!(
        place.open().get(b"k"),
        Err(ProjectionError::Inconsistent(_))
    ));
    tree.remove(delta_key(5, 1)).unwrap();

    let image = place.dir.path().join("image-1");
    let mut bytes = std::fs::read(&image).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&image, &bytes).unwrap();
    assert!(matches!(
        place.open().get(b"k"),
        Err(ProjectionError::Inconsistent(_))
    ));
    std::fs::remove_file(&image).unwrap();
    assert!(matches!(
        place.open().get(b"k"),
        Err(ProjectionError::Storage(_))
    ));
}

/// A check reads and reports like a load, and writes nothing: a file no pointer names stays.
#[test]
fn a_check_reports_damage_and_writes_nothing() {
    let place = Place::new();
    let stored = place.open();
    let layer: Layer = [(b"k".to_vec(), Some(b"v".to_vec()))].into_iter().collect();
    stored.persist(&layer, 1).unwrap();
    stored.write_image(1).unwrap();
    std::fs::write(place.dir.path().join("image-9"), b"stray").unwrap();
    place.open().check().unwrap();
    assert_eq!(
        place.files(),
        vec!["image-1".to_owned(), "image-9".to_owned()]
    );
    stored
        .tree()
        .insert(delta_key(7, 0), &[FORMAT, 1][..])
        .unwrap();
    assert!(matches!(
        place.open().check(),
        Err(ProjectionError::Inconsistent(_))
    ));
}

/// A model storing deltas while background threads write images of it (a tiny threshold
/// makes that happen every few stores) reads back every write, live and after a reopen.
#[test]
fn images_written_in_the_background_while_stores_go_on_lose_nothing() {
    let place = Place::new();
    let tree = || place.db.open_tree("model").unwrap();
    let stored = Stored::compacting_from(tree(), place.dir.path().to_path_buf(), 2_000);
    let mut expected: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut images = 0;
    for position in 1..=400u64 {
        let mut layer = Layer::new();
        for i in 0..8u64 {
            let key = format!("k{}", (position * 7 + i * 13) % 97).into_bytes();
            let value =
                (position % 5 != 0).then(|| format!("{position}/{i}").repeat(8).into_bytes());
            layer.insert(key, value);
        }
        for (k, v) in &layer {
            match v {
                Some(v) => expected.insert(k.clone(), v.clone()),
                None => expected.remove(k),
            };
        }
        stored.persist(&layer, position).unwrap();
        images = images.max(stored.layout().image);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while stored.is_compacting() {
        assert!(
            std::time::Instant::now() < deadline,
            "an image never finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(images >= 2, "only {images} images were written");
    let want: Vec<_> = expected.into_iter().collect();
    assert_eq!(all(&stored), want);
    let reopened = Stored::new(tree(), place.dir.path().to_path_buf());
    assert_eq!(all(&reopened), want);
    assert_eq!(crate::changes::checkpoint(reopened.tree()).unwrap(), 400);
    assert_eq!(place.files().len(), 1);
}

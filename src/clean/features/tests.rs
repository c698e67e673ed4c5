use super::*;

fn read_named(text: &str) -> Read {
    let block = Block {
        text: text.to_string(),
        ..Block::default()
    };
    read(&block, &Rules::builtin().unwrap(), true)
}

#[test]
fn every_feature_id_is_the_hash_of_its_name() {
    // The trainer writes names; the reader computes ids without them. They must agree.
    let r = read_named(
        "Unterstützen Sie uns! We rely on readers like you: donate €5 at https://x.example \
         (c) 2024 — «Spenden» 12 May.",
    );
    let names = r.features.names.as_ref().unwrap();
    assert_eq!(names.len(), r.features.ids.len());
    for ((id, _), name) in r.features.ids.iter().zip(names) {
        assert_eq!(*id, feature_id(&[name]), "{name}");
    }
    for name in [
        "w:unterstützen",
        "b:^ unterstützen",
        "s:unter",
        "b:0 may",
        "b:may $",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }
}

#[test]
fn voice_appeal_words_and_marks_are_seen() {
    let r = read_named("We need you. Please donate today for just $5 — https://give.example");
    let names = r.features.names.unwrap();
    for name in [
        "voice:we+you",
        "appeal:any",
        "form:currency",
        "form:url",
        "end:word",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }
    assert_eq!(r.shape.words, 12);
}

#[test]
fn the_reader_computes_the_same_features_as_the_trainer() {
    // The reader builds no names, the trainer does: both must give each feature once, with
    // the same value, however often a word repeats.
    let text = "the the the cat and the dog and the cat: donate, donate, DONATE now 2024 2025";
    let block = Block {
        text: text.to_string(),
        ..Block::default()
    };
    let rules = Rules::builtin().unwrap();
    let sorted = |named: bool| {
        let mut ids = read(&block, &rules, named).features.ids;
        ids.sort_by_key(|(id, _)| *id);
        ids
    };
    let (reader, trainer) = (sorted(false), sorted(true));
    assert_eq!(reader, trainer);
    let w_the = feature_id(&["w:the"]);
    assert_eq!(reader.iter().filter(|(id, _)| *id == w_the).count(), 1);
}

//! Scores `tidings clean` on the labelled appeals corpus with the project's own scorer.

use std::path::Path;
use std::process::Command;

#[test]
fn appeals_corpus_hide_f1_is_at_least_095_with_no_article_block_lost() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scorer = root.join("../shared/tools/score_appeals.py");
    let corpus = root.join("../shared/corpus/appeals");
    assert!(
        scorer.is_file() && corpus.is_dir(),
        "missing ../shared/tools/score_appeals.py or ../shared/corpus/appeals"
    );
    let out = Command::new("python3")
        .arg(&scorer)
        .arg(&corpus)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_tidings"))
        .arg("clean")
        .output()
        .expect("python3 is needed to run the appeals scorer");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scorer failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    // "hide-F1 0.93, article blocks lost 2/310"
    let f1: f64 = last
        .strip_prefix("hide-F1 ")
        .and_then(|r| r.split(',').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the score from {last:?}"));
    let lost: usize = last
        .split("lost ")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("cannot read lost blocks from {last:?}"));
    println!("{stdout}");
    assert!(f1 >= 0.95, "hide-F1 {f1} < 0.95\n{stdout}");
    // The public set scores 1.00 today: a drop below that is a regression even while the
    // issue's bar (0.95) still holds.
    assert!(f1 >= 0.99, "hide-F1 fell to {f1}\n{stdout}");
    assert_eq!(lost, 0, "article blocks lost\n{stdout}");
}

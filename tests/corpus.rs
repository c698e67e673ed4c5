//! Every file of ../shared/corpus/feeds parses or fails with a one-line reason; none panics;
//! at least 95% parse.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.file_name().is_some_and(|n| n != "README.md") {
            out.push(path);
        }
    }
}

#[test]
fn feed_corpus_parses_at_least_95_percent_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feeds");
    assert!(
        root.is_dir(),
        "the feed corpus is missing: expected {} (the project's shared/ folder beside the repo)",
        root.display()
    );
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    assert!(
        all.len() > 4000,
        "corpus looks incomplete: {} files",
        all.len()
    );
    let mut ok = 0;
    let mut failures = Vec::new();
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        let result = std::panic::catch_unwind(|| tidings::feed::parse::parse(&bytes, None));
        match result {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                let reason = e.to_string();
                assert!(
                    !reason.is_empty() && !reason.contains('\n'),
                    "{}: {reason:?}",
                    path.display()
                );
                failures.push(format!("{}: {reason}", path.display()));
            }
            Err(_) => panic!("parser panicked on {}", path.display()),
        }
    }
    let share = ok as f64 / all.len() as f64;
    println!("parsed {ok} of {} ({:.1}%)", all.len(), share * 100.0);
    assert!(
        share >= 0.95,
        "only {:.1}% parsed; first failures:\n{}",
        share * 100.0,
        failures[..failures.len().min(30)].join("\n")
    );
}

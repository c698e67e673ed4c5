//! `tidings import` and `tidings export` on the OPML corpus and in a round trip.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tidings(config: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tidings"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/opml");
    assert!(root.is_dir(), "missing {}", root.display());
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "opml" || x == "xml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_corpus_file_imports_or_fails_with_a_reason() {
    let mut imported = 0;
    for file in corpus() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        let (code, out) = tidings(&config, &["import", file.to_str().unwrap()]);
        match code {
            0 => {
                imported += 1;
                assert!(
                    out.lines()
                        .any(|l| l.starts_with("added ") && l.contains(" feeds from ")),
                    "{}: {out}",
                    file.display()
                );
            }
            1 => assert!(
                out.contains(": error: not usable OPML: "),
                "{}: {out}",
                file.display()
            ),
            other => panic!("{}: exit {other}: {out}", file.display()),
        }
    }
    assert!(imported >= 20, "only {imported} imported");
}

#[test]
fn import_export_import_keeps_feeds_tags_and_comments() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "# my own notes, keep me\nconcurrency = 4 # tuned\n\n[[feeds]]\nurl = \"https://mine.example/feed\"\n").unwrap();
    let category =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/opml/newsboat/category.opml");
    let (code, out) = tidings(&config, &["import", category.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let reader = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/opml/picofeed/tinytinyrss.opml");
    let (code, out) = tidings(&config, &["import", reader.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with("# my own notes, keep me\nconcurrency = 4 # tuned\n"),
        "{text}"
    );
    let first = tidings::config::Config::parse(&text, &config).unwrap();
    assert!(first.feeds.len() > 2, "{text}");
    assert!(
        first.feeds.iter().any(|f| !f.tags.is_empty()),
        "categories became tags:\n{text}"
    );

    // Importing again adds nothing.
    let (_, out) = tidings(&config, &["import", category.to_str().unwrap()]);
    assert!(out.contains("added 0 feeds"), "{out}");

    let (code, opml) = tidings(&config, &["export"]);
    assert_eq!(code, 0);
    let exported = dir.path().join("out.opml");
    std::fs::write(&exported, &opml).unwrap();
    let fresh = dir.path().join("fresh.toml");
    std::fs::write(&fresh, "").unwrap();
    let (code, out) = tidings(&fresh, &["import", exported.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let second =
        tidings::config::Config::parse(&std::fs::read_to_string(&fresh).unwrap(), &fresh).unwrap();
    let key = |c: &tidings::config::Config| {
        c.feeds
            .iter()
            .map(|f| (f.url.clone(), f.tags.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&first), key(&second));
}

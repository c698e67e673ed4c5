//! `tidings import` and `tidings export` on the OPML corpus and in a round trip.

mod support;

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

fn feeds_of(config: &Path) -> Vec<(String, Option<String>, Vec<String>)> {
    let text = std::fs::read_to_string(config).unwrap();
    tidings::config::Config::parse(&text, config)
        .unwrap()
        .feeds
        .into_iter()
        .map(|f| (f.url, f.title, f.tags))
        .collect()
}

#[test]
fn export_then_import_gives_back_exactly_the_same_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let local = dir.path().join("local feed.xml");
    std::fs::write(
        &config,
        format!(
            "[[feeds]]\nurl = \"https://a.example/feed?x=1&y=2\"\ntitle = \"Bell\\u0007 and \\u001b[31mred\\u0000\"\ntags = [\"a,b\", \"c/d\", \"x\"]\n\n\
             [[feeds]]\nurl = \"{}\"\ntags = [\"local\"]\n\n\
             [[feeds]]\nurl = \"https://untitled.example/rss\"\n",
            local.display()
        ),
    )
    .unwrap();
    let (code, opml) = tidings(&config, &["export"]);
    assert_eq!(code, 0, "{opml}");
    for bad in ['\u{7}', '\u{1b}', '\u{0}'] {
        assert!(!opml.contains(bad), "export wrote {bad:?}:\n{opml}");
    }
    let exported = dir.path().join("out.opml");
    std::fs::write(&exported, &opml).unwrap();
    let fresh = dir.path().join("fresh.toml");
    std::fs::write(&fresh, "").unwrap();
    let (code, out) = tidings(
        &fresh,
        &["import", "--allow-local", exported.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}");
    let mut expected = feeds_of(&config);
    // Controls cannot be written in XML; they are what the reader never shows anyway.
    expected[0].1 = Some("Bell and red".into());
    assert_eq!(feeds_of(&fresh), expected);
}

#[test]
fn imported_local_files_need_allow_local() {
    let dir = tempfile::tempdir().unwrap();
    let opml = dir.path().join("shared.opml");
    std::fs::write(
        &opml,
        r#"<opml version="2.0"><body>
        <outline text="Shadow" xmlUrl="file:///etc/shadow"/>
        <outline text="Passwd" xmlUrl="/etc/passwd"/>
        <outline text="Web" xmlUrl="https://web.example/feed"/>
        </body></opml>"#,
    )
    .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let (code, out) = tidings(&config, &["import", opml.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let urls: Vec<String> = feeds_of(&config).into_iter().map(|f| f.0).collect();
    assert_eq!(urls, ["https://web.example/feed"]);
    assert!(out.contains("--allow-local"), "{out}");

    let (code, out) = tidings(
        &config,
        &["import", "--allow-local", opml.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(feeds_of(&config).len(), 3, "{out}");
}

#[cfg(unix)]
#[test]
fn import_writes_through_a_symlinked_config_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("dotfiles/tidings.toml");
    std::fs::create_dir(real.parent().unwrap()).unwrap();
    std::fs::write(&real, "# mine\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("config.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let opml = dir.path().join("in.opml");
    std::fs::write(
        &opml,
        r#"<opml><body><outline text="W" xmlUrl="https://w.example/feed"/></body></opml>"#,
    )
    .unwrap();
    let (code, out) = tidings(&link, &["import", opml.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(
        text.contains("# mine\n") && text.contains("w.example"),
        "{text}"
    );
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn an_entity_bomb_title_is_read_as_nothing_not_as_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let opml = dir.path().join("bomb.opml");
    let mut doc = support::entity_bomb_prolog("opml");
    doc.push_str("<opml><body><outline title=\"&lol9; News\" xmlUrl=\"https://b.example/feed\"/></body></opml>");
    std::fs::write(&opml, doc).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let (code, out) = tidings(&config, &["import", opml.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        feeds_of(&config),
        [(
            "https://b.example/feed".to_string(),
            Some("News".to_string()),
            vec![]
        )]
    );
}

#[test]
fn newsboats_urls_file_imports_feeds_tags_titles_and_query_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[queries]]\nname = \"Mine\"\nmatch = 'unread = \"yes\"'\n",
    )
    .unwrap();
    let urls = dir.path().join("urls");
    std::fs::write(
        &urls,
        "# newsboat\n\
         https://lwn.net/headlines/rss linux \"~LWN.net\"\n\
         https://example.org/feed.xml\n\
         \"query:Unread Rust:unread = \\\"yes\\\" and title =~ \\\"rust\\\"\"\n\
         \"query:Mine:starred = \\\"yes\\\"\"\n\
         \"query:Bodies:content =~ \\\"x\\\"\"\n\
         \"exec:~/bin/make-feed\"\n",
    )
    .unwrap();
    let (code, out) = tidings(&config, &["import", urls.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("skipped (exec: and filter: feeds run a command"),
        "{out}"
    );
    assert!(
        out.contains("skipped query Mine: a saved query has that name"),
        "{out}"
    );
    assert!(
        out.contains("skipped query Bodies: unknown attribute `content`"),
        "{out}"
    );
    assert!(
        out.contains("added 2 feeds from") && out.contains(", 1 saved queries"),
        "{out}"
    );
    let parsed = tidings::config::Config::load(&config).unwrap();
    assert_eq!(feeds_of(&config)[0].1.as_deref(), Some("LWN.net"));
    assert_eq!(feeds_of(&config)[0].2, ["linux"]);
    let names: Vec<&str> = parsed.queries.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["Mine", "Unread Rust"]);
    assert_eq!(
        parsed.queries[1].matching.text(),
        "unread = \"yes\" and title =~ \"rust\""
    );

    // newsboat's config file: its ignore-article lines become kill rules.
    let newsboat_config = dir.path().join("newsboat-config");
    std::fs::write(
        &newsboat_config,
        "browser \"firefox %u\"\n\
         ignore-article \"*\" \"title =~ \\\"^Sponsored\\\"\"\n\
         ignore-article \"https://lwn.net/headlines/rss\" \"age > 30\"\n",
    )
    .unwrap();
    let (code, out) = tidings(&config, &["import", newsboat_config.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(", 2 kill rules"), "{out}");
    let parsed = tidings::config::Config::load(&config).unwrap();
    let rules: Vec<&str> = parsed.ignore.iter().map(|r| r.text()).collect();
    assert_eq!(
        rules,
        [
            "title =~ \"^Sponsored\"",
            "feedurl = \"https://lwn.net/headlines/rss\" and (age > 30)"
        ]
    );
    // Imported again, nothing is added twice.
    let (_, out) = tidings(&config, &["import", newsboat_config.to_str().unwrap()]);
    assert!(!out.contains("kill rules"), "{out}");
}

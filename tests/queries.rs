//! Saved queries and kill rules, in newsboat's filter language, on a real cache file and
//! in the reader.

mod support;

use ratatui::crossterm::event::KeyCode;
use tidings::config::Config;
use tidings::model::ParsedItem;
use tidings::query::ItemQuery;
use tidings::store::{HeadlineFilter, Rows, Store};

const DAY: i64 = 86_400;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn item(key: &str, title: &str, author: Option<&str>, days_old: i64) -> ParsedItem {
    ParsedItem {
        key: key.into(),
        title: title.into(),
        link: Some(format!("https://example.org/{key}")),
        author: author.map(str::to_string),
        published: Some(now() - days_old * DAY - 60),
        content: format!("<p>{title}: the whole story about ferries.</p>"),
        text: format!("{title}: the whole story about ferries."),
        media: Vec::new(),
    }
}

/// Two feeds: "Rust Weekly" tagged tech and news, "Harbour Post" tagged news.
fn cache(dir: &tempfile::TempDir) -> Store {
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    store
        .sync_feeds(&[
            (
                "https://rust.example/feed".into(),
                Some("Rust Weekly".into()),
                vec!["tech".into(), "news".into()],
            ),
            (
                "https://harbour.example/rss".into(),
                Some("Harbour Post".into()),
                vec!["news".into()],
            ),
        ])
        .unwrap();
    let feeds = [
        (
            "https://rust.example/feed",
            vec![
                item("r1", "Rust 1.99 released", Some("Ferris"), 0),
                item("r2", "Sponsored: buy our RUST course", None, 1),
                item("r3", "Async closures explained", Some("Ferris"), 10),
            ],
        ),
        (
            "https://harbour.example/rss",
            vec![
                item("h1", "New ferry timetable", Some("Ana"), 2),
                item("h2", "Sponsored: harbour cruises", None, 3),
                item(
                    "h3",
                    "Why the port trusts rust-proof paint",
                    Some("Ana"),
                    30,
                ),
            ],
        ),
    ];
    for (url, items) in feeds {
        let id = store.feed_id(url).unwrap().unwrap();
        store
            .record_success(id, None, None, None, Some(&Rows::new(items)), 1000)
            .unwrap();
    }
    store
}

fn titles(store: &Store, filter: &HeadlineFilter) -> Vec<String> {
    let mut t: Vec<String> = store
        .headlines(filter)
        .unwrap()
        .into_iter()
        .map(|h| h.title)
        .collect();
    t.sort();
    t
}

fn matching(store: &Store, condition: &str) -> Vec<String> {
    let query = ItemQuery::parse(condition).unwrap_or_else(|e| panic!("{condition}: {e}"));
    titles(
        store,
        &HeadlineFilter {
            query: Some(query),
            ..Default::default()
        },
    )
}

#[test]
fn a_saved_query_lists_the_items_its_condition_selects_across_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let store = cache(&dir);
    let first = store.headlines(&HeadlineFilter::default()).unwrap();
    let read = first
        .iter()
        .find(|h| h.title == "Rust 1.99 released")
        .unwrap()
        .id;
    store.set_read(&[read], true).unwrap();
    let starred = first
        .iter()
        .find(|h| h.title.starts_with("New ferry"))
        .unwrap()
        .id;
    store.set_starred(starred, true).unwrap();

    // =~ ignores case and matches anywhere, in any feed.
    assert_eq!(
        matching(&store, r#"title =~ "rust""#),
        [
            "Rust 1.99 released",
            "Sponsored: buy our RUST course",
            "Why the port trusts rust-proof paint"
        ]
    );
    assert_eq!(
        matching(&store, r#"unread = "yes" and title =~ "rust""#),
        [
            "Sponsored: buy our RUST course",
            "Why the port trusts rust-proof paint"
        ]
    );
    // # asks for one of a feed's tags; a title's words work the same way.
    assert_eq!(
        matching(&store, r#"tags # "tech" and age > 5"#),
        ["Async closures explained"]
    );
    assert_eq!(
        matching(&store, r#"title # "ferry""#),
        ["New ferry timetable"]
    );
    assert_eq!(
        matching(
            &store,
            r#"age between 0:2 and not feedtitle = "Rust Weekly""#
        ),
        ["New ferry timetable"]
    );
    assert_eq!(
        matching(
            &store,
            r#"starred = "yes" or (author = "Ferris" && age >= 10)"#
        ),
        ["Async closures explained", "New ferry timetable"]
    );
    assert_eq!(
        matching(&store, r#"feedurl =~ "harbour\." and author !~ "ana""#),
        ["Sponsored: harbour cruises"]
    );
    assert!(matching(&store, r#"title = "x') OR 1=1 --""#).is_empty());
    // The longest condition accepted, nested as deep as allowed, runs in SQLite.
    let longest = format!(
        "{}{}{}",
        "(".repeat(63),
        vec![r#"title =~ "rust""#; 256].join(" and "),
        ")".repeat(63)
    );
    assert_eq!(matching(&store, &longest).len(), 3);

    // Its sidebar count: unread items only.
    let rust = ItemQuery::parse(r#"title =~ "rust""#).unwrap();
    assert_eq!(store.unread_matching(&rust).unwrap(), 2);
    // A search within a query searches its items only.
    let hits: Vec<String> = store
        .search(
            "ferries",
            &HeadlineFilter {
                query: Some(rust),
                ..Default::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|h| h.title)
        .collect();
    assert_eq!(hits.len(), 3, "{hits:?}");
}

#[test]
fn kill_rules_hide_items_from_every_list_and_count_and_keep_them_in_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = cache(&dir);
    let sponsored = store
        .headlines(&HeadlineFilter::default())
        .unwrap()
        .into_iter()
        .find(|h| h.title == "Sponsored: harbour cruises")
        .unwrap();
    store.set_starred(sponsored.id, true).unwrap();

    store.set_ignore(&[
        ItemQuery::parse(r#"title =~ "^sponsored:""#).unwrap(),
        ItemQuery::parse(r#"feedtitle = "Harbour Post" and age > 20"#).unwrap(),
    ]);
    let all = titles(&store, &HeadlineFilter::default());
    assert_eq!(
        all,
        [
            "Async closures explained",
            "New ferry timetable",
            "Rust 1.99 released"
        ]
    );
    assert!(store
        .search("ferries", &HeadlineFilter::default())
        .unwrap()
        .iter()
        .all(|h| !h.title.starts_with("Sponsored")));
    let unread: Vec<u32> = store.feeds().unwrap().iter().map(|f| f.unread).collect();
    assert_eq!(unread, [2, 1]);
    assert_eq!(
        store
            .unread_matching(&ItemQuery::parse(r#"tags # "news""#).unwrap())
            .unwrap(),
        3
    );

    // Nothing was deleted: without the rules every item is back, its star kept.
    store.set_ignore(&[]);
    assert_eq!(titles(&store, &HeadlineFilter::default()).len(), 6);
    assert!(store
        .headlines(&HeadlineFilter::default())
        .unwrap()
        .iter()
        .any(|h| h.id == sponsored.id && h.starred));
}

#[test]
fn a_bad_condition_in_the_config_names_the_file_line_column_and_the_fault() {
    let text = "[[queries]]\nname = \"Rust\"\nmatch = 'titel =~ \"rust\"'\n";
    let err = Config::parse(text, std::path::Path::new("/home/me/tidings.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("/home/me/tidings.toml:3:"), "{err}");
    assert!(err.contains("unknown attribute `titel`"), "{err}");

    let text = "ignore = ['title =~ \"(sponsored\"']\n";
    let err = Config::parse(text, std::path::Path::new("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("c.toml:1:"), "{err}");
    assert!(err.contains("not a regular expression"), "{err}");

    let ok = "ignore = ['title =~ \"^Sponsored\"']\n[[queries]]\nname = \"Unread news\"\nmatch = 'unread = \"yes\" and tags # \"news\"'\n";
    let config = Config::parse(ok, std::path::Path::new("c.toml")).unwrap();
    assert_eq!(config.queries[0].name, "Unread news");
    assert_eq!(config.ignore.len(), 1);
}

#[test]
fn the_sidebar_lists_saved_queries_with_unread_counts_and_opens_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::parse(
        "ignore = ['title =~ \"^sponsored\"']\n\
         [[queries]]\nname = \"About rust\"\nmatch = 'title =~ \"rust\"'\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap();
    let mut store = cache(&dir);
    store.set_ignore(&config.ignore);
    let keymap = tidings::keymap::Keymap::new(&config.keys);
    let app = tidings::runtime::load_app(&store, &config, &keymap, (100, 24)).unwrap();
    // Counted once the first frame is up, not before.
    assert_eq!(app.sources.queries[0].unread, 0);
    // The sidebar, focus on it, down from "All feeds" to the query, open it, mark its first
    // item read; then quit.
    let script = [
        KeyCode::Char('b'),
        KeyCode::Tab,
        KeyCode::Char('j'),
        KeyCode::Enter,
        KeyCode::Char('m'),
    ]
    .map(support::session::key)
    .into();
    let (result, terminal, _) = support::session::run_app(app, &store, &keymap, (100, 24), script);
    result.unwrap();
    let screen = support::screen(&terminal);
    assert!(screen.contains("? About rust"), "{screen}");
    assert!(screen.contains("query: About rust"), "{screen}");
    assert!(screen.contains("Rust 1.99 released"), "{screen}");
    assert!(screen.contains("rust-proof paint"), "{screen}");
    assert!(!screen.contains("Sponsored"), "{screen}");
    assert!(!screen.contains("New ferry timetable"), "{screen}");
    // Two unread items matched (the sponsored one is killed); the one marked read left
    // the count.
    let row = screen.lines().find(|l| l.contains("? About rust")).unwrap();
    assert!(row.contains(" 1│"), "{row}");
}

#[test]
fn the_examples_in_config_example_toml_parse() {
    // The commented examples, uncommented: the kill rules and each saved query.
    let example = include_str!("../config.example.toml");
    let queries = example.find("# [[queries]]").unwrap();
    let uncommented: String = example
        .lines()
        .filter(|line| line.starts_with("#   ignore = ") || example[queries..].contains(line))
        .map(|line| line.trim_start_matches('#').trim())
        .filter(|line| {
            ["ignore = ['", "[[queries]]", "name = \"", "match = '"]
                .iter()
                .any(|start| line.starts_with(start))
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let config = Config::parse(&uncommented, std::path::Path::new("config.example.toml"))
        .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    assert_eq!(config.ignore.len(), 2, "{uncommented}");
    assert_eq!(config.queries.len(), 2, "{uncommented}");
}

//! The cache as a real SQLite file.

use tidings::model::{FeedId, ParsedItem};
use tidings::store::{HeadlineFilter, Rows, Store, StoreError};

fn item(key: &str, title: &str, published: i64) -> ParsedItem {
    ParsedItem {
        key: key.into(),
        title: title.into(),
        link: Some(format!("https://example.org/{key}")),
        author: None,
        published: Some(published),
        content: format!("<p>{title} body about ferries</p>"),
        text: format!("{title} body about ferries"),
        media: Vec::new(),
    }
}

fn open_with_feed(dir: &tempfile::TempDir) -> (Store, FeedId) {
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    store
        .sync_feeds(&[(
            "https://f.example/feed".into(),
            Some("F".into()),
            vec!["news".into()],
        )])
        .unwrap();
    let id = store.feed_id("https://f.example/feed").unwrap().unwrap();
    (store, id)
}

/// Stores `items` as a successful fetch of `feed`, keeping at most `max` per feed.
fn store_items(
    store: &mut Store,
    feed: FeedId,
    items: &[ParsedItem],
    max: usize,
) -> tidings::store::StoreCounts {
    store
        .record_success(
            feed,
            None,
            None,
            None,
            Some(&Rows::new(items.to_vec())),
            max,
        )
        .unwrap()
}

#[test]
fn read_and_starred_survive_a_republished_item() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    store_items(
        &mut store,
        feed,
        &[item("a", "Old title", 100), item("b", "B", 90)],
        1000,
    );
    let ids: Vec<_> = store
        .headlines(&HeadlineFilter::default())
        .unwrap()
        .iter()
        .map(|h| h.id)
        .collect();
    store.set_read(&[ids[0]], true).unwrap();
    store.set_starred(ids[0], true).unwrap();

    let counts = store_items(
        &mut store,
        feed,
        &[item("a", "Edited title", 100), item("b", "B", 90)],
        1000,
    );
    assert_eq!((counts.new, counts.updated), (0, 1));
    let h = &store.headlines(&HeadlineFilter::default()).unwrap()[0];
    assert_eq!(h.title, "Edited title");
    assert!(h.read && h.starred);
    assert_eq!(store.item_count().unwrap(), 2);
    // And it reads the same after reopening the file.
    drop(store);
    let store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let h = &store.headlines(&HeadlineFilter::default()).unwrap()[0];
    assert!(h.read && h.starred);
    assert!(store
        .article(h.id)
        .unwrap()
        .unwrap()
        .content
        .contains("Edited title"));
}

#[test]
fn retention_drops_old_read_items_but_never_unread_or_starred() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    let items: Vec<_> = (0..10)
        .map(|i| item(&format!("k{i}"), &format!("T{i}"), 1000 + i))
        .collect();
    store_items(&mut store, feed, &items, 1000);
    let all = store.headlines(&HeadlineFilter::default()).unwrap();
    // Oldest four: two read, one read + starred, one unread.
    let oldest: Vec<_> = all.iter().rev().take(4).map(|h| h.id).collect();
    store.set_read(&oldest[..3], true).unwrap();
    store.set_starred(oldest[2], true).unwrap();
    store_items(&mut store, feed, &items, 6);
    let left = store.headlines(&HeadlineFilter::default()).unwrap();
    assert_eq!(left.len(), 8, "two old read items dropped");
    assert!(left.iter().any(|h| h.id == oldest[2]), "starred kept");
    assert!(left.iter().any(|h| h.id == oldest[3]), "unread kept");
}

#[test]
fn search_finds_words_in_titles_and_bodies_across_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    store_items(
        &mut store,
        feed,
        &[item("a", "Harbour news", 3), item("b", "Weather", 2)],
        1000,
    );
    assert_eq!(
        store
            .search("harbour", &HeadlineFilter::default())
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .search("ferr", &HeadlineFilter::default())
            .unwrap()
            .len(),
        2,
        "prefix match in bodies"
    );
    assert_eq!(
        store
            .search("\"unbalanced AND (", &HeadlineFilter::default())
            .unwrap()
            .len(),
        0,
        "user text is never FTS syntax"
    );
    assert!(store
        .search("   ", &HeadlineFilter::default())
        .unwrap()
        .is_empty());
}

#[test]
fn unread_filter_and_feed_filter() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    store_items(
        &mut store,
        feed,
        &[item("a", "A", 3), item("b", "B", 2)],
        1000,
    );
    let all = store.headlines(&HeadlineFilter::default()).unwrap();
    store.set_read(&[all[0].id], true).unwrap();
    let unread = store
        .headlines(&HeadlineFilter {
            unread_only: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(unread.len(), 1);
    let none = store
        .headlines(&HeadlineFilter {
            feeds: Some(vec![FeedId(999)]),
            ..Default::default()
        })
        .unwrap();
    assert!(none.is_empty());
    let first = store
        .headlines(&HeadlineFilter {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].title, "A", "newest first");
    assert_eq!(store.feeds().unwrap()[0].unread, 1);
}

#[test]
fn a_feed_removed_from_the_config_keeps_its_state_for_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    store_items(&mut store, feed, &[item("a", "A", 3)], 1000);
    let id = store.headlines(&HeadlineFilter::default()).unwrap()[0].id;
    store.set_starred(id, true).unwrap();
    store.sync_feeds(&[]).unwrap();
    assert!(store
        .headlines(&HeadlineFilter::default())
        .unwrap()
        .is_empty());
    store
        .sync_feeds(&[("https://f.example/feed".into(), None, vec![])])
        .unwrap();
    assert!(store.headlines(&HeadlineFilter::default()).unwrap()[0].starred);
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    let garbage = b"this is not a database, it is a shopping list\n".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).err().expect("must refuse");
    assert!(matches!(err, StoreError::NotACache { .. }), "{err}");
    assert!(err.to_string().contains("left untouched"));
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn a_cache_from_a_newer_tidings_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE x (y); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).err().expect("must refuse");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_corrupt_cache_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    {
        let (mut store, feed) = open_with_feed(&dir);
        let items: Vec<_> = (0..300)
            .map(|i| item(&format!("k{i}"), &format!("T{i}"), i))
            .collect();
        store_items(&mut store, feed, &items, 1000);
    }
    let _ = std::fs::remove_file(dir.path().join("cache.sqlite-wal"));
    let mut bytes = std::fs::read(&path).unwrap();
    // Scribble over pages after the header.
    for b in bytes.iter_mut().skip(4096).take(40_000) {
        *b = 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    // Opening stays instant (no full scan); the damage is reported when it is met.
    let err = match Store::open(&path) {
        Err(e) => e,
        Ok(store) => store
            .search("T1", &HeadlineFilter::default())
            .err()
            .or_else(|| store.headlines(&HeadlineFilter::default()).err())
            .expect("corruption must be noticed"),
    };
    assert!(
        matches!(err, StoreError::NotACache { .. } | StoreError::Corrupt(_)),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap().len(),
        bytes.len(),
        "never rewritten"
    );
}

#[test]
fn two_connections_share_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let (mut writer, feed) = open_with_feed(&dir);
    let reader = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    writer
        .record_success(
            feed,
            None,
            None,
            None,
            Some(&Rows::new(vec![item("a", "A", 1)])),
            1000,
        )
        .unwrap();
    assert_eq!(
        reader.headlines(&HeadlineFilter::default()).unwrap().len(),
        1
    );
    let id = reader.headlines(&HeadlineFilter::default()).unwrap()[0].id;
    reader.set_read(&[id], true).unwrap();
    writer
        .record_success(
            feed,
            None,
            None,
            None,
            Some(&Rows::new(vec![item("a", "A2", 1)])),
            1000,
        )
        .unwrap();
    assert!(reader.headlines(&HeadlineFilter::default()).unwrap()[0].read);
}

/// Another database with uncheckpointed writes: its `-wal`, copied beside a cache (as a
/// restore from backup after a crash can do), must never be replayed into the cache.
#[test]
fn a_stray_wal_from_another_database_is_moved_aside_and_the_cache_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");
    {
        let (mut store, feed) = open_with_feed(&dir);
        store_items(
            &mut store,
            feed,
            &[item("a", "Ferries return", 1_700_000_000)],
            10,
        );
    }
    let before = std::fs::read(&cache).unwrap();

    let other = dir.path().join("other.sqlite");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    conn.execute_batch(
        "CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('x'), ('y');",
    )
    .unwrap();
    let wal = dir.path().join("cache.sqlite-wal");
    std::fs::copy(dir.path().join("other.sqlite-wal"), &wal).unwrap();
    drop(conn);

    let store = Store::open(&cache).expect("the cache opens");
    assert_eq!(
        store.item_count().unwrap(),
        1,
        "the cache's item is still there"
    );
    drop(store);
    let aside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("cache.sqlite-wal.foreign"))
        .collect();
    assert_eq!(aside.len(), 1, "the foreign WAL is kept aside: {aside:?}");
    assert!(std::fs::read(&cache).unwrap().len() >= before.len() / 2);
}

#[test]
fn another_applications_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('x');")
        .unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert!(err.to_string().contains("bookmarks"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "not one byte changed"
    );
    assert!(!dir.path().join("app.sqlite-wal").exists());

    // An empty file is a new cache.
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    Store::open(&empty).expect("an empty file becomes a cache");
}

/// Two processes meeting a brand-new cache: both open it, neither fails ("table feeds
/// already exists", "database is locked").
#[test]
fn two_processes_creating_one_new_cache_both_succeed() {
    for round in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for h in handles {
            let r = h.join().unwrap();
            assert!(r.is_ok(), "round {round}: {r:?}");
        }
    }
}

/// A feed that issues new GUIDs on every fetch: unread items that left the feed are pruned
/// beyond the limit like read ones, so the cache stops growing; starred items never go, and
/// unread items still in the feed stay.
#[test]
fn a_feed_renaming_its_items_every_fetch_does_not_grow_the_cache_without_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    let first: Vec<ParsedItem> = (0..10)
        .map(|i| {
            item(
                &format!("r0-{i}"),
                &format!("Round 0 item {i}"),
                1_700_000_000 + i,
            )
        })
        .collect();
    store_items(&mut store, feed, &first, 10);
    let starred = store.headlines(&HeadlineFilter::default()).unwrap()[9].id;
    store.set_starred(starred, true).unwrap();
    for round in 1..6 {
        let items: Vec<ParsedItem> = (0..10)
            .map(|i| {
                item(
                    &format!("r{round}-{i}"),
                    &format!("Round {round} item {i}"),
                    1_700_000_000 + round * 100 + i,
                )
            })
            .collect();
        store_items(&mut store, feed, &items, 10);
    }
    let kept = store.headlines(&HeadlineFilter::default()).unwrap();
    assert_eq!(kept.len(), 11, "the 10 in the feed plus the starred one");
    assert!(kept.iter().any(|h| h.id == starred && h.starred));
    assert!(kept
        .iter()
        .filter(|h| !h.starred)
        .all(|h| h.title.starts_with("Round 5")));
}

#[test]
fn search_finds_accented_words_written_as_entities() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    let doc = "<rss version=\"2.0\"><channel><title>F</title>\
        <item><guid>e</guid><title>Entities</title><description>Le caf&amp;eacute; du coin</description></item>\
        <item><guid>u</guid><title>Written</title><description>Un café noir</description></item>\
        </channel></rss>";
    let parsed = tidings::feed::parse::parse(doc.as_bytes(), None).unwrap();
    store_items(&mut store, feed, &parsed.items, 100);
    let mut found: Vec<String> = store
        .search("café", &HeadlineFilter::default())
        .unwrap()
        .into_iter()
        .map(|h| h.title)
        .collect();
    found.sort();
    assert_eq!(found, ["Entities", "Written"]);
}

#[test]
fn search_inside_one_feed_or_unread_only_is_not_cut_by_other_feeds_matches() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    store
        .sync_feeds(&[
            ("https://busy.example/feed".into(), None, vec![]),
            ("https://quiet.example/feed".into(), None, vec![]),
        ])
        .unwrap();
    let busy = store.feed_id("https://busy.example/feed").unwrap().unwrap();
    let quiet = store
        .feed_id("https://quiet.example/feed")
        .unwrap()
        .unwrap();
    // The quiet feed's matches are older and stored first; the busy feed's 2,100 come later.
    let older: Vec<ParsedItem> = (0..5).map(|i| item(&format!("q{i}"), "Quiet", i)).collect();
    store_items(&mut store, quiet, &older, 10_000);
    let newer: Vec<ParsedItem> = (0..2100)
        .map(|i| item(&format!("b{i}"), "Busy", 1000 + i))
        .collect();
    store_items(&mut store, busy, &newer, 10_000);
    let query = |feeds: Option<Vec<FeedId>>, unread_only: bool| tidings::app::Query {
        unread_only,
        feeds,
        search: Some("ferries".into()),
        matching: None,
    };
    let in_quiet =
        tidings::runtime::headlines_for(&store, &query(Some(vec![quiet]), false)).unwrap();
    assert_eq!(in_quiet.len(), 5);
    let quiet_ids: Vec<_> = in_quiet.iter().map(|h| h.id).collect();
    store.set_read(&quiet_ids[..2], true).unwrap();
    let ids: Vec<_> = store
        .headlines(&HeadlineFilter::default())
        .unwrap()
        .iter()
        .filter(|h| h.feed_id == busy)
        .map(|h| h.id)
        .collect();
    store.set_read(&ids, true).unwrap();
    let unread = tidings::runtime::headlines_for(&store, &query(None, true)).unwrap();
    assert_eq!(unread.len(), 3, "the quiet feed's three unread matches");
}

#[test]
fn a_cache_made_by_the_previous_format_upgrades_in_place_and_keeps_everything() {
    // tests/fixtures/cache-v1.sqlite: the three demo feeds refreshed by `main` before the
    // store format changed (schema version 1), with one item starred and two read.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/cache-v1.sqlite"
        ),
        &path,
    )
    .unwrap();
    let mut store = Store::open(&path).unwrap();
    let list = store.headlines(&HeadlineFilter::default()).unwrap();
    assert_eq!(list.len(), 11);
    assert_eq!(list.iter().filter(|h| h.starred).count(), 1);
    assert_eq!(list.iter().filter(|h| h.read).count(), 2);
    let found = store.search("cherry", &HeadlineFilter::default()).unwrap();
    assert_eq!(found.len(), 1);
    let old = store.article(found[0].id).unwrap().unwrap();
    assert!(old.content.contains("cherry"), "{}", old.content);
    // New items go in beside the old ones, in the new format, and both read back.
    let feed = list[0].feed_id;
    store_items(
        &mut store,
        feed,
        &[item("new", "Harbour news", 9_999_999_999)],
        1000,
    );
    let found = store.search("harbour", &HeadlineFilter::default()).unwrap();
    let new = store.article(found[0].id).unwrap().unwrap();
    assert!(new.content.contains("Harbour news body about ferries"));
    drop(store);
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, tidings::store::SCHEMA_VERSION);
}

#[test]
fn bodies_are_stored_compressed_and_the_search_index_keeps_no_copy_of_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    let mut long = item("long", "Long read", 5);
    long.content = "<p>The harbour ferries return after a winter of repairs.</p>".repeat(400);
    long.text = tidings::text::search_text(&long.content);
    store_items(&mut store, feed, &[long.clone()], 1000);
    let found = store.search("repairs", &HeadlineFilter::default()).unwrap();
    assert_eq!(
        store.article(found[0].id).unwrap().unwrap().content,
        long.content
    );
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("cache.sqlite")).unwrap();
    let (kind, stored): (String, i64) = conn
        .query_row(
            "SELECT typeof(content), length(content) FROM bodies",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "blob");
    assert!(
        stored * 10 < long.content.len() as i64,
        "{stored} bytes stored"
    );
    // A contentless index: it can say which rows match, and holds no text to return.
    let body: Option<String> = conn
        .query_row("SELECT body FROM search LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(body, None);
}

#[test]
fn an_untitled_feed_is_named_by_its_address_without_its_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let url = "https://reader:hunter2@notes.example/atom";
    store.sync_feeds(&[(url.into(), None, vec![])]).unwrap();
    let feed = store.feed_id(url).unwrap().unwrap();
    store_items(&mut store, feed, &[item("a", "A story", 5)], 1000);
    let shown = "https://***@notes.example/atom";
    assert_eq!(store.feeds().unwrap()[0].title, shown);
    let id = store.headlines(&HeadlineFilter::default()).unwrap()[0].id;
    // The article header names the feed the same way.
    assert_eq!(store.article(id).unwrap().unwrap().feed_title, shown);
}

#[test]
fn an_article_comes_with_the_feed_content_of_up_to_eight_of_its_feeds_other_items() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    let items: Vec<ParsedItem> = (0..12)
        .map(|i| item(&format!("k{i}"), &format!("Story {i}"), 1_700_000_000 + i))
        .collect();
    store_items(&mut store, feed, &items, 100);
    let list = store.headlines(&HeadlineFilter::default()).unwrap();
    let newest = list.iter().find(|h| h.title == "Story 11").unwrap().id;
    let article = store.article(newest).unwrap().unwrap();
    assert_eq!(article.siblings.len(), 8);
    assert!(article.siblings.iter().all(|s| !s.contains("Story 11 ")));
    assert!(
        article.siblings[0].contains("Story 10 body"),
        "newest first"
    );
}

#[test]
fn an_item_keeps_its_files_and_one_that_gains_a_file_is_updated_with_its_state_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feed) = open_with_feed(&dir);
    let plain = item("ep1", "Episode 1", 100);
    store_items(&mut store, feed, std::slice::from_ref(&plain), 1000);
    let id = store.headlines(&HeadlineFilter::default()).unwrap()[0].id;
    store.set_read(&[id], true).unwrap();
    store.set_starred(id, true).unwrap();
    assert!(store.article(id).unwrap().unwrap().media.is_empty());
    // Stored again unchanged: nothing is written.
    let counts = store_items(&mut store, feed, std::slice::from_ref(&plain), 1000);
    assert_eq!((counts.new, counts.updated), (0, 0));

    let mut with_file = plain;
    with_file.media = vec![
        tidings::model::Media {
            url: "https://cdn.example/ep1.mp3".into(),
            mime: Some("audio/mpeg".into()),
            bytes: Some(42_000_000),
        },
        tidings::model::Media {
            url: "https://cdn.example/ep1.jpg".into(),
            mime: None,
            bytes: None,
        },
    ];
    let counts = store_items(&mut store, feed, &[with_file.clone()], 1000);
    assert_eq!((counts.new, counts.updated), (0, 1));
    drop(store);
    let store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let article = store.article(id).unwrap().unwrap();
    assert_eq!(article.media, with_file.media);
    let h = &store.headlines(&HeadlineFilter::default()).unwrap()[0];
    assert!(h.read && h.starred);
}

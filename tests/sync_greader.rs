//! Sync over the Google Reader API against a server on 127.0.0.1 that keeps to the
//! protocol's rules and its servers' quirks (FreshRSS's path, Miniflux's header-only auth,
//! both id forms, Inoreader's app headers) and records what travels.

mod support;

use support::greader::GReader;
use tidings::config::SyncKind;
use tidings::model::Headline;
use tidings::store::{HeadlineFilter, Store};
use tidings::sync::{Account, Secret, SyncError};

const USER: &str = "reader";
const PASSWORD: &str = "api password 123";

fn account(url: &str, password: &str) -> Account {
    support::sync_account(SyncKind::Greader, url, USER, password)
}

fn synced(url: &str) -> (tempfile::TempDir, Store, Account) {
    support::first_sync(SyncKind::Greader, url, USER, PASSWORD)
}

fn server() -> GReader {
    let g = GReader::start(USER, PASSWORD);
    {
        let mut s = g.state();
        s.feeds.insert(
            "feed/1".into(),
            ("Valley Post".into(), vec!["News".into(), "Local".into()]),
        );
        s.feeds.insert(
            "feed/2".into(),
            ("Ridge Weekly".into(), vec!["News".into()]),
        );
    }
    g
}

fn all(store: &Store) -> Vec<Headline> {
    store.headlines(&HeadlineFilter::default()).unwrap()
}

fn by_title<'a>(list: &'a [Headline], title: &str) -> &'a Headline {
    list.iter()
        .find(|h| h.title == title)
        .unwrap_or_else(|| panic!("{title} not in the cache"))
}

#[test]
fn the_first_sync_logs_in_and_brings_feeds_with_labels_and_unread_and_starred_items() {
    let g = server();
    g.add_items("feed/1", 6, 1_000);
    g.add_items("feed/2", 4, 1_000);
    {
        let mut s = g.state();
        s.read.extend(1..=8); // 9 and 10 unread
        s.starred.insert(3);
    }
    let (_dir, mut store) = support::empty_cache();
    let report = support::sync_now(&mut store, &account(&g.url(), PASSWORD)).unwrap();
    assert_eq!((report.feeds, report.new_items), (2, 3), "{report:?}");
    let feeds = store.feeds().unwrap();
    let valley = feeds.iter().find(|f| f.title == "Valley Post").unwrap();
    assert_eq!(valley.tags, vec!["Local", "News"]);
    let list = all(&store);
    assert!(by_title(&list, "Item 3").starred && by_title(&list, "Item 3").read);
    assert!(!by_title(&list, "Item 10").read);
    // Every authenticated request carried the token in the header, none in the URL.
    let s = g.state();
    assert_eq!(s.logins, 1);
    for r in s.log.iter().filter(|r| !r.target.starts_with("/accounts/")) {
        assert!(
            r.headers
                .iter()
                .any(|(k, v)| k == "authorization" && v == "GoogleLogin auth=auth-1"),
            "{r:?}"
        );
        assert!(!r.target.contains("auth="), "{r:?}");
    }
    // The password went to ClientLogin only.
    for r in s.log.iter().filter(|r| !r.target.starts_with("/accounts/")) {
        assert!(!format!("{r:?}").contains(PASSWORD));
    }
}

#[test]
fn a_later_sync_asks_for_what_is_newer_and_fetches_only_unknown_items() {
    let g = server();
    g.add_items("feed/1", 3, 1_000);
    let (_dir, mut store, a) = synced(&g.url());
    let before = g.state().log.len();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    g.add_items("feed/2", 2, now);
    g.state().read.extend([4, 5]); // new, but read elsewhere already
    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(report.new_items, 2, "{report:?}");
    let log = g.state().log[before..].to_vec();
    let newer: Vec<&str> = log
        .iter()
        .filter(|r| r.target.contains("ot="))
        .map(|r| r.target.as_str())
        .collect();
    assert_eq!(newer.len(), 1, "{newer:?}");
    let asked: Vec<String> = log
        .iter()
        .filter(|r| r.target.starts_with("/reader/api/0/stream/items/contents"))
        .flat_map(|r| {
            r.form
                .iter()
                .filter(|(k, _)| k == "i")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(asked, vec!["4", "5"], "only the unknown items travel");
    assert!(by_title(&all(&store), "Item 5").read);
}

#[test]
fn changes_here_go_out_as_edit_tags_with_the_write_token_and_the_last_wins() {
    let g = server();
    g.add_items("feed/1", 4, 1_000);
    let (_dir, mut store, a) = synced(&g.url());
    let list = all(&store);
    let ids: Vec<_> = ["Item 1", "Item 2", "Item 3"]
        .iter()
        .map(|t| by_title(&list, t).id)
        .collect();
    store.set_read(&ids, true).unwrap();
    store.set_starred(ids[0], true).unwrap();
    store.set_starred(ids[0], false).unwrap();
    store.set_starred(ids[1], true).unwrap();
    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(report.sent, 5, "{report:?}");
    let edits = g.requests("/reader/api/0/edit-tag");
    assert_eq!(edits.len(), 3, "one request per tag and verb: {edits:?}");
    for e in &edits {
        assert!(
            e.form.contains(&("T".into(), "write-token-2".into())),
            "{e:?}"
        );
    }
    let s = g.state();
    assert_eq!(s.read.iter().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(s.starred.iter().copied().collect::<Vec<_>>(), vec![2]);
    drop(s);
    assert_eq!(store.queue_len().unwrap(), 0);
}

#[test]
fn an_expired_token_logs_in_again_once_and_a_refused_login_stops_naming_the_server() {
    let g = server();
    g.add_items("feed/1", 2, 1_000);
    let (_dir, mut store, a) = synced(&g.url());
    g.state().expire_next = true;
    support::sync_now(&mut store, &a).unwrap();
    assert_eq!(
        g.requests("/accounts/ClientLogin").len(),
        3,
        "once per sync, once more"
    );

    // The password changed on the server: the login is refused, and said so.
    g.state().password = "changed".into();
    g.state().expire_next = true;
    let e = support::sync_now(&mut store, &a).unwrap_err();
    let message = e.to_string();
    assert!(matches!(e, SyncError::Login { .. }), "{message}");
    assert!(
        message.contains(&format!("127.0.0.1:{}", g.port)),
        "{message}"
    );
    assert!(!message.contains(PASSWORD), "{message}");
}

#[test]
fn three_pages_of_unread_ids_follow_the_continuation() {
    let g = server();
    g.add_items("feed/1", 2_500, 1_000);
    let (_dir, mut store) = support::empty_cache();
    let report = support::sync_now(&mut store, &account(&g.url(), PASSWORD)).unwrap();
    assert_eq!(report.new_items, 2_500);
    let pages: Vec<String> = g
        .requests("/reader/api/0/stream/items/ids")
        .into_iter()
        .filter(|r| r.target.contains("xt="))
        .map(|r| r.target)
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        pages[1].contains("&c=1000") && pages[2].contains("&c=2000"),
        "{pages:?}"
    );
    assert_eq!(store.item_count().unwrap(), 2_500);
}

#[test]
fn ids_in_the_long_form_are_the_same_items_as_in_the_short_one() {
    let g = server();
    g.state().long_refs = true;
    g.add_items("feed/1", 3, 1_000);
    let (_dir, mut store) = support::empty_cache();
    let a = account(&g.url(), PASSWORD);
    let first = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(first.new_items, 3);
    let again = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(again.new_items, 0, "no duplicates: {again:?}");
    assert_eq!(store.item_count().unwrap(), 3);
}

#[test]
fn inoreader_style_servers_get_the_app_id_and_key_with_every_request() {
    let g = server();
    g.state().app = Some(("1000001".into(), "app-key".into()));
    g.add_items("feed/1", 1, 1_000);
    let (_dir, mut store) = support::empty_cache();
    let mut a = account(&g.url(), PASSWORD);
    let e = support::sync_now(&mut store, &a).unwrap_err();
    assert!(matches!(e, SyncError::Login { .. }), "{e}");
    a.app = Some(("1000001".into(), Secret::new("app-key".into())));
    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(report.new_items, 1);
}

#[test]
fn a_feed_removed_on_the_server_leaves_the_reader() {
    let g = server();
    g.add_items("feed/2", 1, 1_000);
    let (_dir, mut store, a) = synced(&g.url());
    assert_eq!(store.feeds().unwrap().len(), 2);
    g.state().feeds.remove("feed/2");
    support::sync_now(&mut store, &a).unwrap();
    let titles: Vec<String> = store
        .feeds()
        .unwrap()
        .into_iter()
        .map(|f| f.title)
        .collect();
    assert_eq!(titles, vec!["Valley Post"]);
}

#[test]
fn tidings_remote_subscribes_renames_moves_and_unsubscribes_on_the_server() {
    let g = server();
    let dir = tempfile::tempdir().unwrap();
    support::write_sync_config(
        dir.path(),
        &format!(
            "kind = \"greader\"\nurl = \"{}\"\nusername = \"{USER}\"",
            g.url()
        ),
        &[],
    );
    let cache = dir.path().join("cache.sqlite");
    let run = |args: &[&str]| support::run_tidings(dir.path(), args, Some(PASSWORD));
    let (code, text) = run(&[
        "remote",
        "add",
        "https://news.example/feed.xml",
        "--title",
        "Coast News",
        "--tag",
        "News",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        g.state().feeds.get("feed/https://news.example/feed.xml"),
        Some(&("Coast News".to_string(), vec!["News".to_string()]))
    );
    let titles = || -> Vec<String> {
        let mut t: Vec<String> = Store::open(&cache)
            .unwrap()
            .feeds()
            .unwrap()
            .into_iter()
            .map(|f| f.title)
            .collect();
        t.sort();
        t
    };
    assert_eq!(titles(), vec!["Coast News", "Ridge Weekly", "Valley Post"]);

    let (code, text) = run(&["remote", "rename", "coast news", "Coast Daily"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = run(&["remote", "move", "Coast Daily", "Local"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        g.state().feeds.get("feed/https://news.example/feed.xml"),
        Some(&("Coast Daily".to_string(), vec!["Local".to_string()]))
    );
    let (code, text) = run(&["remote", "remove", "Ridge Weekly"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(titles(), vec!["Coast Daily", "Valley Post"]);

    let (code, text) = run(&["remote", "remove", "No Such Feed"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("no feed of") && text.contains("No Such Feed"),
        "{text}"
    );
    for r in g.requests("/reader/api/0/subscription/edit") {
        assert!(
            r.form
                .iter()
                .any(|(k, v)| k == "T" && v.starts_with("write-token-")),
            "{r:?}"
        );
    }
}

#[test]
fn a_server_that_repeats_its_first_page_forever_cannot_make_a_sync_loop() {
    let g = server();
    g.add_items("feed/1", 30, 1_000);
    g.state().loop_pages = true;
    let (_dir, mut store) = support::empty_cache();
    let a = account(&g.url(), PASSWORD);
    // n=1000 per page, so the first page holds every id; the sync ends after the repeat.
    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(report.new_items, 30);
    let pages = g.requests("/reader/api/0/stream/items/ids").len();
    assert!(pages <= 6, "{pages} id pages");
}

#[test]
fn a_write_token_made_stale_by_a_new_login_is_fetched_again() {
    let g = server();
    g.add_items("feed/1", 2, 1_000);
    let (_dir, mut store, a) = synced(&g.url());
    let id = by_title(&all(&store), "Item 1").id;
    store.set_read(&[id], true).unwrap();
    // The auth token expires on the edit itself: the client logs in again, which makes
    // the write token it holds stale too.
    let log = g.state().log.len();
    g.state().expire_on_edit = true;
    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    assert!(g.state().read.contains(&1));
    assert!(g.state().log.len() > log);
    assert_eq!(store.queue_len().unwrap(), 0);
}

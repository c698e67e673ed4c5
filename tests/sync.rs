//! Sync with an aggregator over the Fever API, against a Fever server on 127.0.0.1 that
//! records what travels. The cache is a real SQLite file; `tidings sync` runs as a process
//! where its exit status and output matter.

mod support;

use std::collections::HashSet;
use support::fever::Fever;
use tidings::config::SyncKind;
use tidings::model::Headline;
use tidings::store::{HeadlineFilter, Store};
use tidings::sync::{self, Account, SyncError};

const USER: &str = "reader@example.org";
const PASSWORD: &str = "correct horse battery";

fn account(url: &str, password: &str) -> Account {
    support::sync_account(SyncKind::Fever, url, USER, password)
}

fn synced(url: &str) -> (tempfile::TempDir, Store, Account) {
    support::first_sync(SyncKind::Fever, url, USER, PASSWORD)
}

/// A server with two feeds in two groups and `n` items in the first feed.
fn server(n: usize) -> Fever {
    let f = Fever::start(USER, PASSWORD);
    {
        let mut s = f.state();
        s.groups.insert(1, "Tech".into());
        s.groups.insert(2, "World".into());
        s.feeds.insert(10, ("Harbour Gazette".into(), vec![1, 2]));
        s.feeds.insert(11, ("Valley Post".into(), vec![2]));
    }
    f.add_items(10, n);
    f
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
fn the_first_sync_brings_the_servers_feeds_unread_and_starred_items_into_the_cache() {
    let f = server(30);
    {
        let mut s = f.state();
        s.read.extend(1..=20); // 21..=30 unread
        s.saved.insert(5); // read but starred
    }
    let (_dir, mut store) = support::empty_cache();
    let report = support::sync_now(&mut store, &account(&f.url(), PASSWORD)).unwrap();
    assert_eq!(report.feeds, 2);
    assert_eq!(report.new_items, 11, "10 unread and 1 starred: {report:?}");

    let feeds = store.feeds().unwrap();
    let gazette = feeds.iter().find(|f| f.title == "Harbour Gazette").unwrap();
    assert_eq!(gazette.tags, vec!["Tech", "World"]);
    assert_eq!(gazette.unread, 10);
    let list = all(&store);
    assert_eq!(list.len(), 11);
    let starred = by_title(&list, "Item 5");
    assert!(starred.starred && starred.read);
    assert!(!by_title(&list, "Item 30").read);
    // The article reads offline from the cache like any other.
    let article = store
        .article(by_title(&list, "Item 30").id)
        .unwrap()
        .unwrap();
    assert!(article.content.contains("Body of item 30"), "{article:?}");
    // History the reader has read is not downloaded on the first sync.
    assert!(f.calls("since_id").is_empty(), "{:?}", f.calls("items"));
}

#[test]
fn a_later_sync_asks_only_for_what_is_newer_and_pages_through_it() {
    let f = server(5);
    let (_dir, mut store, a) = synced(&f.url());
    let before = f.state().log.len();

    f.add_items(11, 120); // ids 6..=125: three pages of 50, 50 and 20
    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(report.new_items, 120);
    let pages: Vec<String> = f.state().log[before..]
        .iter()
        .filter(|(q, _)| q.contains("since_id"))
        .map(|(q, _)| q.clone())
        .collect();
    assert_eq!(
        pages,
        vec![
            "api&items&since_id=5",
            "api&items&since_id=55",
            "api&items&since_id=105",
            "api&items&since_id=125"
        ]
    );
    // Nothing known travels again.
    assert_eq!(
        f.calls("with_ids").len(),
        1,
        "the first sync's only: {:?}",
        f.calls("with_ids")
    );
    assert_eq!(all(&store).len(), 125);

    let before = f.state().log.len();
    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(report.new_items, 0);
    let items_calls = f.state().log[before..]
        .iter()
        .filter(|(q, _)| q.contains("items&"))
        .count();
    assert_eq!(items_calls, 1, "one empty page, nothing else");
}

#[test]
fn read_and_star_changes_made_here_reach_the_server_in_the_order_made_and_the_last_wins() {
    let f = server(3);
    let (_dir, mut store, a) = synced(&f.url());
    let list = all(&store);
    let (one, two) = (by_title(&list, "Item 1").id, by_title(&list, "Item 2").id);

    store.set_read(&[one], true).unwrap();
    store.set_starred(two, true).unwrap();
    store.set_read(&[two], true).unwrap();
    store.set_read(&[two], false).unwrap(); // changed my mind: unread wins
    assert_eq!(store.queue_len().unwrap(), 4);
    // Meanwhile someone marks item 2 read on another device.
    f.state().read.insert(2);

    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(report.sent, 3, "{report:?}");
    let mut marks = f.marks();
    marks.sort();
    assert_eq!(
        marks,
        vec![
            ("read".to_string(), "1".to_string()),
            ("saved".to_string(), "2".to_string()),
            ("unread".to_string(), "2".to_string()),
        ]
    );
    assert_eq!(store.queue_len().unwrap(), 0);
    let s = f.state();
    assert!(s.read.contains(&1) && !s.read.contains(&2) && s.saved.contains(&2));
    drop(s);
    let list = all(&store);
    assert!(by_title(&list, "Item 1").read);
    assert!(!by_title(&list, "Item 2").read && by_title(&list, "Item 2").starred);
}

#[test]
fn changes_the_server_made_elsewhere_show_here_unless_a_change_here_is_still_waiting() {
    let f = server(4);
    let (_dir, mut store, a) = synced(&f.url());
    {
        let mut s = f.state();
        s.read.insert(1);
        s.saved.insert(3);
    }
    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!((report.read_changes, report.star_changes), (1, 1));
    let list = all(&store);
    assert!(by_title(&list, "Item 1").read);
    assert!(by_title(&list, "Item 3").starred);

    // The server is down while the reader stars item 4: the change waits, and the
    // server's (older) state does not undo it when the server is back.
    let down = account("http://127.0.0.1:9/api/fever.php", PASSWORD);
    let item4 = by_title(&list, "Item 4").id;
    store.set_starred(item4, true).unwrap();
    let e = support::sync_now(&mut store, &down).unwrap_err();
    assert!(matches!(e, SyncError::Unreachable { .. }), "{e}");
    assert_eq!(store.queue_len().unwrap(), 1);
    support::sync_now(&mut store, &a).unwrap();
    assert!(f.state().saved.contains(&4));
    assert!(by_title(&all(&store), "Item 4").starred);
}

#[test]
fn a_server_that_is_down_leaves_the_cache_and_the_queue_as_they_were() {
    let f = server(3);
    let (_dir, mut store) = support::empty_cache();
    support::sync_now(&mut store, &account(&f.url(), PASSWORD)).unwrap();
    let id = by_title(&all(&store), "Item 2").id;
    store.set_read(&[id], true).unwrap();
    drop(f); // the listener thread lives on; use an address nobody serves instead
    let dead = account("http://127.0.0.1:9/fever/", PASSWORD);
    let e = support::sync_now(&mut store, &dead).unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("cannot reach http://127.0.0.1:9/fever/: "),
        "{message}"
    );
    assert_eq!(message.matches("127.0.0.1:9").count(), 1, "{message}");
    assert_eq!(store.queue_len().unwrap(), 1);
    assert_eq!(all(&store).len(), 3);
    assert!(by_title(&all(&store), "Item 2").read);
}

#[test]
fn a_refused_login_names_the_server_and_never_the_password() {
    let f = server(1);
    let (_dir, mut store) = support::empty_cache();
    let e = support::sync_now(&mut store, &account(&f.url(), "wrong password")).unwrap_err();
    let message = e.to_string();
    assert!(matches!(e, SyncError::Login { .. }), "{message}");
    assert!(
        message.contains(&format!("127.0.0.1:{}", f.port)),
        "{message}"
    );
    assert!(!message.contains("wrong password"), "{message}");
    assert!(all(&store).is_empty());
}

#[test]
fn a_feed_removed_on_the_server_leaves_the_reader_but_its_starred_items_stay() {
    let f = server(2);
    f.add_items(11, 2); // items 3 and 4 in the Valley Post
    let (_dir, mut store, a) = synced(&f.url());
    let star = by_title(&all(&store), "Item 3").id;
    store.set_starred(star, true).unwrap();
    support::sync_now(&mut store, &a).unwrap();

    f.state().feeds.remove(&11);
    support::sync_now(&mut store, &a).unwrap();
    let titles: Vec<String> = store
        .feeds()
        .unwrap()
        .into_iter()
        .map(|f| f.title)
        .collect();
    assert_eq!(titles, vec!["Harbour Gazette"]);
    assert!(
        store.article(star).unwrap().is_some(),
        "the starred item is kept"
    );
}

#[test]
fn ten_thousand_unread_items_arrive_in_batches_of_fifty() {
    let f = server(10_000);
    f.state().strings = true; // ids as strings, as some servers send them
    let (_dir, mut store) = support::empty_cache();
    let report = support::sync_now(&mut store, &account(&f.url(), PASSWORD)).unwrap();
    assert_eq!(report.new_items, 10_000);
    assert_eq!(f.calls("with_ids").len(), 200);
    assert_eq!(store.item_count().unwrap(), 10_000);
    let ids: HashSet<u64> = f
        .calls("with_ids")
        .iter()
        .flat_map(|q| {
            q.split("with_ids=")
                .nth(1)
                .unwrap_or("")
                .split(',')
                .map(|i| i.parse::<u64>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(ids.len(), 10_000, "each id asked for once");
}

#[test]
fn a_page_that_fails_keeps_the_pages_that_came_before_it_and_the_next_sync_brings_the_rest() {
    let f = server(500);
    // Ten pages of fifty, at most eight asked at once: the last page is asked only after
    // two others arrived, and it fails.
    f.state().fail_with_item = Some(500);
    let (_dir, mut store) = support::empty_cache();
    let a = account(&f.url(), PASSWORD);
    assert!(support::sync_now(&mut store, &a).is_err());
    let kept = store.item_count().unwrap();
    assert!((100..=450).contains(&kept), "{kept} items kept");
    let from_failed_page = |h: &Headline| {
        h.title
            .strip_prefix("Item ")
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|n| n > 450)
    };
    assert!(!all(&store).iter().any(from_failed_page));

    f.state().fail_with_item = None;
    let report = support::sync_now(&mut store, &a).unwrap();
    assert_eq!(report.new_items, 500 - kept);
    assert_eq!(store.item_count().unwrap(), 500);
}

#[test]
fn a_server_asking_to_wait_is_not_asked_again_before_the_time_is_up() {
    let f = server(1);
    f.state().status = Some(429);
    let (_dir, mut store) = support::empty_cache();
    let a = account(&f.url(), PASSWORD);
    let e = support::sync_now(&mut store, &a).unwrap_err();
    assert!(matches!(e, SyncError::RateLimited { secs: 120, .. }), "{e}");
    let asked = f.state().log.len();
    f.state().status = None;
    let e = support::sync_now(&mut store, &a).unwrap_err();
    assert!(matches!(e, SyncError::RateLimited { .. }), "{e}");
    assert_eq!(
        f.state().log.len(),
        asked,
        "no request before the wait is over"
    );
}

#[test]
fn synced_items_and_the_configs_own_feeds_live_side_by_side() {
    let f = server(2);
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("local.xml");
    std::fs::write(&feed, support::rss("Local", "loc", 3)).unwrap();
    let config = support::config(&[feed.display().to_string()]);
    let mut store = support::store(&dir, &config);
    support::sync_now(&mut store, &account(&f.url(), PASSWORD)).unwrap();
    tidings::feed::poller::refresh(
        &mut store,
        &config,
        &tidings::feed::poller::Selection::default(),
        |_| {},
    )
    .unwrap();
    // The config's feed list is applied again (as at every start): the server's feeds stay.
    let again: Vec<_> = config
        .feeds
        .iter()
        .map(|f| (f.url.clone(), f.title.clone(), f.tags.clone()))
        .collect();
    store.sync_feeds(&again).unwrap();
    assert_eq!(store.feeds().unwrap().len(), 3);
    assert_eq!(all(&store).len(), 5);
    // `r` on a synced feed syncs; on the config's own feed it only fetches.
    let feeds = store.feeds().unwrap();
    let local_id = store.feed_id(&feed.display().to_string()).unwrap().unwrap();
    let remote_id = feeds
        .iter()
        .find(|f| f.title == "Harbour Gazette")
        .unwrap()
        .id;
    assert!(store.any_remote(&[local_id, remote_id]).unwrap());
    assert!(!store.any_remote(&[local_id]).unwrap());
    // Reading a local item queues nothing for the server.
    let local = by_title(&all(&store), "Local item 0").id;
    store.set_read(&[local], true).unwrap();
    assert_eq!(store.queue_len().unwrap(), 0);
    // Search finds synced items.
    let found = store.search("harbour", &HeadlineFilter::default()).unwrap();
    assert_eq!(found.len(), 2);
}

#[test]
fn tidings_sync_exits_0_then_1_when_the_server_is_gone_and_never_prints_the_password() {
    let f = server(2);
    let dir = tempfile::tempdir().unwrap();
    let write = |url: &str| {
        support::write_sync_config(
            dir.path(),
            &format!(
                "kind = \"fever\"\nurl = \"{url}\"\nusername = \"{USER}\"\npassword_command = \"echo '{PASSWORD}'\""
            ),
            &[],
        );
    };
    write(&f.url());
    let (code, text) = support::run_tidings(dir.path(), &["sync"], None);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("synced: 2 feeds, 2 new items"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");

    write("http://127.0.0.1:9/fever/");
    let (code, text) = support::run_tidings(dir.path(), &["sync"], None);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("sync failed: cannot reach http://127.0.0.1:9/fever/"),
        "{text}"
    );
    assert!(!text.contains(PASSWORD), "{text}");
    let log = std::fs::read_to_string(dir.path().join("tidings/tidings.log")).unwrap_or_default();
    assert!(!log.contains(PASSWORD));
}

#[test]
fn the_fever_api_cannot_change_subscriptions_and_says_where_to_do_it() {
    let f = server(1);
    let (_dir, mut store) = support::empty_cache();
    let edit = sync::SubscriptionEdit::Add {
        url: "https://news.example/feed.xml".into(),
        title: None,
        tag: None,
    };
    let e = sync::edit_subscription(
        &mut store,
        &account(&f.url(), PASSWORD),
        &support::sync_options(),
        &edit,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("web interface"), "{e}");
    assert!(f.state().log.is_empty(), "nothing was sent");
}

#[test]
fn a_tls_failure_is_named_as_one() {
    // The Fever server speaks plain HTTP; asked for TLS, the handshake fails.
    let f = server(1);
    let (_dir, mut store) = support::empty_cache();
    let https = f.url().replace("http://", "https://");
    let e = support::sync_now(&mut store, &account(&https, PASSWORD))
        .unwrap_err()
        .to_string();
    assert!(e.contains("the TLS handshake failed"), "{e}");
    assert_eq!(e.matches("127.0.0.1").count(), 1, "{e}");
}

#[test]
fn a_server_that_ignores_since_id_cannot_make_a_sync_loop() {
    let f = server(120);
    let (_dir, mut store, a) = synced(&f.url());
    f.add_items(11, 5);
    f.state().ignore_since = true;
    let before = f.state().log.len();
    support::sync_now(&mut store, &a).unwrap();
    let pages = f.state().log[before..]
        .iter()
        .filter(|(q, _)| q.contains("since_id"))
        .count();
    assert_eq!(pages, 1, "the page went back, not forward: stop");
    // The new items are unread: they arrive through the unread list all the same.
    assert_eq!(store.item_count().unwrap(), 125);
}

#[test]
fn a_refresh_whose_sync_cannot_start_still_fetches_every_feed_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("local.xml");
    std::fs::write(&feed, support::rss("Local", "loc", 3)).unwrap();
    support::write_sync_config(
        dir.path(),
        "kind = \"fever\"\nurl = \"http://127.0.0.1:9/fever/\"\nusername = \"me\"\npassword_command = \"exit 3\"",
        &[&feed],
    );
    let (code, text) = support::run_tidings(dir.path(), &["refresh"], None);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("sync failed") && text.contains("password_command failed"),
        "{text}"
    );
    let cache = dir.path().join("cache.sqlite");
    assert_eq!(
        Store::open(&cache).unwrap().item_count().unwrap(),
        3,
        "{text}"
    );
}

#[test]
fn a_server_that_moved_is_not_followed_and_the_error_gives_the_new_address() {
    let f = server(1);
    f.state().moved_to = Some("https://rss.example.net/api/fever.php".into());
    let (_dir, mut store) = support::empty_cache();
    let e = support::sync_now(&mut store, &account(&f.url(), PASSWORD))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("redirects to https://rss.example.net/api/fever.php"),
        "{e}"
    );
    assert_eq!(f.state().log.len(), 1, "asked once, not followed");
}

#[test]
fn an_answer_larger_than_max_body_bytes_is_refused() {
    let f = server(1);
    f.state().padding = 200_000;
    let (_dir, mut store) = support::empty_cache();
    let mut o = support::sync_options();
    o.max_body_bytes = 100_000;
    let e = sync::sync(&mut store, &account(&f.url(), PASSWORD), &o)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("larger than 100000 bytes (max_body_bytes)"),
        "{e}"
    );
}

#[test]
fn a_server_the_config_no_longer_names_hides_its_feeds_and_its_waiting_changes_count_for_it_alone()
{
    let old = server(2);
    let new = server(3);
    let (_dir, mut store) = support::empty_cache();
    let (a, b) = (account(&old.url(), PASSWORD), account(&new.url(), PASSWORD));
    support::sync_now(&mut store, &a).unwrap();
    let id = by_title(&all(&store), "Item 1").id;
    store.set_starred(id, true).unwrap();
    support::sync_now(&mut store, &b).unwrap();
    assert_eq!(
        all(&store).len(),
        3,
        "only the new server's items are listed"
    );
    assert_eq!(store.queue_len_of(&a.name()).unwrap(), 1);
    assert_eq!(store.queue_len_of(&b.name()).unwrap(), 0);
}

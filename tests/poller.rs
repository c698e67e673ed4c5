//! The poller against a real HTTP server on 127.0.0.1.

mod support;

use std::time::{Duration, Instant};

use support::{config, rss, store, Route, Server};
use tidings::feed::poller::{self, Event, Selection};
use tidings::store::HeadlineFilter;

fn refresh(
    store: &mut tidings::store::Store,
    config: &tidings::config::Config,
) -> (poller::Summary, Vec<Event>) {
    let mut events = Vec::new();
    let summary = poller::refresh(store, config, &Selection::default(), |e| {
        events.push(e.clone())
    })
    .unwrap();
    (summary, events)
}

/// Serves `n` feeds of two items each on `server`; their URLs.
fn good_feeds(server: &Server, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let path = format!("/ok{i}.xml");
            server.feed(&path, rss(&format!("Ok{i}"), &format!("ok{i}"), 2));
            server.url(&path)
        })
        .collect()
}

fn error_of(store: &tidings::store::Store, url: &str) -> Option<String> {
    store
        .feeds()
        .unwrap()
        .into_iter()
        .find(|f| f.url == url)
        .and_then(|f| f.last_error)
}

#[test]
fn second_refresh_is_conditional_and_adds_no_duplicates() {
    let server = Server::start();
    server.feed("/a.xml", rss("A", "a", 5));
    let cfg = config(&[server.url("/a.xml")]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);

    let (first, _) = refresh(&mut store, &cfg);
    assert_eq!(first.new_items, 5);
    let (second, events) = refresh(&mut store, &cfg);
    assert_eq!(second.new_items, 0);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Stored {
            not_modified: true,
            ..
        }
    )));

    let requests = server.requests_to("/a.xml");
    assert_eq!(requests.len(), 2);
    assert!(!requests[0].headers.contains_key("if-none-match"));
    assert_eq!(
        requests[1].headers.get("if-none-match").map(String::as_str),
        Some("\"/a.xml-v1\"")
    );
    assert_eq!(
        requests[1]
            .headers
            .get("if-modified-since")
            .map(String::as_str),
        Some("Wed, 25 Nov 2026 10:00:00 GMT")
    );
    assert!(requests[0].headers["user-agent"].starts_with("tidings/"));
    assert_eq!(store.item_count().unwrap(), 5);
}

#[test]
fn gzip_bodies_are_decompressed() {
    let server = Server::start();
    server.route("/gz.xml", Route::Gzip(rss("Gz", "g", 3).into_bytes()));
    let cfg = config(&[server.url("/gz.xml")]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    let (summary, _) = refresh(&mut store, &cfg);
    assert_eq!((summary.new_items, summary.failed), (3, 0));
    assert!(server.requests_to("/gz.xml")[0].headers["accept-encoding"].contains("gzip"));
}

#[test]
fn redirects_are_followed_up_to_five_and_only_to_http() {
    let server = Server::start();
    server.feed("/final.xml", rss("F", "f", 1));
    for i in 0..7 {
        let next = if i == 0 {
            server.url("/final.xml")
        } else {
            server.url(&format!("/r{}", i - 1))
        };
        server.route(&format!("/r{i}"), Route::Redirect(next));
    }
    server.route("/to-file", Route::Redirect("file:///etc/passwd".into()));
    server.route("/to-ftp", Route::Redirect("ftp://127.0.0.1/feed".into()));
    let (ok, too_many, file, ftp) = (
        server.url("/r4"),
        server.url("/r6"),
        server.url("/to-file"),
        server.url("/to-ftp"),
    );
    let cfg = config(&[ok.clone(), too_many.clone(), file.clone(), ftp.clone()]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    let (summary, _) = refresh(&mut store, &cfg);
    assert_eq!(summary.failed, 3);
    assert_eq!(error_of(&store, &ok), None, "5 redirects are fine");
    assert!(error_of(&store, &too_many)
        .unwrap()
        .contains("more than 5 redirects"));
    let e = error_of(&store, &file).unwrap();
    assert!(e.contains("redirect to a `file:` URL"), "{e}");
    assert!(error_of(&store, &ftp)
        .unwrap()
        .contains("redirect to a `ftp:` URL"));
}

#[test]
fn oversized_bodies_fail_with_a_message_that_says_so() {
    let server = Server::start();
    server.route("/big", Route::Huge(2_000_000));
    // Small on the wire, 50 MB expanded: the cap counts expanded bytes.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut enc, &vec![b' '; 50 * 1024 * 1024]).unwrap();
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 200_000);
    server.route(
        "/bomb",
        Route::Encoded {
            body: bomb,
            encoding: "gzip",
        },
    );
    let mut cfg = config(&[server.url("/big"), server.url("/bomb")]);
    cfg.max_body_bytes = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    let (summary, _) = refresh(&mut store, &cfg);
    assert_eq!(summary.failed, 2);
    for path in ["/big", "/bomb"] {
        let err = error_of(&store, &server.url(path)).unwrap();
        assert!(
            err.contains("larger than the limit of 1000000 bytes"),
            "{path}: {err}"
        );
    }
}

#[test]
fn a_stalled_server_times_out_while_the_other_feeds_are_stored() {
    let server = Server::start();
    server.route("/stall", Route::Stall);
    server.route("/trickle", Route::Trickle);
    let mut urls = vec![server.url("/stall"), server.url("/trickle")];
    urls.extend(good_feeds(&server, 5));
    let mut cfg = config(&urls);
    cfg.timeout_secs = 2;
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    let started = Instant::now();
    let (summary, _) = refresh(&mut store, &cfg);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!((summary.new_items, summary.failed), (10, 2));
    assert_eq!(
        error_of(&store, &server.url("/stall")).unwrap(),
        "timed out after 2 s"
    );
    assert_eq!(
        error_of(&store, &server.url("/trickle")).unwrap(),
        "timed out after 2 s"
    );
}

#[test]
fn slow_big_bodies_do_not_hold_up_the_other_feeds() {
    // Each trickler announces a megabyte: together more than the memory a refresh sets
    // aside for bodies in flight. A body still arriving after a second gives its place back.
    // Each on its own server (host and port), so that the per-host limit is not what waits.
    let tricklers: Vec<Server> = (0..8).map(|_| Server::start()).collect();
    let mut urls = Vec::new();
    for t in &tricklers {
        t.route("/trickle", Route::Trickle);
        urls.push(t.url("/trickle"));
    }
    let server = Server::start();
    urls.extend(good_feeds(&server, 10));
    let mut cfg = config(&urls);
    cfg.timeout_secs = 10;
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    let started = Instant::now();
    let mut last_stored = Duration::ZERO;
    let summary = poller::refresh(&mut store, &cfg, &Selection::default(), |e| {
        if matches!(e, Event::Stored { .. }) {
            last_stored = started.elapsed();
        }
    })
    .unwrap();
    assert_eq!((summary.new_items, summary.failed), (20, 8));
    assert!(
        last_stored < Duration::from_secs(5),
        "the good feeds waited for the slow ones: last stored after {last_stored:?}"
    );
}

#[test]
fn http_errors_are_recorded_as_that_feeds_error() {
    let server = Server::start();
    server.route(
        "/gone",
        Route::Status {
            code: 410,
            headers: vec![],
        },
    );
    server.route(
        "/broken",
        Route::Status {
            code: 500,
            headers: vec![],
        },
    );
    server.feed("/good.xml", rss("Good", "good", 1));
    let (missing, gone, broken) = (
        server.url("/missing"),
        server.url("/gone"),
        server.url("/broken"),
    );
    let cfg = config(&[
        missing.clone(),
        gone.clone(),
        broken.clone(),
        server.url("/good.xml"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    let (summary, events) = refresh(&mut store, &cfg);
    assert_eq!((summary.failed, summary.new_items), (3, 1));
    assert_eq!(
        error_of(&store, &missing).unwrap(),
        "HTTP 404 Not Found: no feed at this address"
    );
    assert!(error_of(&store, &gone)
        .unwrap()
        .contains("consider removing it"));
    assert_eq!(
        error_of(&store, &broken).unwrap(),
        "HTTP 500 Internal Server Error"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Failed { .. }))
            .count(),
        3
    );
}

#[test]
fn retry_after_and_repeated_failures_back_off() {
    let server = Server::start();
    server.route(
        "/busy",
        Route::Status {
            code: 429,
            headers: vec![("Retry-After".into(), "3600".into())],
        },
    );
    server.route(
        "/down",
        Route::Status {
            code: 503,
            headers: vec![],
        },
    );
    let cfg = config(&[server.url("/busy"), server.url("/down")]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    refresh(&mut store, &cfg);
    // The busy feed is left alone at once; the down feed gets one more try, then backs off.
    let (second, _) = refresh(&mut store, &cfg);
    assert_eq!((second.skipped, second.failed), (1, 1));
    let (third, _) = refresh(&mut store, &cfg);
    assert_eq!((third.skipped, third.failed), (2, 0));
    assert_eq!(server.requests_to("/busy").len(), 1);
    assert_eq!(server.requests_to("/down").len(), 2);
    // --force fetches anyway.
    let forced = poller::refresh(
        &mut store,
        &cfg,
        &Selection {
            only: None,
            force: true,
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(forced.failed, 2);
}

#[test]
fn a_feed_that_recovers_clears_its_error() {
    let server = Server::start();
    server.route(
        "/flaky.xml",
        Route::Status {
            code: 500,
            headers: vec![],
        },
    );
    let url = server.url("/flaky.xml");
    let cfg = config(std::slice::from_ref(&url));
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    refresh(&mut store, &cfg);
    assert!(error_of(&store, &url).is_some());
    server.feed("/flaky.xml", rss("Flaky", "fl", 2));
    let (summary, _) = refresh(&mut store, &cfg);
    assert_eq!(summary.new_items, 2);
    assert_eq!(error_of(&store, &url), None);
    assert_eq!(
        store.headlines(&HeadlineFilter::default()).unwrap().len(),
        2
    );
}

#[test]
fn an_html_page_is_reported_with_the_feed_it_names() {
    let server = Server::start();
    server.route(
        "/page",
        Route::Feed {
            body: b"<!doctype html><html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/feed.xml\"></head><body>hi</body></html>".to_vec(),
            content_type: "text/html",
            etag: "\"p\"".into(),
        },
    );
    let url = server.url("/page");
    let cfg = config(std::slice::from_ref(&url));
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    refresh(&mut store, &cfg);
    assert_eq!(
        error_of(&store, &url).unwrap(),
        "not a readable feed: an HTML page, not a feed (it names a feed: /feed.xml)"
    );
}

#[test]
fn refused_connections_and_dns_failures_are_clear() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = format!("http://127.0.0.1:{port}/feed");
    let dns = "http://no-such-host.invalid/feed".to_string();
    let cfg = config(&[refused.clone(), dns.clone()]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    refresh(&mut store, &cfg);
    let e = error_of(&store, &refused).unwrap();
    assert!(
        e.starts_with("cannot connect") && e.to_lowercase().contains("refused"),
        "{e}"
    );
    let e = error_of(&store, &dns).unwrap();
    assert!(
        e.starts_with("cannot connect") && e.to_lowercase().contains("dns"),
        "{e}"
    );
}

/// A 304 answers a conditional request; to a request that sent no validators it is a broken
/// server, not "nothing new".
#[test]
fn a_304_to_a_request_without_validators_is_an_error() {
    let server = Server::start();
    server.route(
        "/always-304",
        Route::Status {
            code: 304,
            headers: vec![],
        },
    );
    let url = server.url("/always-304");
    let cfg = config(std::slice::from_ref(&url));
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    let (summary, _) = refresh(&mut store, &cfg);
    assert_eq!(summary.failed, 1);
    let error = error_of(&store, &url).expect("recorded as the feed's error");
    assert!(error.contains("304"), "{error}");
}

#[test]
fn a_hundred_thousand_feeds_refresh_in_linear_time() {
    // Probe finding 7: a config scan per feed made 100,000 feeds quadratic (about 5·10⁹
    // string comparisons, minutes before the first request). Local paths that do not exist
    // fail at once, so what is left is the per-feed bookkeeping: 2 s in a debug build, 88 s
    // with the scan. The watchdog sits far from both; it only catches the quadratic scan.
    let dir = tempfile::tempdir().unwrap();
    let urls: Vec<String> = (0..100_000)
        .map(|i| {
            dir.path()
                .join(format!("missing-{i}.xml"))
                .display()
                .to_string()
        })
        .collect();
    let mut cfg = config(&urls);
    cfg.feeds[7].full_text = true;
    let mut store = store(&dir, &cfg);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (summary, _) = refresh(&mut store, &cfg);
        let _ = tx.send(summary);
    });
    let summary = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("refresh of 100,000 feeds did not finish in 30 s");
    assert_eq!(summary.feeds, 100_000);
    assert_eq!(summary.failed, 100_000);
}

#[test]
fn items_dated_far_in_the_future_are_not_pinned_above_todays_news() {
    let server = Server::start();
    server.feed(
        "/f.xml",
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title>\
         <item><title>From 9999</title><guid>far</guid><pubDate>Fri, 31 Dec 9999 23:00:00 GMT</pubDate></item>\
         <item><title>An older story</title><guid>near</guid><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>\
         </channel></rss>",
    );
    let cfg = config(&[server.url("/f.xml")]);
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    let before = chrono::Utc::now().timestamp();
    refresh(&mut store, &cfg);
    let after = chrono::Utc::now().timestamp();
    let list = store.headlines(&HeadlineFilter::default()).unwrap();
    let far = list.iter().find(|h| h.title == "From 9999").unwrap();
    let published = far.published.unwrap();
    assert!(
        (before..=after + 1).contains(&published),
        "{published} not clamped to the fetch time"
    );
    assert_eq!(list[1].title, "An older story");
}

#[test]
fn one_host_never_sees_more_than_two_requests_at_once() {
    let servers = [
        Server::start_with_latency(Duration::from_millis(100)),
        Server::start_with_latency(Duration::from_millis(100)),
    ];
    let mut urls = Vec::new();
    for (s, server) in servers.iter().enumerate() {
        for i in 0..10 {
            let path = format!("/f{i}.xml");
            server.feed(&path, rss("F", &format!("s{s}f{i}-"), 2));
            urls.push(server.url(&path));
        }
    }
    let mut cfg = config(&urls);
    cfg.concurrency = 64;
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir, &cfg);
    let (summary, _) = refresh(&mut store, &cfg);
    assert_eq!((summary.new_items, summary.failed), (40, 0));
    for server in &servers {
        let most = server
            .max_in_flight
            .load(std::sync::atomic::Ordering::SeqCst);
        assert!(most <= 2, "{most} requests at once to one host");
        assert!(most >= 1);
    }
}

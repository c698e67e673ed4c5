//! Hostile feeds, dead servers and broken files: tidings keeps working, says what went
//! wrong and where, stores every good feed, and lets no escape sequence through.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{rss, Route, Server};
use tidings::store::{HeadlineFilter, Store};

const ESCAPES: &str =
    "\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]8;;http://evil/\u{1b}\\\u{9b}31m\u{202e}\u{0}\u{8}\r";

/// What must never reach a terminal: escape/control bytes and the payloads they carried.
fn assert_clean(what: &str, text: &str) {
    for bad in [
        '\u{1b}', '\u{7}', '\u{9b}', '\u{9d}', '\u{202e}', '\u{0}', '\u{8}', '\r',
    ] {
        assert!(!text.contains(bad), "{what} contains {:?}:\n{text}", bad);
    }
    assert!(
        !text.contains("ZXZpbA=="),
        "{what} leaked an OSC 52 payload:\n{text}"
    );
}

fn hostile_feed() -> String {
    let t = tidings::text::escape_html(ESCAPES);
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Evil{t}Feed</title>\
         <item><title>Breaking{t}news</title><guid>evil-1</guid><author>x@y ({t}Mallory)</author>\
         <link>javascript:alert(1)</link><description>&lt;p&gt;Body{t}text&lt;/p&gt;</description></item></channel></rss>"
    )
}

fn tidings() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tidings"))
}

/// `tidings --config CONFIG --cache CACHE refresh`
fn refresh_cmd(config: &std::path::Path, cache: &std::path::Path) -> Command {
    let mut cmd = tidings();
    cmd.arg("--config")
        .arg(config)
        .arg("--cache")
        .arg(cache)
        .arg("refresh");
    cmd
}

#[test]
fn refresh_survives_every_hostile_server_and_stores_the_good_feeds() {
    let server = Server::start();
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(&vec![b'<'; 64 * 1024 * 1024]).unwrap();
    let routes = [
        ("/stall", Route::Stall),
        ("/trickle", Route::Trickle),
        ("/gigabyte", Route::Huge(1 << 30)),
        ("/bomb", Route::Encoded { body: bomb.finish().unwrap(), encoding: "gzip" }),
        ("/loop", Route::Redirect("/loop".into())),
        ("/to-file", Route::Redirect("file:///etc/passwd".into())),
        ("/to-ftp", Route::Redirect("ftp://127.0.0.1/x".into())),
        ("/gone", Route::Status { code: 410, headers: vec![] }),
        ("/busy", Route::Status { code: 429, headers: vec![("Retry-After".into(), "120".into())] }),
        ("/broken", Route::Status { code: 500, headers: vec![] }),
        ("/page", Route::Feed { body: b"<html><head><link rel=alternate type=application/atom+xml href=/atom></head></html>".to_vec(), content_type: "text/html", etag: "\"p\"".into() }),
    ];
    let mut failing: Vec<String> = Vec::new();
    for (path, route) in routes {
        server.route(path, route);
        failing.push(server.url(path));
    }
    failing.push(server.url("/missing"));
    let refused_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    failing.push(format!("http://127.0.0.1:{refused_port}/feed"));
    failing.push("http://no-such-host.invalid/feed".into());
    // Hostile but readable: escapes in every field, invalid UTF-8, a lying charset.
    server.feed("/evil.xml", hostile_feed());
    let mut bad_utf8 = rss("Broken bytes", "bb", 2).into_bytes();
    let at = bad_utf8.len() - 40;
    bad_utf8.splice(at..at, [0xff, 0xfe, 0xc3]);
    server.feed("/bad-utf8.xml", bad_utf8);
    server.route(
        "/latin1.xml",
        Route::Feed {
            body: rss("Caf\u{e9}", "l1", 1).into_bytes(),
            content_type: "text/xml; charset=iso-8859-1",
            etag: "\"l\"".into(),
        },
    );
    let mut good: Vec<String> = vec![
        server.url("/evil.xml"),
        server.url("/bad-utf8.xml"),
        server.url("/latin1.xml"),
    ];
    for i in 0..10 {
        let path = format!("/good{i}.xml");
        server.feed(&path, rss(&format!("Good {i}"), &format!("g{i}"), 3));
        good.push(server.url(&path));
    }

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let mut text = String::from("timeout_secs = 3\nconnect_timeout_secs = 2\n");
    for url in failing.iter().chain(&good) {
        text.push_str(&format!("[[feeds]]\nurl = \"{url}\"\n"));
    }
    std::fs::write(&config, text).unwrap();
    let cache = dir.path().join("cache.sqlite");

    let started = Instant::now();
    let out = refresh_cmd(&config, &cache).output().unwrap();
    let elapsed = started.elapsed();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        elapsed < Duration::from_secs(3 + 5),
        "took {elapsed:?}\n{stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_clean("refresh output", &stdout);
    for url in &failing {
        let lines: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains(url.as_str()) && l.contains(": error: "))
            .collect();
        assert_eq!(lines.len(), 1, "one clear line for {url}:\n{stdout}");
    }
    let summary = stdout.lines().last().unwrap();
    assert!(
        summary.starts_with(&format!("{} feeds, ", failing.len() + good.len())),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("{} failed", failing.len())),
        "{summary}"
    );
    for (url, needle) in [
        ("/gigabyte", "larger than the limit"),
        ("/bomb", "larger than the limit"),
        ("/loop", "more than 5 redirects"),
        ("/gone", "410"),
        ("/page", "an HTML page, not a feed (it names a feed: /atom)"),
        ("/stall", "timed out after 3 s"),
    ] {
        let line = stdout
            .lines()
            .find(|l| l.contains(&server.url(url)))
            .unwrap();
        assert!(line.contains(needle), "{line}");
    }

    let store = Store::open(&cache).unwrap();
    let feeds = store.feeds().unwrap();
    for url in &good {
        let feed = feeds.iter().find(|f| &f.url == url).unwrap();
        assert!(
            feed.last_error.is_none() && feed.unread > 0,
            "{url}: {feed:?}"
        );
    }
    assert!(
        feeds.iter().any(|f| f.title == "Café"),
        "charset from the HTTP header"
    );

    // The reader shows the hostile item harmlessly.
    let config = tidings::config::Config::default();
    let keymap = tidings::keymap::Keymap::new(&config.keys);
    let mut app = tidings::runtime::load_app(&store, &config, &keymap, (120, 30)).unwrap();
    app.update(tidings::app::Event::HeadlinesLoaded(
        store.headlines(&HeadlineFilter::default()).unwrap(),
    ));
    let evil = app
        .list
        .headlines
        .iter()
        .position(|h| h.title.contains("Breaking"))
        .unwrap();
    app.list.selected = evil;
    let id = app.list.headlines[evil].id;
    app.update(tidings::app::Event::ArticleLoaded(Box::new(
        store.article(id).unwrap().unwrap(),
    )));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    terminal.draw(|f| tidings::ui::draw(f, &app)).unwrap();
    let buf = terminal.backend().buffer();
    let screen: String = buf.content.iter().map(|c| c.symbol()).collect();
    let squashed: String = screen.split_whitespace().collect();
    assert!(
        squashed.contains("Breakingnews") && squashed.contains("Bodytext"),
        "{screen}"
    );
    assert_clean("reader screen", &screen);
    // Its javascript: link is never opened.
    assert!(app
        .update(tidings::app::Event::Action(tidings::app::Action::OpenLink))
        .is_empty());
}

#[test]
fn inspect_and_clean_print_no_escape_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let evil = dir.path().join("evil.xml");
    std::fs::write(&evil, hostile_feed()).unwrap();
    let missing = dir.path().join("missing.xml");
    let out = tidings()
        .arg("inspect")
        .arg(&evil)
        .arg(&missing)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_clean("inspect", &stdout);
    // The carriage return in the title became a space; everything else is gone.
    assert!(
        stdout.contains(": ok, rss2, \"Evil Feed\", 1 items"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing.xml: error: cannot read"),
        "{stdout}"
    );
    assert!(stdout.ends_with("parsed 1 of 2\n"), "{stdout}");

    let mut child = tidings()
        .args(["clean", "--explain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("<p>Body{ESCAPES}text</p><p>More</p>").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_clean("clean", &stdout);
    assert!(
        stdout.contains("[keep 0.") && stdout.contains("] Body text"),
        "{stdout}"
    );
}

#[test]
fn external_entities_are_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "SECRET-3141").unwrap();
    let doc = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://{}\">]>\
         <rss version=\"2.0\"><channel><title>t &xxe;</title><item><title>&xxe;</title><description>&xxe;</description></item></channel></rss>",
        secret.display()
    );
    if let Ok(feed) = tidings::feed::parse::parse(doc.as_bytes(), None) {
        assert!(!format!("{feed:?}").contains("SECRET-3141"));
    }
}

#[test]
fn entity_expansion_bombs_do_not_blow_up() {
    let mut doc = support::entity_bomb_prolog("lolz");
    doc.push_str("<rss version=\"2.0\"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>");
    let started = Instant::now();
    let result = tidings::feed::parse::parse(doc.as_bytes(), None);
    assert!(started.elapsed() < Duration::from_secs(5));
    if let Ok(feed) = result {
        assert!(
            format!("{feed:?}").len() < 100_000,
            "entities were expanded"
        );
    }
}

#[test]
fn a_feed_of_100000_items_and_a_10_mb_item_are_handled() {
    let big = rss("Huge", "h", 100_000);
    let feed = tidings::feed::parse::parse(big.as_bytes(), None).unwrap();
    assert_eq!(feed.items.len(), 100_000);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    store.sync_feeds(&[("u".into(), None, vec![])]).unwrap();
    let id = store.feed_id("u").unwrap().unwrap();
    store
        .record_success(
            id,
            None,
            None,
            None,
            Some(&tidings::store::Rows::new(feed.items)),
            1000,
        )
        .unwrap();
    assert_eq!(
        store.item_count().unwrap(),
        100_000,
        "unread items are never dropped"
    );

    let paragraph = "<p>A long paragraph of a very long article, repeated many times over.</p>";
    let body = paragraph.repeat(10 * 1024 * 1024 / paragraph.len());
    let doc = format!(
        "<rss version=\"2.0\"><channel><title>T</title><item><title>Big</title><description>{}</description></item></channel></rss>",
        tidings::text::escape_html(&body)
    );
    let feed = tidings::feed::parse::parse(doc.as_bytes(), None).unwrap();
    assert!(feed.items[0].content.len() >= 10 * 1024 * 1024 - paragraph.len());
    let cleaner = tidings::clean::Cleaner::new(&Default::default()).unwrap();
    let cleaned = cleaner.clean(&feed.items[0].content, true);
    assert!(cleaned.render(100, false).len() > 100_000);
}

#[test]
fn kill_9_during_a_refresh_loses_nothing_and_the_next_refresh_completes() {
    let server = Server::start_with_latency(Duration::from_millis(250));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let mut text = String::from("concurrency = 2\n");
    for i in 0..40 {
        let path = format!("/k{i}.xml");
        server.feed(&path, rss(&format!("K{i}"), &format!("k{i}"), 25));
        text.push_str(&format!("[[feeds]]\nurl = \"{}\"\n", server.url(&path)));
    }
    std::fs::write(&config, text).unwrap();
    let cache = dir.path().join("cache.sqlite");
    let run = || {
        refresh_cmd(&config, &cache)
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    };

    // A first run, killed part-way (40 feeds at 2 at a time take about 5 s).
    let mut child = run();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let stored = Store::open(&cache)
            .ok()
            .and_then(|s| s.item_count().ok())
            .unwrap_or(0);
        if stored >= 100 || Instant::now() > deadline {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let store = Store::open(&cache).unwrap();
    let feeds = store.feeds().unwrap();
    let stored: Vec<u32> = feeds.iter().map(|f| f.unread).collect();
    assert!(
        stored.iter().all(|n| *n == 0 || *n == 25),
        "no feed is partly stored: {stored:?}"
    );
    assert!(stored.contains(&0), "killed before the end");
    // State set by the user survives the next refresh.
    let first = store.headlines(&HeadlineFilter::default()).unwrap()[0].id;
    store.set_starred(first, true).unwrap();
    drop(store);

    let status = run().wait().unwrap();
    assert!(status.success());
    let store = Store::open(&cache).unwrap();
    assert_eq!(store.item_count().unwrap(), 40 * 25);
    assert!(store
        .headlines(&HeadlineFilter::default())
        .unwrap()
        .iter()
        .any(|h| h.id == first && h.starred));
}

#[test]
fn a_bad_config_stops_before_the_cache_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");
    for (text, expect) in [
        (
            "concurrency = 4\n[[feeds]]\nurl = \"http://x/\"\ntags = \"news\"\n",
            ":4:8",
        ),
        ("timeout_secs = 1\nretention = 3\n", ":2:1"),
        ("[[feeds]\nurl = \"x\"\n", ":1:"),
    ] {
        let config = dir.path().join("config.toml");
        std::fs::write(&config, text).unwrap();
        let out = refresh_cmd(&config, &cache).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("{}{expect}", config.display())),
            "{expect}: {stderr}"
        );
        assert!(!cache.exists(), "the cache was not touched");
    }
}

#[test]
fn an_unusable_cache_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    // Not a directory anyone can create files in, root included.
    let out = tidings()
        .arg("--config")
        .arg(&config)
        .args(["--cache", "/proc/tidings-no/cache.sqlite", "refresh"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/proc/tidings-no/cache.sqlite"), "{stderr}");
    // A file that is not SQLite is refused and kept.
    let cache = dir.path().join("notes.txt");
    std::fs::write(&cache, "my notes\n".repeat(1000)).unwrap();
    let out = refresh_cmd(&config, &cache).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a tidings cache"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&cache).unwrap(),
        "my notes\n".repeat(1000)
    );
}

#[test]
fn a_full_disk_fails_the_refresh_clearly_and_keeps_the_stored_state() {
    let server = Server::start();
    server.feed("/small.xml", rss("Small", "s", 3));
    let big: String = rss("Big", "b", 3000);
    server.feed("/big.xml", big);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.sqlite");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[[feeds]]\nurl = \"{}\"\n", server.url("/small.xml")),
    )
    .unwrap();
    let out = refresh_cmd(&config, &cache).output().unwrap();
    assert!(out.status.success());
    let store = Store::open(&cache).unwrap();
    let starred = store.headlines(&HeadlineFilter::default()).unwrap()[0].id;
    store.set_starred(starred, true).unwrap();
    drop(store);

    // The disk "fills up": no file may grow past 64 KiB (SIGXFSZ ignored, so writes fail
    // with an error instead of killing the process).
    std::fs::write(
        &config,
        format!(
            "[[feeds]]\nurl = \"{}\"\n[[feeds]]\nurl = \"{}\"\n",
            server.url("/small.xml"),
            server.url("/big.xml")
        ),
    )
    .unwrap();
    let script = format!(
        "trap '' XFSZ; ulimit -f 128; exec '{}' --config '{}' --cache '{}' refresh",
        env!("CARGO_BIN_EXE_tidings"),
        config.display(),
        cache.display()
    );
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cache"), "{stderr}");

    // Nothing stored before is lost, and the cache still works once there is room.
    let store = Store::open(&cache).unwrap();
    let headlines = store.headlines(&HeadlineFilter::default()).unwrap();
    assert!(
        headlines.iter().any(|h| h.id == starred && h.starred),
        "starred state kept"
    );
    drop(store);
    let out = refresh_cmd(&config, &cache).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(Store::open(&cache).unwrap().item_count().unwrap(), 3003);
}

/// `tidings … | head -1`: the reader of our output goes away. Output ends quietly (exit 0,
/// nothing on stderr), and a refresh still stores every feed.
#[test]
fn a_closed_stdout_ends_output_quietly_and_never_aborts_a_refresh() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let mut text = String::from("concurrency = 4\n");
    for i in 0..60 {
        let path = format!("/p{i}.xml");
        server.feed(&path, rss(&format!("P{i}"), &format!("p{i}"), 5));
        text.push_str(&format!("[[feeds]]\nurl = \"{}\"\n", server.url(&path)));
    }
    std::fs::write(&config, text).unwrap();
    let cache = dir.path().join("cache.sqlite");
    // stdout is a pipe whose reading end is closed before the command writes anything.
    let closed = |mut cmd: Command, stdin: &str| {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut input = child.stdin.take().unwrap();
        let _ = input.write_all(stdin.as_bytes());
        drop(input);
        child.wait_with_output().unwrap()
    };
    let out = closed(refresh_cmd(&config, &cache), "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "refresh: {:?} {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(Store::open(&cache).unwrap().item_count().unwrap(), 60 * 5);

    let mut export = tidings();
    export
        .arg("--config")
        .arg(&config)
        .arg("--cache")
        .arg(&cache)
        .arg("export");
    let mut clean = tidings();
    clean
        .args(["--config"])
        .arg(&config)
        .args(["clean", "--explain"]);
    let mut inspect = tidings();
    inspect
        .args(["--config"])
        .arg(&config)
        .arg("inspect")
        .arg(server.url("/p1.xml"));
    let article = "A paragraph of the story.\n\n".repeat(20_000);
    for (name, cmd, stdin) in [
        ("export", export, ""),
        ("clean", clean, &article[..]),
        ("inspect", inspect, ""),
    ] {
        let out = closed(cmd, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {:?} {stderr}", out.status);
        assert!(stderr.is_empty(), "{name} printed: {stderr}");
    }
}

/// A feed path that is a FIFO would block its reader forever; `--config /dev/zero` would
/// read forever. Both end at once with a clear error.
#[test]
fn a_fifo_feed_and_an_endless_config_fail_at_once_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("feed.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let started = Instant::now();
    let out = tidings()
        .arg("--config")
        .arg(&config)
        .arg("inspect")
        .arg(&fifo)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(stdout.contains("not a regular file"), "{stdout}");

    let started = Instant::now();
    let out = tidings()
        .args(["--config", "/dev/zero", "--cache"])
        .arg(dir.path().join("c.sqlite"))
        .arg("refresh")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/dev/zero") && stderr.contains("larger than"),
        "{stderr}"
    );
}

/// `concurrency = 100000` under `ulimit -n 128`: the refresh lowers it to what the process
/// may open, says so, and stores every feed instead of failing with "Too many open files".
#[test]
fn concurrency_beyond_the_open_file_limit_is_lowered_and_every_feed_is_stored() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let mut text = String::from("concurrency = 100000\n");
    for i in 0..300 {
        let path = format!("/u{i}.xml");
        server.feed(&path, rss(&format!("U{i}"), &format!("u{i}"), 2));
        text.push_str(&format!("[[feeds]]\nurl = \"{}\"\n", server.url(&path)));
    }
    std::fs::write(&config, text).unwrap();
    let cache = dir.path().join("cache.sqlite");
    let script = format!(
        "ulimit -n 128 && exec '{}' --config '{}' --cache '{}' refresh",
        env!("CARGO_BIN_EXE_tidings"),
        config.display(),
        cache.display()
    );
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("concurrency 100000 lowered to 48"),
        "{stdout}"
    );
    assert_eq!(Store::open(&cache).unwrap().item_count().unwrap(), 300 * 2);
}

/// A mistyped `--config` path is an error, not a new empty config written there; an
/// in-memory cache, which would keep nothing, is refused.
#[test]
fn a_missing_explicit_config_and_a_memory_cache_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("confg.toml");
    let out = tidings()
        .arg("--config")
        .arg(&typo)
        .arg("--cache")
        .arg(dir.path().join("c.sqlite"))
        .arg("refresh")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("confg.toml"), "{stderr}");
    assert!(!typo.exists(), "nothing written at the mistyped path");

    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let out = tidings()
        .arg("--config")
        .arg(&config)
        .args(["--cache", ":memory:", "refresh"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains(":memory:"), "{stderr}");
}

#[test]
fn credentials_in_feed_urls_are_never_shown_nor_sent_to_another_host() {
    let server = Server::start();
    let elsewhere = Server::start();
    server.feed("/private", rss("Private", "p", 1));
    server.route(
        "/broken",
        Route::Status {
            code: 500,
            headers: vec![],
        },
    );
    server.route("/moved", Route::Redirect(elsewhere.url("/landing")));
    elsewhere.feed("/landing", rss("Landing", "l", 1));
    let with_credentials = |path: &str| {
        server
            .url(path)
            .replace("http://", "http://reader:hunter2@")
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let mut toml = String::new();
    for path in ["/private", "/broken", "/moved"] {
        toml.push_str(&format!(
            "[[feeds]]\nurl = \"{}\"\n",
            with_credentials(path)
        ));
    }
    toml.push_str("[[feeds]]\nurl = \"https://reader:hunter2@127.0.0.1:1/refused\"\n");
    std::fs::write(&config, toml).unwrap();
    let out = refresh_cmd(&config, &dir.path().join("cache.sqlite"))
        .output()
        .unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("http://***@127.0.0.1"), "{shown}");
    // The inspect command shows its input the same way.
    let out = tidings()
        .arg("--config")
        .arg(&config)
        .args(["inspect", &with_credentials("/broken")])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        !shown.contains("hunter2") && shown.contains("***@"),
        "{shown}"
    );

    // The credentials go to the host they were written for, and not past a redirect.
    let sent = &server.requests_to("/private")[0];
    assert!(sent.headers.contains_key("authorization"), "{sent:?}");
    let landed = &elsewhere.requests_to("/landing")[0];
    assert!(!landed.headers.contains_key("authorization"), "{landed:?}");
}

#[test]
fn a_cache_that_is_a_device_or_cannot_be_written_names_its_path_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[[feeds]]\nurl = \"https://x.example/feed\"\n").unwrap();
    // A symlink to /dev/null: refused as what it is, not as a full disk.
    let cache = dir.path().join("cache.sqlite");
    std::os::unix::fs::symlink("/dev/null", &cache).unwrap();
    let out = refresh_cmd(&config, &cache).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&cache.display().to_string()) && stderr.contains("not a regular file"),
        "{stderr}"
    );
    std::fs::remove_file(&cache).unwrap();

    // An immutable file (where this machine lets root set the flag): the path, once, and
    // the reason, once.
    std::fs::write(&cache, "").unwrap();
    let immutable = Command::new("chattr")
        .arg("+i")
        .arg(&cache)
        .status()
        .is_ok_and(|s| s.success());
    if !immutable {
        eprintln!("chattr +i is not permitted here: the immutable-file case was not run");
        return;
    }
    let out = refresh_cmd(&config, &cache).output().unwrap();
    let _ = Command::new("chattr").arg("-i").arg(&cache).status();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let shown = cache.display().to_string();
    assert_eq!(stderr.matches(&shown).count(), 1, "{stderr}");
    assert_eq!(stderr.matches("readonly database").count(), 1, "{stderr}");
}

#[test]
fn error_lines_say_the_path_and_the_reason_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = tidings()
        .arg("--config")
        .arg(dir.path())
        .arg("refresh")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.matches("Is a directory").count(), 1, "{stderr}");

    let config = dir.path().join("config.toml");
    let missing = dir.path().join("gone.xml");
    std::fs::write(
        &config,
        format!("[[feeds]]\nurl = \"{}\"\n", missing.display()),
    )
    .unwrap();
    let out = refresh_cmd(&config, &dir.path().join("cache.sqlite"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout.lines().find(|l| l.contains("gone.xml")).unwrap();
    assert_eq!(line.matches("gone.xml").count(), 1, "{line}");
    assert!(line.contains("No such file"), "{line}");
}

//! Sync against a real Fever server: coldsweat 0.10.2 (PyPI), started on 127.0.0.1 with its
//! own SQLite database, subscribed to feeds this test serves on 127.0.0.1, its favicon
//! service stubbed (`tests/support/coldsweat_runner.py`). tidings syncs from it, marks items
//! read and starred, and coldsweat's database shows the change; a change made on the server
//! shows in tidings' cache.
//!
//! Needs a Python with coldsweat: `TIDINGS_COLDSWEAT_PYTHON`, else `.ci/venv/bin/python`
//! (`.ci/run` makes it). Without one the test is skipped, saying so.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::Server;
use tidings::store::{HeadlineFilter, Store};

const EMAIL: &str = "reader@example.org";
const PASSWORD: &str = "correct horse battery";

fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("TIDINGS_COLDSWEAT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python"));
    Command::new(&candidate)
        .args(["-c", "import coldsweat"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        .then_some(candidate)
}

struct Coldsweat {
    python: PathBuf,
    dir: PathBuf,
    server: Option<Child>,
}

impl Coldsweat {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.python);
        c.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/coldsweat_runner.py"))
            .args(args)
            .current_dir(&self.dir)
            .env(
                "FLASK_DATABASE_URL",
                format!("sqlite:///{}", self.db().display()),
            )
            .env("FLASK_SECRET_KEY", "test only")
            // Any proxy setting must not send the test's requests elsewhere.
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1");
        c
    }

    fn run(&self, args: &[&str]) {
        let out = self.command(args).output().unwrap();
        assert!(
            out.status.success(),
            "coldsweat {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn db(&self) -> PathBuf {
        self.dir.join("coldsweat.db")
    }

    /// Starts the server on a free port of 127.0.0.1 and waits until it answers.
    fn start(&mut self) -> u16 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(self.dir.join("server.log")).unwrap();
        let child = self
            .command(&["run", "--host", "127.0.0.1", "--port", &port.to_string()])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.server = Some(child);
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "coldsweat did not start: {}",
                std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        port
    }

    fn ids(&self, table: &str) -> Vec<i64> {
        let db = rusqlite::Connection::open(self.db()).unwrap();
        let mut stmt = db
            .prepare(&format!("SELECT entry_id FROM {table} ORDER BY entry_id"))
            .unwrap();
        let ids = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<Vec<i64>, _>>()
            .unwrap();
        ids
    }
}

impl Drop for Coldsweat {
    fn drop(&mut self) {
        if let Some(mut c) = self.server.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `tidings sync` on the config and cache in `dir`: it must work and never print the
/// password.
fn tidings_sync(dir: &Path) -> String {
    let (code, text) = support::run_tidings(dir, &["sync"], Some(PASSWORD));
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains(PASSWORD));
    text
}

#[test]
fn tidings_syncs_with_a_real_coldsweat_server_both_ways() {
    let Some(python) = python() else {
        support::available(
            "coldsweat 0.10.2 in a Python (TIDINGS_COLDSWEAT_PYTHON or .ci/venv; `.ci/run` installs it)",
            false,
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let feeds = Server::start();
    feeds.feed("/harbour.xml", support::rss("Harbour", "hb", 4));
    feeds.feed("/valley.xml", support::rss("Valley", "vl", 3));
    std::fs::write(
        dir.path().join("feeds.opml"),
        format!(
            r#"<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline text="News" title="News">
<outline type="rss" text="Harbour" xmlUrl="{}"/>
<outline type="rss" text="Valley" xmlUrl="{}"/>
</outline></body></opml>"#,
            feeds.url("/harbour.xml"),
            feeds.url("/valley.xml")
        ),
    )
    .unwrap();
    let mut cs = Coldsweat {
        python,
        dir: dir.path().to_path_buf(),
        server: None,
    };
    cs.run(&["setup", EMAIL, "-p", PASSWORD]);
    cs.run(&["import", "-f", "feeds.opml", EMAIL]);
    let port = cs.start();

    support::write_sync_config(
        dir.path(),
        &format!(
            "kind = \"fever\"\nurl = \"http://127.0.0.1:{port}/fever/\"\nusername = \"{EMAIL}\""
        ),
        &[],
    );
    let cache = dir.path().join("cache.sqlite");
    let said = tidings_sync(dir.path());
    assert!(said.contains("synced: 2 feeds, 7 new items"), "{said}");

    // Read one, star another, in the cache as the reader does.
    let store = Store::open(&cache).unwrap();
    let list = store.headlines(&HeadlineFilter::default()).unwrap();
    assert_eq!(list.len(), 7);
    let find = |title: &str| list.iter().find(|h| h.title == title).unwrap().id;
    let (read, star) = (find("Harbour item 1"), find("Valley item 2"));
    store.set_read(&[read], true).unwrap();
    store.set_starred(star, true).unwrap();
    let key = |id| store.article(id).unwrap().unwrap();
    let (read_link, star_link) = (key(read).link, key(star).link);
    drop(store);
    let said = tidings_sync(dir.path());
    assert!(said.contains("2 changes sent"), "{said}");

    // coldsweat's own database has both changes, on the right entries.
    let db = rusqlite::Connection::open(cs.db()).unwrap();
    let entry = |link: &Option<String>| -> i64 {
        db.query_row(
            "SELECT id FROM entries WHERE link = ?1",
            [link.as_deref().unwrap()],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(cs.ids("read"), vec![entry(&read_link)]);
    assert_eq!(cs.ids("saved"), vec![entry(&star_link)]);

    // A change made on the server (another device) shows here after the next sync.
    let other = list
        .iter()
        .find(|h| h.title == "Harbour item 3")
        .unwrap()
        .id;
    let other_link = Store::open(&cache)
        .unwrap()
        .article(other)
        .unwrap()
        .unwrap()
        .link;
    db.execute(
        "INSERT INTO read (user_id, entry_id, read_on) VALUES (1, ?1, '2026-11-29 10:00:00')",
        [entry(&other_link)],
    )
    .unwrap();
    tidings_sync(dir.path());
    let store = Store::open(&cache).unwrap();
    let now = store.headlines(&HeadlineFilter::default()).unwrap();
    let state = |id| now.iter().find(|h| h.id == id).unwrap().clone();
    assert!(state(other).read, "read on the server, read here");
    assert!(state(read).read && state(star).starred);
    assert_eq!(store.queue_len().unwrap(), 0);
}

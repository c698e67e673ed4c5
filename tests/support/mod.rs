//! A real HTTP server on 127.0.0.1 for tests: routes with canned behaviours (conditional
//! GET, gzip, redirects, errors, stalls, trickles, huge bodies) and a log of requests.
#![allow(dead_code)]

pub mod api;
pub mod fever;
pub mod greader;
pub mod session;
pub mod tmux;

/// Whether a test's outside requirement (`../shared`, tmux, python3) is here. Without it the
/// test is skipped with the reason on stderr, unless `TIDINGS_REQUIRE_ALL` is set (CI sets
/// it): then a missing requirement fails the test.
pub fn available(what: &str, present: bool) -> bool {
    if present {
        return true;
    }
    if std::env::var_os("TIDINGS_REQUIRE_ALL").is_some() {
        panic!("{what} is required (TIDINGS_REQUIRE_ALL is set)");
    }
    eprintln!("skipped: {what} is missing");
    false
}

/// Whether `program` runs (`program --version` exits 0).
pub fn runs(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Clone)]
pub enum Route {
    /// 200 with ETag and Last-Modified; 304 when the client sends them back.
    Feed {
        body: Vec<u8>,
        content_type: &'static str,
        etag: String,
    },
    /// 200, body gzip-compressed on the wire.
    Gzip(Vec<u8>),
    /// Raw bytes with a given Content-Encoding (for bombs).
    Encoded {
        body: Vec<u8>,
        encoding: &'static str,
    },
    Redirect(String),
    Status {
        code: u16,
        headers: Vec<(String, String)>,
    },
    /// Accepts and never answers.
    Stall,
    /// Headers at once, then one byte per second forever.
    Trickle,
    /// A body of this many bytes, streamed.
    Huge(u64),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub headers: HashMap<String, String>,
}

pub struct Server {
    pub ip: std::net::Ipv4Addr,
    pub port: u16,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    pub requests: Arc<Mutex<Vec<Request>>>,
    /// The most requests this server was answering at once.
    pub max_in_flight: Arc<std::sync::atomic::AtomicUsize>,
}

impl Server {
    pub fn start() -> Server {
        Server::start_with_latency(Duration::ZERO)
    }

    /// Every response waits `latency` first, like a distant server.
    pub fn start_with_latency(latency: Duration) -> Server {
        Server::start_at(std::net::Ipv4Addr::LOCALHOST, latency)
    }

    /// A server on another loopback address (127.0.0.0/8): the benchmark's many hosts.
    /// Tests use 127.0.0.1 only.
    pub fn start_at(ip: std::net::Ipv4Addr, latency: Duration) -> Server {
        assert!(ip.is_loopback(), "servers stay on loopback");
        let listener = TcpListener::bind((ip, 0)).expect("bind a loopback address");
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<HashMap<String, Route>>> = Arc::default();
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let max_in_flight: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let in_flight: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let (r, q, most) = (routes.clone(), requests.clone(), max_in_flight.clone());
        thread::spawn(move || {
            use std::sync::atomic::Ordering::SeqCst;
            for stream in listener.incoming().flatten() {
                let (r, q, most, now) = (r.clone(), q.clone(), most.clone(), in_flight.clone());
                thread::spawn(move || {
                    // A request counts from its arrival until just before its answer is
                    // written: the client cannot ask again before it has the answer, so a
                    // server thread descheduled after writing never inflates the count.
                    let arrived = || most.fetch_max(now.fetch_add(1, SeqCst) + 1, SeqCst);
                    let answering = || now.fetch_sub(1, SeqCst);
                    let _ = handle(stream, &r, &q, latency, arrived, answering);
                });
            }
        });
        Server {
            ip,
            port,
            routes,
            requests,
            max_in_flight,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}:{}{}", self.ip, self.port, path)
    }

    pub fn route(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    pub fn feed(&self, path: &str, body: impl Into<Vec<u8>>) {
        self.route(
            path,
            Route::Feed {
                body: body.into(),
                content_type: "application/rss+xml",
                etag: format!("\"{path}-v1\""),
            },
        );
    }

    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

fn handle(
    stream: TcpStream,
    routes: &Mutex<HashMap<String, Route>>,
    log: &Mutex<Vec<Request>>,
    latency: Duration,
    arrived: impl FnOnce() -> usize,
    answering: impl FnOnce() -> usize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    log.lock().unwrap().push(Request {
        path: path.clone(),
        headers: headers.clone(),
    });
    arrived();
    thread::sleep(latency);
    let route = routes.lock().unwrap().get(&path).cloned();
    answering();
    let mut out = stream;
    let head = |code: u16, extra: &[(String, String)], len: Option<u64>| {
        let mut s = format!("HTTP/1.1 {code} X\r\nConnection: close\r\n");
        for (k, v) in extra {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(n) = len {
            s.push_str(&format!("Content-Length: {n}\r\n"));
        }
        s.push_str("\r\n");
        s
    };
    match route {
        None => out.write_all(head(404, &[], Some(0)).as_bytes())?,
        Some(Route::Feed {
            body,
            content_type,
            etag,
        }) => {
            let lm = "Wed, 25 Nov 2026 10:00:00 GMT".to_string();
            if headers.get("if-none-match") == Some(&etag) {
                out.write_all(head(304, &[("ETag".into(), etag)], Some(0)).as_bytes())?;
            } else {
                let h = head(
                    200,
                    &[
                        ("Content-Type".into(), content_type.into()),
                        ("ETag".into(), etag),
                        ("Last-Modified".into(), lm),
                    ],
                    Some(body.len() as u64),
                );
                out.write_all(h.as_bytes())?;
                out.write_all(&body)?;
            }
        }
        Some(Route::Gzip(body)) => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&body)?;
            let gz = enc.finish()?;
            out.write_all(
                head(
                    200,
                    &[
                        ("Content-Encoding".into(), "gzip".into()),
                        ("Content-Type".into(), "application/rss+xml".into()),
                    ],
                    Some(gz.len() as u64),
                )
                .as_bytes(),
            )?;
            out.write_all(&gz)?;
        }
        Some(Route::Encoded { body, encoding }) => {
            out.write_all(
                head(
                    200,
                    &[("Content-Encoding".into(), encoding.into())],
                    Some(body.len() as u64),
                )
                .as_bytes(),
            )?;
            out.write_all(&body)?;
        }
        Some(Route::Redirect(to)) => {
            out.write_all(head(302, &[("Location".into(), to)], Some(0)).as_bytes())?
        }
        Some(Route::Status { code, headers }) => {
            out.write_all(head(code, &headers, Some(0)).as_bytes())?
        }
        Some(Route::Stall) => {
            thread::sleep(Duration::from_secs(120));
        }
        Some(Route::Trickle) => {
            out.write_all(
                head(
                    200,
                    &[("Content-Type".into(), "application/rss+xml".into())],
                    Some(1_000_000),
                )
                .as_bytes(),
            )?;
            for _ in 0..120 {
                out.write_all(b" ")?;
                out.flush()?;
                thread::sleep(Duration::from_secs(1));
            }
        }
        Some(Route::Huge(n)) => {
            out.write_all(head(200, &[], Some(n)).as_bytes())?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0u64;
            while sent < n {
                let take = chunk.len().min((n - sent) as usize);
                out.write_all(&chunk[..take])?;
                sent += take as u64;
            }
        }
    }
    let _ = out.flush();
    // Drain so the client sees a clean close.
    let mut sink = [0u8; 1];
    let _ = out.set_read_timeout(Some(Duration::from_millis(10)));
    let _ = out.read(&mut sink);
    Ok(())
}

/// An RSS 2.0 document with `n` items whose guids start with `prefix`.
pub fn rss(title: &str, prefix: &str, n: usize) -> String {
    let mut items = String::new();
    for i in 0..n {
        items.push_str(&format!(
            "<item><title>{title} item {i}</title><link>https://example.org/{prefix}/{i}</link><guid>{prefix}-{i}</guid>\
             <pubDate>Mon, {:02} Nov 2026 10:00:00 GMT</pubDate><description>&lt;p&gt;Body {i} of {title}&lt;/p&gt;</description></item>",
            1 + i % 28
        ));
    }
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>{items}</channel></rss>")
}

/// A config with short timeouts and the given feeds.
pub fn config(urls: &[String]) -> tidings::config::Config {
    tidings::config::Config {
        connect_timeout_secs: 2,
        timeout_secs: 3,
        feeds: urls
            .iter()
            .map(|u| tidings::config::FeedConfig {
                url: u.clone(),
                title: None,
                tags: vec![],
                filter: None,
                full_text: false,
            })
            .collect(),
        ..Default::default()
    }
}

/// A fresh cache file in a temp dir, synced with `config`'s feeds.
pub fn store(dir: &tempfile::TempDir, config: &tidings::config::Config) -> tidings::store::Store {
    let mut store = tidings::store::Store::open(&dir.path().join("cache.sqlite")).unwrap();
    let feeds: Vec<_> = config
        .feeds
        .iter()
        .map(|f| (f.url.clone(), f.title.clone(), f.tags.clone()))
        .collect();
    store.sync_feeds(&feeds).unwrap();
    store
}

/// An XML declaration and a DOCTYPE for `root` declaring the "billion laughs" entities:
/// `&lol9;` would expand to 10⁹ "lol"s if anything expanded it.
pub fn entity_bomb_prolog(root: &str) -> String {
    let mut doc = format!("<?xml version=\"1.0\"?><!DOCTYPE {root} [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        doc.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    doc.push_str("]>");
    doc
}

/// Every cell of a TestBackend's screen, row by row.
pub fn screen(t: &ratatui::Terminal<ratatui::backend::TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// A sync account on a test server (`kind`, `url`), its password given as it is.
pub fn sync_account(
    kind: tidings::config::SyncKind,
    url: &str,
    username: &str,
    password: &str,
) -> tidings::sync::Account {
    tidings::sync::Account {
        kind,
        url: url.to_string(),
        username: username.to_string(),
        password: tidings::sync::Secret::new(password.to_string()),
        app: None,
    }
}

/// Sync options with short timeouts for servers on 127.0.0.1.
/// The cache file of a test's directory, opened.
pub fn open_cache(dir: &tempfile::TempDir) -> tidings::store::Store {
    tidings::store::Store::open(&dir.path().join("cache.sqlite")).unwrap()
}

/// An empty cache in a directory of its own, which the caller keeps alive.
pub fn empty_cache() -> (tempfile::TempDir, tidings::store::Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = open_cache(&dir);
    (dir, store)
}

/// A fresh cache after a first sync with the server at `url`: its directory (kept alive by
/// the caller), the store and the account.
pub fn first_sync(
    kind: tidings::config::SyncKind,
    url: &str,
    username: &str,
    password: &str,
) -> (
    tempfile::TempDir,
    tidings::store::Store,
    tidings::sync::Account,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open_cache(&dir);
    let account = sync_account(kind, url, username, password);
    sync_now(&mut store, &account).unwrap();
    (dir, store, account)
}

/// One sync with the tests' options.
pub fn sync_now(
    store: &mut tidings::store::Store,
    account: &tidings::sync::Account,
) -> Result<tidings::sync::SyncReport, tidings::sync::SyncError> {
    tidings::sync::sync(store, account, &sync_options())
}

pub fn sync_options() -> tidings::sync::SyncOptions {
    tidings::sync::SyncOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        max_body_bytes: 16 << 20,
        user_agent: "tidings-test".into(),
        concurrency: 8,
    }
}

/// Writes `dir/config.toml`: a `[sync]` table whose body is `sync`, then one `[[feeds]]`
/// table per local feed path.
pub fn write_sync_config(
    dir: &std::path::Path,
    sync: &str,
    feeds: &[&std::path::Path],
) -> std::path::PathBuf {
    let mut text = format!("[sync]\n{sync}\n");
    for feed in feeds {
        text.push_str(&format!("\n[[feeds]]\nurl = \"{}\"\n", feed.display()));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the tidings binary with `dir/config.toml`, `dir/cache.sqlite` and its log under
/// `dir`, the sync password in `TIDINGS_SYNC_PASSWORD` when given (else unset): the exit
/// code, and stdout and stderr together.
pub fn run_tidings(
    dir: &std::path::Path,
    args: &[&str],
    password: Option<&str>,
) -> (Option<i32>, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tidings"));
    command
        .arg("--config")
        .arg(dir.join("config.toml"))
        .arg("--cache")
        .arg(dir.join("cache.sqlite"))
        .args(args)
        .env("HOME", dir)
        .env("XDG_STATE_HOME", dir);
    match password {
        Some(p) => command.env("TIDINGS_SYNC_PASSWORD", p),
        None => command.env_remove("TIDINGS_SYNC_PASSWORD"),
    };
    let out = command.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

//! `cargo bench`: tidings at scale, and newsboat beside it when installed.
//!
//! Generates realistic feeds deterministically, serves them on 127.0.0.1 (ETag and
//! Last-Modified, optional latency), and measures the real `tidings refresh` binary (wall
//! time and peak RSS), opening a 100,000-item cache to its first frame, a key press to its
//! redrawn frame, a full-text search, and cleaning throughput. Prints one table of medians.
//!
//! `BENCH_RUNS` (default 3) sets the runs per figure; `BENCH_QUICK=1` skips the 1,000-feed
//! and 100,000-item workloads; `BENCH_ONLY=clean` measures only the cleaner (seconds),
//! `BENCH_ONLY=sync` only `tidings sync` against Fever and Google Reader servers on
//! 127.0.0.1, `BENCH_ONLY=big` only the 500 × 200 cold refresh (`=small`: the 200-feed
//! one, `=latency`: the 1,000 feeds at 50 ms, or at `BENCH_LATENCY` ms);
//! `BENCH_NEWSBOAT=0` leaves newsboat out; `BENCH_CONCURRENCY=N` writes `concurrency = N`
//! into the refresh's config.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use support::{Route, Server};

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const WORDS: &[&str] = &[
    "harbour",
    "council",
    "ferry",
    "budget",
    "winter",
    "station",
    "report",
    "minister",
    "river",
    "market",
    "école",
    "café",
    "naïve",
    "Zürich",
    "東京",
    "ニュース",
    "経済",
    "北京",
    "서울",
    "🚆",
    "🌧️",
    "data",
    "energy",
    "school",
    "hospital",
    "election",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "on",
    "with",
    "for",
    "after",
    "before",
    "said",
    "will",
    "new",
    "old",
    "year",
];

/// Real text has a long tail of words: a search index and a compressor meet tens of
/// thousands of distinct words, not the few dozen above. Half the words of a sentence come
/// from `WORDS` (function words, the words searched for, other scripts), half from 100,000
/// made-up words drawn by Zipf's law. That matches real feeds: the 93 feeds over 20 KB in
/// `../shared/corpus/feeds` hold 13,900 distinct words in their first 100,000 and 54,000
/// in 924,000; this text, about 15,000 and 62,000.
struct Vocabulary {
    words: Vec<String>,
    /// Cumulative Zipf weights, summing to 1.
    cumulative: Vec<f64>,
}

static VOCABULARY: std::sync::LazyLock<Vocabulary> = std::sync::LazyLock::new(|| {
    const SYLLABLES: [&str; 16] = [
        "ka", "ri", "to", "men", "sel", "an", "or", "vi", "lu", "ne", "pa", "dor", "st", "is",
        "bel", "quo",
    ];
    let words: Vec<String> = (0..100_000u32)
        .map(|r| {
            let mut n = r + 17;
            let mut w = String::new();
            while n > 0 {
                w.push_str(SYLLABLES[(n % 16) as usize]);
                n /= 16;
            }
            w
        })
        .collect();
    let weights: Vec<f64> = (1..=words.len()).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();
    let cumulative = weights
        .iter()
        .scan(0.0, |sum, w| {
            *sum += w / total;
            Some(*sum)
        })
        .collect();
    Vocabulary { words, cumulative }
});

fn word(rng: &mut Rng) -> &'static str {
    if rng.below(2) == 0 {
        return rng.pick(WORDS);
    }
    let v = &*VOCABULARY;
    let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
    let i = v.cumulative.partition_point(|c| *c < u);
    &v.words[i.min(v.words.len() - 1)]
}

fn sentence(rng: &mut Rng) -> String {
    let n = 8 + rng.below(14);
    let mut s: Vec<String> = (0..n).map(|_| word(rng).to_string()).collect();
    s[0] = {
        let mut c = s[0].chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    format!("{} &amp; more.", s.join(" "))
}

/// An item body of 1–4 KB: paragraphs, a list, a link, entities, non-ASCII text.
fn body(rng: &mut Rng) -> String {
    let target = 1024 + rng.below(3072);
    let mut html = String::new();
    while html.len() < target {
        match rng.below(6) {
            0 => html.push_str(&format!(
                "<ul><li>{}</li><li>{}</li></ul>",
                sentence(rng),
                sentence(rng)
            )),
            1 => html.push_str(&format!(
                "<p>{} <a href=\"https://example.org/{}\">link</a>.</p>",
                sentence(rng),
                rng.below(10_000)
            )),
            _ => html.push_str(&format!("<p>{} {}</p>", sentence(rng), sentence(rng))),
        }
    }
    html
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Feed `index` of a set: RSS 2.0 and Atom alternate.
fn feed(seed: u64, index: usize, items: usize) -> String {
    let mut rng = Rng(seed ^ (index as u64 + 1).wrapping_mul(0x9E3779B97F4A7C15));
    let mut out = String::new();
    let atom = index % 2 == 1;
    if atom {
        out.push_str(&format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Feed {index}</title><id>urn:f:{index}</id><updated>2026-11-26T10:00:00Z</updated>"));
    } else {
        out.push_str(&format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Feed {index}</title><link>https://example.org/{index}</link><description>bench</description>"));
    }
    for i in 0..items {
        let title = escape(&sentence(&mut rng).replace("&amp;", "&"));
        let b = escape(&body(&mut rng));
        let (day, hour) = (1 + (i % 27), i % 24);
        if atom {
            out.push_str(&format!("<entry><title>{title}</title><id>urn:f:{index}:{i}</id><link href=\"https://example.org/{index}/{i}\"/><updated>2026-11-{day:02}T{hour:02}:00:00Z</updated><content type=\"html\">{b}</content></entry>"));
        } else {
            out.push_str(&format!("<item><title>{title}</title><guid>f{index}-{i}</guid><link>https://example.org/{index}/{i}</link><pubDate>Mon, {day:02} Nov 2026 {hour:02}:00:00 GMT</pubDate><description>{b}</description></item>"));
        }
    }
    out.push_str(if atom { "</feed>" } else { "</channel></rss>" });
    out
}

/// Serves `n` feeds of `items` items; returns the server, the URLs and the bytes served.
/// Feeds spread five to a host over loopback addresses 127.0.0.2, .3, …, like a real
/// subscription list spread over many sites.
const FEEDS_PER_HOST: usize = 5;

fn serve(n: usize, items: usize, latency: Duration) -> (Vec<Server>, Vec<String>, usize) {
    let servers: Vec<Server> = (0..n.div_ceil(FEEDS_PER_HOST))
        .map(|h| {
            let ip = std::net::Ipv4Addr::from(
                u32::from(std::net::Ipv4Addr::new(127, 0, 0, 2)) + h as u32,
            );
            Server::start_at(ip, latency)
        })
        .collect();
    let mut urls = Vec::new();
    let mut bytes = 0;
    for i in 0..n {
        let server = &servers[i / FEEDS_PER_HOST];
        let path = format!("/f{i}.xml");
        let body = feed(42, i, items);
        bytes += body.len();
        server.route(
            &path,
            Route::Feed {
                body: body.into_bytes(),
                content_type: "application/xml",
                etag: format!("\"{i}\""),
            },
        );
        urls.push(server.url(&path));
    }
    (servers, urls, bytes)
}

/// The most requests any one host was answering at once.
fn busiest(servers: &[Server]) -> usize {
    servers
        .iter()
        .map(|s| s.max_in_flight.load(std::sync::atomic::Ordering::SeqCst))
        .max()
        .unwrap_or(0)
}

fn write_config(dir: &Path, urls: &[String]) -> PathBuf {
    let path = dir.join("config.toml");
    let mut f = std::fs::File::create(&path).unwrap();
    if let Ok(c) = std::env::var("BENCH_CONCURRENCY") {
        writeln!(f, "concurrency = {c}").unwrap();
    }
    for u in urls {
        writeln!(f, "[[feeds]]\nurl = \"{u}\"").unwrap();
    }
    path
}

/// What one run of a command took: wall time, peak memory (VmHWM, MiB), and CPU time (user
/// plus system, seconds) — less at the mercy of a busy machine than the wall time.
struct Measured {
    time: Duration,
    peak_mb: f64,
    cpu_s: f64,
}

/// Runs a command. Memory and CPU are read from `/proc/PID/status` and `/proc/PID/stat`
/// while it runs (VmHWM belongs to the program after exec, unlike getrusage, which counts
/// the parent's pages the child shared before exec).
fn measure(cmd: &mut Command) -> Measured {
    let started = Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let status_path = format!("/proc/{}/status", child.id());
    let stat_path = format!("/proc/{}/stat", child.id());
    let (mut peak_kb, mut ticks) = (0u64, 0u64);
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        // utime and stime, the 14th and 15th fields, counted after the command's name.
        if let Ok(stat) = std::fs::read_to_string(&stat_path) {
            if let Some(after_name) = stat.rsplit_once(')').map(|(_, rest)| rest) {
                let fields: Vec<u64> = after_name
                    .split_whitespace()
                    .skip(11)
                    .take(2)
                    .filter_map(|v| v.parse().ok())
                    .collect();
                if fields.len() == 2 {
                    ticks = ticks.max(fields[0] + fields[1]);
                }
            }
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Measured {
        time: started.elapsed(),
        peak_mb: peak_kb as f64 / 1024.0,
        // USER_HZ is 100 on Linux; the last 5 ms before the exit are not counted.
        cpu_s: ticks as f64 / 100.0,
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

struct Row {
    workload: String,
    tidings: String,
    newsboat: String,
}

fn refresh_rows(
    n: usize,
    items: usize,
    latency_ms: u64,
    runs: usize,
    newsboat: bool,
    rows: &mut Vec<Row>,
) -> Option<tempfile::TempDir> {
    let (servers, urls, bytes) = serve(n, items, Duration::from_millis(latency_ms));
    let bin = env!("CARGO_BIN_EXE_tidings");
    let (mut cold, mut warm, mut cold_mem, mut warm_mem) = (vec![], vec![], vec![], vec![]);
    let mut cold_cpu = vec![];
    let mut disk = vec![];
    let mut keep = None;
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &urls);
        let cache = dir.path().join("cache.sqlite");
        let run = || {
            measure(
                Command::new(bin)
                    .arg("--config")
                    .arg(&config)
                    .arg("--cache")
                    .arg(&cache)
                    .arg("refresh"),
            )
        };
        let m = run();
        cold.push(m.time.as_secs_f64());
        cold_mem.push(m.peak_mb);
        cold_cpu.push(m.cpu_s);
        disk.push(on_disk(&[
            cache.clone(),
            dir.path().join("cache.sqlite-wal"),
        ]));
        let m = run();
        warm.push(m.time.as_secs_f64());
        warm_mem.push(m.peak_mb);
        keep = Some(dir);
    }
    let label = format!(
        "{n} feeds × {items} items ({:.0} MB) on {} hosts, latency {latency_ms} ms, ≤ {} at once per host",
        bytes as f64 / 1e6,
        servers.len(),
        busiest(&servers)
    );
    let skipped = if Command::new("newsboat").arg("-v").output().is_ok() {
        "not run (minutes)"
    } else {
        "not installed"
    };
    let (mut nb_cold, mut nb_warm) = (skipped.to_string(), skipped.to_string());
    if newsboat {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("urls"), urls.join("\n")).unwrap();
        std::fs::write(dir.path().join("config"), "reload-threads 8\n").unwrap();
        let run = |command: &str| {
            measure(
                Command::new("newsboat")
                    .arg("-u")
                    .arg(dir.path().join("urls"))
                    .arg("-c")
                    .arg(dir.path().join("cache.db"))
                    .arg("-C")
                    .arg(dir.path().join("config"))
                    .arg("-x")
                    .arg(command),
            )
        };
        let first = run("reload");
        let nb_disk = on_disk(&[dir.path().join("cache.db")]);
        let second = run("reload");
        // Opening the cache: newsboat's print-unread against tidings' first frame.
        let nb_open = run("print-unread").time;
        if let Some(dir) = &keep {
            let ms = first_frame_ms(&dir.path().join("cache.sqlite"), runs, &Default::default());
            rows.push(Row {
                workload: format!(
                    "open the {} cache (first frame / -x print-unread)",
                    n * items
                ),
                tidings: format!("{ms:.1} ms"),
                newsboat: format!(
                    "{:.2} s (×{:.0})",
                    nb_open.as_secs_f64(),
                    nb_open.as_secs_f64() * 1000.0 / ms
                ),
            });
        }
        nb_cold = format!(
            "{:.2} s (CPU {:.1} s), {:.0} MB, {nb_disk:.0} MB on disk (×{:.1})",
            first.time.as_secs_f64(),
            first.cpu_s,
            first.peak_mb,
            first.time.as_secs_f64() / median(cold.clone())
        );
        nb_warm = format!(
            "{:.2} s, {:.0} MB (×{:.0})",
            second.time.as_secs_f64(),
            second.peak_mb,
            second.time.as_secs_f64() / median(warm.clone())
        );
    }
    rows.push(Row {
        workload: format!("cold refresh, {label}"),
        tidings: format!(
            "{:.2} s (CPU {:.1} s), {:.0} MB, {:.0} MB on disk",
            median(cold),
            median(cold_cpu),
            median(cold_mem),
            median(disk)
        ),
        newsboat: nb_cold,
    });
    rows.push(Row {
        workload: format!("warm refresh (304s), {label}"),
        tidings: format!("{:.2} s, {:.0} MB", median(warm), median(warm_mem)),
        newsboat: nb_warm,
    });
    keep
}

/// Megabytes the files take on disk (those that exist).
fn on_disk(files: &[std::path::PathBuf]) -> f64 {
    files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len() as f64 / 1e6)
        .sum()
}

/// Median time from opening the cache to the first frame drawn into a 160×48 TestBackend.
fn first_frame_ms(cache: &Path, runs: usize, config: &tidings::config::Config) -> f64 {
    let keymap = tidings::keymap::Keymap::new(&config.keys);
    let mut first = vec![];
    for _ in 0..runs.max(3) {
        let started = Instant::now();
        let mut store = tidings::store::Store::open(cache).unwrap();
        store.set_ignore(&config.ignore);
        let app = tidings::runtime::load_app(&store, config, &keymap, (160, 48)).unwrap();
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        terminal.draw(|f| tidings::ui::draw(f, &app)).unwrap();
        first.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    median(first)
}

fn reader_rows(cache: &Path, runs: usize, rows: &mut Vec<Row>) {
    let count = tidings::store::Store::open(cache)
        .unwrap()
        .item_count()
        .unwrap();
    let config = tidings::config::Config::default();
    let keymap = tidings::keymap::Keymap::new(&config.keys);
    rows.push(Row {
        workload: format!("open {count} items to first frame (160×48)"),
        tidings: format!("{:.1} ms", first_frame_ms(cache, runs, &config)),
        newsboat: String::new(),
    });
    // Every list and count then carries the kill rules; each saved query is counted.
    let ruled = tidings::config::Config::parse(
        r#"ignore = ['title =~ "^(sponsored|advert)"', 'feedtitle = "Feed 7" and age > 30']
           [[queries]]
           name = "Unread harbour news"
           match = 'unread = "yes" and title =~ "harbour|ferry"'
           [[queries]]
           name = "This week"
           match = 'age between 0:7 and not starred = "yes"'"#,
        Path::new("bench.toml"),
    )
    .unwrap();
    rows.push(Row {
        workload: "  with 2 kill rules and 2 saved queries".into(),
        tidings: format!("{:.1} ms", first_frame_ms(cache, runs, &ruled)),
        newsboat: String::new(),
    });
    let mut store = tidings::store::Store::open(cache).unwrap();
    store.set_ignore(&ruled.ignore);
    let counts: Vec<f64> = (0..runs.max(3))
        .map(|_| {
            let started = Instant::now();
            for q in &ruled.queries {
                store.unread_matching(&q.matching).unwrap();
            }
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    rows.push(Row {
        workload: "  counting the 2 saved queries (loader thread, after the first frame)".into(),
        tidings: format!("{:.0} ms", median(counts)),
        newsboat: String::new(),
    });

    let store = tidings::store::Store::open(cache).unwrap();
    let mut app = tidings::runtime::load_app(&store, &config, &keymap, (160, 48)).unwrap();
    let full = Instant::now();
    let all = store.headlines(&Default::default()).unwrap();
    let full_ms = full.elapsed().as_secs_f64() * 1000.0;
    app.update(tidings::app::Event::HeadlinesLoaded(all));
    rows.push(Row {
        workload: format!("load all {count} headlines (background, after the first frame)"),
        tidings: format!("{full_ms:.0} ms"),
        newsboat: String::new(),
    });
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut keys = vec![];
    for i in 0..500 {
        let action = if i % 50 < 40 {
            tidings::app::Action::Down
        } else {
            tidings::app::Action::PageDown
        };
        let started = Instant::now();
        app.update(tidings::app::Event::Action(action));
        terminal.draw(|f| tidings::ui::draw(f, &app)).unwrap();
        keys.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let p99 = {
        let mut k = keys.clone();
        k.sort_by(|a, b| a.partial_cmp(b).unwrap());
        k[k.len() * 99 / 100]
    };
    rows.push(Row {
        workload: format!("key press to redrawn frame, {count} items"),
        tidings: format!("{:.2} ms median, {:.2} ms p99", median(keys), p99),
        newsboat: String::new(),
    });

    let mut search = vec![];
    let mut hits = 0;
    for word in [
        "harbour",
        "東京",
        "minister election",
        "zürich",
        "nothingmatches",
    ] {
        let started = Instant::now();
        hits += store
            .search(word, &tidings::store::HeadlineFilter::default())
            .unwrap()
            .len();
        search.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    rows.push(Row {
        workload: format!("full-text search over {count} items (5 queries, {hits} hits)"),
        tidings: format!("{:.1} ms median", median(search)),
        newsboat: String::new(),
    });
}

fn clean_rows(rows: &mut Vec<Row>) {
    let mut rng = Rng(7);
    let mut article = String::from("<p>Support The Daily Bench!</p>");
    while article.len() < 200_000 {
        article.push_str(&body(&mut rng));
    }
    article.push_str("<p>… we have a small favor to ask.</p><p>Please make a donation today. Your support keeps us independent.</p><p>Read more</p>");
    let cleaner = tidings::clean::Cleaner::new(&Default::default()).unwrap();
    let mut times = vec![];
    let mut hidden = 0;
    for _ in 0..20 {
        let started = Instant::now();
        let cleaned = cleaner.clean(&article, true);
        let lines = cleaned.render(100, false);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        hidden = cleaned.hidden_count();
        assert!(lines.len() > 100);
    }
    let ms = median(times);
    rows.push(Row {
        workload: format!(
            "clean + render a {} KB article ({hidden} blocks hidden)",
            article.len() / 1000
        ),
        tidings: format!(
            "{ms:.2} ms ({:.0} MB/s)",
            article.len() as f64 / 1e6 / (ms / 1000.0)
        ),
        newsboat: String::new(),
    });
    // Where that time goes: splitting into blocks, scoring them, rendering the text.
    let phase = |f: &dyn Fn()| {
        median(
            (0..20)
                .map(|_| {
                    let started = Instant::now();
                    f();
                    started.elapsed().as_secs_f64() * 1000.0
                })
                .collect(),
        )
    };
    let split = phase(&|| {
        cleaner.clean(&article, false);
    });
    let cleaned = cleaner.clean(&article, true);
    let render = phase(&|| {
        cleaned.render(100, false);
    });
    rows.push(Row {
        workload: format!(
            "  of which: split into {} blocks / score / render",
            cleaned.blocks.len()
        ),
        tidings: format!("{split:.2} / {:.2} / {render:.2} ms", ms - split - render),
        newsboat: String::new(),
    });
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let quick = std::env::var("BENCH_QUICK").is_ok();
    // BENCH_NEWSBOAT=0 leaves newsboat out even where it is installed (minutes saved).
    let newsboat = std::env::var("BENCH_NEWSBOAT").map_or(true, |v| v != "0")
        && Command::new("newsboat")
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success());
    let started = Instant::now();
    let mut rows = Vec::new();
    // BENCH_ONLY=clean or =sync: one part (seconds instead of minutes).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "clean" {
        clean_rows(&mut rows);
    }
    if only.is_empty() || only == "sync" {
        sync_rows(runs, &mut rows);
    }
    if only.is_empty() {
        refresh_and_reader_rows(runs, quick, newsboat, &mut rows);
    }
    // BENCH_ONLY=big: the 100,000-item cold refresh, and the reader on its cache.
    if only == "big" {
        if let Some(dir) = refresh_rows(500, 200, 0, runs, newsboat, &mut rows) {
            reader_rows(&dir.path().join("cache.sqlite"), runs, &mut rows);
        }
    }
    // BENCH_ONLY=small: the 200-feed cold and warm refresh alone; =latency: the 1,000
    // feeds at 50 ms.
    if only == "small" {
        refresh_rows(200, 25, 0, runs, newsboat, &mut rows);
    }
    if only == "latency" {
        refresh_rows(
            1000,
            25,
            std::env::var("BENCH_LATENCY").map_or(50, |v| {
                v.parse()
                    .expect("BENCH_LATENCY is a number of milliseconds")
            }),
            runs,
            newsboat,
            &mut rows,
        );
    }
    print_table(&rows);
    println!(
        "\n{} runs per figure, {:.0} s in all",
        runs,
        started.elapsed().as_secs_f64()
    );
}

/// `tidings sync` against a Fever and a Google Reader server on 127.0.0.1, each holding
/// 10,000 unread items of 1–4 KB in 20 feeds: the first sync into an empty cache, then one
/// with nothing new.
fn sync_rows(runs: usize, rows: &mut Vec<Row>) {
    const USER: &str = "bench@example.org";
    const PASSWORD: &str = "bench password";
    let mut rng = Rng(11);
    let bodies: Vec<String> = (0..10_000).map(|_| body(&mut rng)).collect();
    let fever = support::fever::Fever::start(USER, PASSWORD);
    {
        let mut s = fever.state();
        for f in 0..20u64 {
            s.feeds.insert(f + 1, (format!("Bench feed {f}"), vec![]));
        }
        for (i, html) in bodies.iter().enumerate() {
            let id = i as u64 + 1;
            let item = support::fever::Item {
                feed: 1 + id % 20,
                title: format!("Bench item {id}"),
                html: html.clone(),
                created: 1_700_000_000 + id as i64,
            };
            s.items.insert(id, item);
        }
    }
    let greader = support::greader::GReader::start(USER, PASSWORD);
    {
        let mut s = greader.state();
        for f in 0..20u64 {
            s.feeds
                .insert(format!("feed/{f}"), (format!("Bench feed {f}"), vec![]));
        }
        for (i, html) in bodies.iter().enumerate() {
            let id = i as u64 + 1;
            let item = support::greader::Item {
                feed: format!("feed/{}", id % 20),
                title: format!("Bench item {id}"),
                html: html.clone(),
                published: 1_700_000_000 + id as i64,
                crawled: 1_700_000_000,
            };
            s.items.insert(id, item);
        }
    }
    for (kind, url, label) in [
        ("fever", fever.url(), "Fever, 200 requests of 50"),
        (
            "greader",
            greader.url(),
            "Google Reader, 40 requests of 250",
        ),
    ] {
        let bin = env!("CARGO_BIN_EXE_tidings");
        let (mut first, mut again, mut first_mb, mut again_mb) = (vec![], vec![], 0f64, 0f64);
        for _ in 0..runs {
            let dir = tempfile::tempdir().unwrap();
            let config = dir.path().join("config.toml");
            std::fs::write(
                &config,
                format!("[sync]\nkind = \"{kind}\"\nurl = \"{url}\"\nusername = \"{USER}\"\n"),
            )
            .unwrap();
            let cmd = || {
                let mut c = Command::new(bin);
                c.arg("--config")
                    .arg(&config)
                    .arg("--cache")
                    .arg(dir.path().join("cache.sqlite"))
                    .arg("sync")
                    .env("TIDINGS_SYNC_PASSWORD", PASSWORD)
                    .env("XDG_STATE_HOME", dir.path());
                c
            };
            let m = measure(&mut cmd());
            first.push(m.time.as_secs_f64());
            first_mb = first_mb.max(m.peak_mb);
            let m = measure(&mut cmd());
            again.push(m.time.as_secs_f64());
            again_mb = again_mb.max(m.peak_mb);
            let items = tidings::store::Store::open(&dir.path().join("cache.sqlite"))
                .unwrap()
                .item_count()
                .unwrap();
            assert_eq!(
                items, 10_000,
                "{kind}: the first sync stored every unread item"
            );
        }
        rows.push(Row {
            workload: format!("first sync, 10,000 unread items ({label})"),
            tidings: format!("{:.2} s, {first_mb:.0} MiB", median(first)),
            newsboat: String::new(),
        });
        rows.push(Row {
            workload: format!("  incremental sync, nothing new ({kind})"),
            tidings: format!("{:.3} s, {again_mb:.0} MiB", median(again)),
            newsboat: String::new(),
        });
    }
}

fn refresh_and_reader_rows(runs: usize, quick: bool, newsboat: bool, rows: &mut Vec<Row>) {
    refresh_rows(200, 25, 0, runs, newsboat, rows);
    refresh_rows(200, 25, 50, runs, newsboat, rows);
    if !quick {
        refresh_rows(1000, 25, 0, runs, newsboat, rows);
        refresh_rows(1000, 25, 50, runs, false, rows);
        let dir = refresh_rows(500, 200, 0, 1, newsboat, rows).unwrap();
        reader_rows(&dir.path().join("cache.sqlite"), runs, rows);
    } else {
        let dir = refresh_rows(200, 25, 0, 1, false, rows).unwrap();
        reader_rows(&dir.path().join("cache.sqlite"), runs, rows);
    }
}

fn print_table(rows: &[Row]) {
    let w = rows
        .iter()
        .map(|r| r.workload.chars().count())
        .max()
        .unwrap_or(10);
    let t = rows
        .iter()
        .map(|r| r.tidings.chars().count())
        .max()
        .unwrap_or(10);
    println!(
        "\n{:w$} | {:t$} | newsboat (reload-threads 8)",
        "workload", "tidings (median of runs)"
    );
    println!("{}-|-{}-|-{}", "-".repeat(w), "-".repeat(t), "-".repeat(28));
    for r in rows {
        println!("{:w$} | {:t$} | {}", r.workload, r.tidings, r.newsboat);
    }
}

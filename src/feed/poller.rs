//! Refreshes many feeds at once: bounded concurrency, conditional GET, backoff for failing
//! feeds and `Retry-After`. Fetch and parse run on a small tokio runtime; results are
//! written to the cache one feed per transaction by the calling thread, which owns the
//! `Store`, while the other fetches go on.

use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};

use crate::config::Config;
use crate::feed::fetch::{
    BodyBudget, FetchError, FetchSettings, Fetched, Fetcher, Reserved, Validators,
};
use crate::feed::parse::{self, ParseError};
use crate::model::{FeedId, Timestamp};
use crate::store::{Rows, Store, StoreCounts, StoreError};

/// Most parsed feeds written in one transaction; each waits in memory until then.
const MAX_BATCH: usize = 16;

/// Longest a failing feed is left alone.
const MAX_BACKOFF_SECS: i64 = crate::feed::fetch::MAX_RETRY_AFTER_SECS as i64;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started {
        total: usize,
    },
    Stored {
        feed: FeedId,
        url: String,
        counts: StoreCounts,
        not_modified: bool,
    },
    Failed {
        feed: FeedId,
        url: String,
        message: String,
    },
    /// Backing off after failures, or told to wait by the server.
    Skipped {
        feed: FeedId,
        url: String,
        until: Timestamp,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub feeds: usize,
    pub new_items: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Full articles fetched and stored (feeds with `full_text = true`).
    pub full_texts: usize,
    pub elapsed: Duration,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} feeds, {} new items, {} failed",
            self.feeds, self.new_items, self.failed
        )?;
        if self.skipped > 0 {
            write!(f, ", {} backing off", self.skipped)?;
        }
        if self.full_texts > 0 {
            write!(f, ", {} full articles", self.full_texts)?;
        }
        write!(f, ", {:.1} s", self.elapsed.as_secs_f64())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the network runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot set up HTTP: {0}")]
    Http(FetchError),
}

/// Which feeds to refresh.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `None` = every active feed.
    pub only: Option<Vec<FeedId>>,
    /// Ignore backoff and Retry-After (the user asked for this feed explicitly).
    pub force: bool,
}

pub fn settings(config: &Config) -> FetchSettings {
    FetchSettings {
        connect_timeout: Duration::from_secs(config.connect_timeout_secs),
        timeout: Duration::from_secs(config.timeout_secs),
        max_body_bytes: config.max_body_bytes,
        user_agent: config.user_agent.clone(),
    }
}

enum Outcome {
    NotModified,
    Parsed {
        title: Option<String>,
        rows: Rows,
        etag: Option<String>,
        last_modified: Option<String>,
        /// The feed's place in the refresh's memory budget, given back once it is written.
        _reserved: Option<Reserved>,
    },
    Fetch(FetchError),
    Parse(ParseError),
    /// The task panicked: a bug in tidings or a library, reported as this feed's error.
    Crashed(String),
}

/// Refreshes the selected feeds into `store`, reporting each step to `on_event`.
pub fn refresh(
    store: &mut Store,
    config: &Config,
    selection: &Selection,
    mut on_event: impl FnMut(&Event),
) -> Result<Summary, PollError> {
    let started = Instant::now();
    let now = now();
    let mut summary = Summary::default();
    let mut jobs = Vec::new();
    let mut full_text_feeds = Vec::new();
    // A set, not a scan of the config per feed: 100,000 feeds must stay linear.
    let wants_full_text: std::collections::HashSet<&str> = config
        .feeds
        .iter()
        .filter(|c| c.full_text)
        .map(|c| c.url.as_str())
        .collect();
    for feed in store.feeds()? {
        if selection
            .only
            .as_ref()
            .is_some_and(|only| !only.contains(&feed.id))
        {
            continue;
        }
        summary.feeds += 1;
        if wants_full_text.contains(feed.url.as_str()) {
            full_text_feeds.push(feed.id);
        }
        let state = store.fetch_state(feed.id)?;
        match state.next_allowed {
            Some(until) if until > now && !selection.force => {
                summary.skipped += 1;
                on_event(&Event::Skipped {
                    feed: feed.id,
                    url: feed.url.clone(),
                    until,
                });
            }
            _ => jobs.push((
                feed.id,
                feed.url,
                Validators {
                    etag: state.etag,
                    last_modified: state.last_modified,
                },
                state.error_count,
            )),
        }
    }
    on_event(&Event::Started { total: jobs.len() });
    if jobs.is_empty() {
        summary.elapsed = started.elapsed();
        return Ok(summary);
    }

    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Parsing runs on these; a thread per core, not a new one whenever the last is
        // still finishing: each thread that allocates keeps its own heap.
        .max_blocking_threads(cores)
        .enable_all()
        .build()
        .map_err(PollError::Runtime)?;
    let fetcher = Fetcher::new(settings(config)).map_err(PollError::Http)?;
    let max_items = config.max_items_per_feed;
    let (in_flight, _) = concurrency(config);
    let jobs = interleave_hosts(jobs, |(_, url, _, _)| url);
    let mut hosts = Hosts::default();
    // Parsing is CPU work: more at once than there are cores only holds more parsed feeds
    // in memory while they wait for the writer.
    let parsing = std::sync::Arc::new(tokio::sync::Semaphore::new(cores));
    let budget = BodyBudget::new(BODY_BUDGET);
    runtime.block_on(async {
        let mut results = futures_util::stream::iter(jobs.into_iter().map(
            |(host, (id, url, validators, errors))| {
                let fetcher = fetcher.clone();
                let shown = url.clone();
                let host = hosts.limit(host);
                let parsing = parsing.clone();
                let budget = budget.clone();
                // Spawned, so fetches keep going while this thread writes to SQLite.
                let task = tokio::spawn(async move {
                    let turn = host.acquire().await;
                    fetch_and_parse(&fetcher, &url, &validators, turn, &parsing, &budget).await
                });
                async move { (id, shown, errors, joined(task.await)) }
            },
        ))
        .buffer_unordered(in_flight);
        while let Some(first) = results.next().await {
            // Write every result that is ready in one transaction: one commit and one
            // search-index flush for many feeds, each feed still all-or-nothing.
            let mut ready = vec![first];
            while ready.len() < MAX_BATCH {
                match results.next().now_or_never() {
                    Some(Some(r)) => ready.push(r),
                    _ => break,
                }
            }
            store.batch(|store| {
                for (feed, url, errors, outcome) in ready {
                    let event = store_outcome(store, feed, url, errors, outcome, max_items)?;
                    match &event {
                        Event::Stored { counts, .. } => summary.new_items += counts.new,
                        Event::Failed { .. } => summary.failed += 1,
                        _ => {}
                    }
                    on_event(&event);
                }
                Ok(())
            })?;
        }
        Ok::<_, PollError>(())
    })?;
    summary.full_texts = fetch_full_texts(store, &runtime, &fetcher, &full_text_feeds, in_flight)?;
    // Dropping a runtime waits for blocking tasks; there are none left.
    runtime.shutdown_background();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The memory for feeds between their fetch and their write (`BodyBudget`): a few feeds'
/// worth, so that the parse threads and the writer never wait.
const BODY_BUDGET: u64 = 6 << 20;

/// Requests one host gets at once: a refresh is many hosts side by side, never a burst at one.
const PER_HOST: usize = 2;

/// The per-host limits of one refresh, keyed by host and port.
#[derive(Default)]
struct Hosts(std::collections::HashMap<String, std::sync::Arc<tokio::sync::Semaphore>>);

/// One host's turn to be asked: a permit of its semaphore, or nothing for local files.
struct HostLimit(Option<std::sync::Arc<tokio::sync::Semaphore>>);

impl Hosts {
    /// The limit of `host` (from [`interleave_hosts`]); none for local files.
    fn limit(&mut self, host: Option<String>) -> HostLimit {
        HostLimit(host.map(|host| {
            self.0
                .entry(host)
                .or_insert_with(|| std::sync::Arc::new(tokio::sync::Semaphore::new(PER_HOST)))
                .clone()
        }))
    }
}

impl HostLimit {
    async fn acquire(self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        match self.0 {
            Some(semaphore) => semaphore.acquire_owned().await.ok(),
            None => None,
        }
    }
}

/// `host:port` of a web URL; `None` for local files.
fn host_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?))
}

/// Orders jobs so that consecutive ones go to different hosts (round robin, each host's
/// jobs in their order): a host waiting for its turn then never holds up the others. Each
/// job comes with its host, so that no URL is parsed twice.
fn interleave_hosts<T>(jobs: Vec<T>, url: impl Fn(&T) -> &str) -> Vec<(Option<String>, T)> {
    let mut queues: Vec<std::collections::VecDeque<(Option<String>, T)>> = Vec::new();
    let mut index: std::collections::HashMap<Option<String>, usize> = Default::default();
    for job in jobs {
        let host = host_of(url(&job));
        let i = *index.entry(host.clone()).or_insert_with(|| {
            queues.push(Default::default());
            queues.len() - 1
        });
        queues[i].push_back((host, job));
    }
    let mut out = Vec::new();
    while !queues.is_empty() {
        queues.retain_mut(|q| match q.pop_front() {
            Some(job) => {
                out.push(job);
                true
            }
            None => false,
        });
    }
    out
}

/// Requests in flight at once: the configured number, clamped to what the process's
/// open-file limit allows (each request holds a socket; SQLite and the runtime hold some
/// more). The message says when it was clamped.
pub fn concurrency(config: &Config) -> (usize, Option<String>) {
    let wanted = config.concurrency.max(1);
    let Some(limit) = open_file_limit() else {
        return (wanted, None);
    };
    let allowed = (limit.saturating_sub(32) / 2).max(1) as usize;
    if wanted <= allowed {
        (wanted, None)
    } else {
        (
            allowed,
            Some(format!(
                "concurrency {wanted} lowered to {allowed}: this process may open {limit} files (ulimit -n)"
            )),
        )
    }
}

/// The soft limit on open files, where the system tells it (Linux's /proc).
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Pages fetched per feed and refresh: a first refresh of a big feed catches up over a
/// few runs instead of fetching hundreds of pages at once.
const FULL_TEXT_PER_FEED: usize = 50;

/// Fetches and stores the full article of items that do not have one yet, under the same
/// concurrency, timeouts and size cap as feeds. Returns how many were stored.
fn fetch_full_texts(
    store: &mut Store,
    runtime: &tokio::runtime::Runtime,
    fetcher: &Fetcher,
    feeds: &[FeedId],
    concurrency: usize,
) -> Result<usize, PollError> {
    let mut pages = Vec::new();
    for feed in feeds {
        pages.extend(store.missing_full_text(*feed, FULL_TEXT_PER_FEED)?);
    }
    if pages.is_empty() {
        return Ok(0);
    }
    let pages = interleave_hosts(pages, |(_, link)| link);
    let mut hosts = Hosts::default();
    runtime.block_on(async {
        let mut stored = 0;
        let mut results =
            futures_util::stream::iter(pages.into_iter().map(|(host, (item, link))| {
                let fetcher = fetcher.clone();
                let host = hosts.limit(host);
                let task = tokio::spawn(async move {
                    let _turn = host.acquire().await;
                    crate::feed::fulltext::fetch(&fetcher, &link).await
                });
                async move {
                    let result = task.await.unwrap_or_else(|e| Err(panic_message(e)));
                    (item, result)
                }
            }))
            .buffer_unordered(concurrency);
        while let Some(first) = results.next().await {
            let mut ready = vec![first];
            while let Some(Some(r)) = results.next().now_or_never() {
                ready.push(r);
            }
            store.batch(|store| {
                for (item, result) in ready {
                    if let Err(e) = &result {
                        tracing::info!("full text of item {}: {e}", item.0);
                    }
                    stored += usize::from(result.is_ok());
                    store.set_full_text(item, result.as_deref().map_err(String::as_str))?;
                }
                Ok(())
            })?;
        }
        Ok(stored)
    })
}

/// Writes one feed's outcome to the cache and says what happened.
fn store_outcome(
    store: &mut Store,
    feed: FeedId,
    url: String,
    errors: u32,
    outcome: Outcome,
    max_items: usize,
) -> Result<Event, StoreError> {
    let (message, retry_after) = match outcome {
        Outcome::NotModified => {
            store.record_success(feed, None, None, None, None, max_items)?;
            let counts = StoreCounts::default();
            return Ok(Event::Stored {
                feed,
                url,
                counts,
                not_modified: true,
            });
        }
        Outcome::Parsed {
            title,
            rows,
            etag,
            last_modified,
            ..
        } => {
            let counts = store.record_success(
                feed,
                title.as_deref(),
                etag.as_deref(),
                last_modified.as_deref(),
                Some(&rows),
                max_items,
            )?;
            return Ok(Event::Stored {
                feed,
                url,
                counts,
                not_modified: false,
            });
        }
        Outcome::Fetch(e) => {
            let wait = match &e {
                FetchError::Status {
                    retry_after: Some(secs),
                    ..
                } => Some(*secs as i64),
                _ => None,
            };
            (e.to_string(), wait)
        }
        Outcome::Parse(e) => (format!("not a readable feed: {e}"), None),
        Outcome::Crashed(message) => (message, None),
    };
    let next = retry_after
        .map(|s| now() + s.min(MAX_BACKOFF_SECS))
        .or_else(|| backoff(errors).map(|s| now() + s));
    store.record_failure(feed, &message, next)?;
    Ok(Event::Failed { feed, url, message })
}

/// Seconds to wait after the `errors_before`+1-th failure in a row: the first failure is
/// retried on the next refresh, then 1, 2, 4 ... minutes, up to six hours.
fn backoff(errors_before: u32) -> Option<i64> {
    (errors_before > 0).then(|| (60i64 << (errors_before - 1).min(20)).min(MAX_BACKOFF_SECS))
}

/// A parsed feed's items as rows ready for the writer, dated (`model::dated`).
fn rows_of(mut items: Vec<crate::model::ParsedItem>) -> Rows {
    let fetched = now();
    for item in &mut items {
        item.published = Some(crate::model::dated(item.published, fetched));
    }
    Rows::new(items)
}

/// A fetch task's outcome, or its panic as that feed's error: a panic must not vanish and
/// leave the progress short of its total.
fn joined(result: Result<Outcome, tokio::task::JoinError>) -> Outcome {
    result.unwrap_or_else(|e| Outcome::Crashed(panic_message(e)))
}

fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            format!("tidings crashed on this feed (a bug; please report it): {text}")
        }
        Err(e) => e.to_string(),
    }
}

/// Fetches, then parses once a core is free. The host's `turn` is given back as soon as
/// the body is in: parsing does not keep the host waiting.
async fn fetch_and_parse(
    fetcher: &Fetcher,
    url: &str,
    validators: &Validators,
    turn: Option<tokio::sync::OwnedSemaphorePermit>,
    parsing: &tokio::sync::Semaphore,
    budget: &BodyBudget,
) -> Outcome {
    let fetched = fetcher.fetch_within(url, validators, Some(budget)).await;
    drop(turn);
    match fetched {
        Ok(Fetched::NotModified) => Outcome::NotModified,
        Ok(Fetched::Body {
            bytes,
            charset,
            etag,
            last_modified,
            reserved,
        }) => {
            let _core = parsing.acquire().await;
            let parsed = tokio::task::spawn_blocking(move || {
                parse::parse(&bytes, charset.as_deref())
                    .map(|feed| (feed.title, rows_of(feed.items)))
            })
            .await;
            match parsed {
                Ok(Ok((title, rows))) => Outcome::Parsed {
                    title,
                    rows,
                    etag,
                    last_modified,
                    _reserved: reserved,
                },
                Ok(Err(e)) => Outcome::Parse(e),
                Err(e) => Outcome::Parse(ParseError::Panic(e.to_string())),
            }
        }
        Err(e) => Outcome::Fetch(e),
    }
}

fn now() -> Timestamp {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_fetch_task_becomes_that_feeds_error() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let outcome = runtime.block_on(async {
            let task = tokio::spawn(async {
                panic!("boom in a library");
                #[allow(unreachable_code)]
                Outcome::NotModified
            });
            joined(task.await)
        });
        match outcome {
            Outcome::Crashed(message) => {
                assert!(message.contains("boom in a library"), "{message}");
                assert!(message.contains("a bug"), "{message}");
            }
            _ => panic!("the panic was not reported"),
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), None);
        assert_eq!(backoff(1), Some(60));
        assert_eq!(backoff(2), Some(120));
        assert_eq!(backoff(3), Some(240));
        assert_eq!(backoff(40), Some(MAX_BACKOFF_SECS));
    }

    #[test]
    fn summary_reads_like_a_sentence() {
        let s = Summary {
            feeds: 42,
            new_items: 318,
            failed: 2,
            skipped: 0,
            elapsed: Duration::from_millis(1800),
            ..Default::default()
        };
        assert_eq!(s.to_string(), "42 feeds, 318 new items, 2 failed, 1.8 s");
    }
}

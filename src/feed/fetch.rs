//! One HTTP request for one feed: conditional GET, decompression, a cap on the expanded
//! body, redirects only to http/https and at most five of them, connect and total timeouts.
//! Local paths and `file://` URLs are read from disk under the same size cap.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap, HeaderValue};

pub const MAX_REDIRECTS: usize = 5;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {0} s")]
    Timeout(u64),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("{}", status_message(*.status, *.retry_after))]
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    #[error("body larger than the limit of {limit} bytes (max_body_bytes)")]
    TooLarge { limit: u64 },
    #[error("redirect refused: {0}")]
    Redirect(String),
    #[error("unsupported URL `{0}`: only http, https and local files")]
    Scheme(String),
    /// Shown beside the feed's path, so it does not repeat it.
    #[error("cannot read the file: {0}")]
    File(String),
    #[error("{0}")]
    Other(String),
}

fn status_message(status: u16, retry_after: Option<u64>) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let hint = match status {
        410 => ": the feed is gone for good; consider removing it from the config".to_string(),
        404 => ": no feed at this address".to_string(),
        _ => retry_after
            .map(|s| format!(" (retry after {s} s)"))
            .unwrap_or_default(),
    };
    format!("HTTP {status} {reason}{hint}")
}

/// Validators from the previous fetch, sent back so the server can answer 304.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub enum Fetched {
    NotModified,
    Body {
        bytes: Vec<u8>,
        /// Charset from `Content-Type`, if any.
        charset: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
        /// The body's place in the budget it was fetched within ([`Fetcher::fetch_within`]):
        /// the holder keeps it as long as it holds the body or what the body became.
        reserved: Option<Reserved>,
    },
}

#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_body_bytes: u64,
    pub user_agent: String,
}

#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
}

impl Fetcher {
    pub fn new(settings: FetchSettings) -> Result<Fetcher, FetchError> {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if !matches!(attempt.url().scheme(), "http" | "https") {
                let scheme = attempt.url().scheme().to_string();
                attempt.error(format!("redirect to a `{scheme}:` URL"))
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(policy)
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(|e| FetchError::Other(chain(&e)))?;
        Ok(Fetcher { client, settings })
    }

    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        self.fetch_within(url, validators, None).await
    }

    /// Fetches like [`Fetcher::fetch`], but first reserves the body's place in `budget`
    /// (once its length is known, before reading it) and hands the reservation back in
    /// [`Fetched::Body`].
    pub async fn fetch_within(
        &self,
        url: &str,
        validators: &Validators,
        budget: Option<&BodyBudget>,
    ) -> Result<Fetched, FetchError> {
        match classify(url) {
            Source::Http => self.fetch_http(url, validators, budget).await,
            Source::File(path) => {
                let limit = self.settings.max_body_bytes;
                tokio::task::spawn_blocking(move || read_file(&path, limit))
                    .await
                    .map_err(|e| FetchError::Other(e.to_string()))?
            }
            Source::Unsupported => Err(FetchError::Scheme(crate::text::display_url(url))),
        }
    }

    async fn fetch_http(
        &self,
        url: &str,
        validators: &Validators,
        budget: Option<&BodyBudget>,
    ) -> Result<Fetched, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            ),
        );
        if let Some(v) = validators
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::IF_NONE_MATCH, v);
        }
        if let Some(v) = validators
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::IF_MODIFIED_SINCE, v);
        }
        let response = self
            .client
            .get(url)
            .headers(headers)
            .send()
            .await
            .map_err(|e| self.classify_error(e))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            if validators.etag.is_none() && validators.last_modified.is_none() {
                return Err(FetchError::Other(
                    "HTTP 304 Not Modified to a request that asked nothing conditional (a broken server or cache)".into(),
                ));
            }
            return Ok(Fetched::NotModified);
        }
        if status.is_redirection() {
            // reqwest hands back redirects it will not follow, such as to `file:` URLs.
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let scheme = location.split_once(':').map(|(s, _)| s).unwrap_or("");
            return Err(FetchError::Redirect(
                if scheme.is_empty()
                    || !scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
                {
                    format!("HTTP {} without a usable Location", status.as_u16())
                } else {
                    format!(
                        "redirect to a `{}:` URL",
                        crate::text::sanitize_line(scheme)
                    )
                },
            ));
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                retry_after: retry_after(response.headers()),
            });
        }
        let header_str = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header_str(header::ETAG);
        let last_modified = header_str(header::LAST_MODIFIED);
        let charset = header_str(header::CONTENT_TYPE).and_then(|ct| charset_of(&ct));
        let limit = self.settings.max_body_bytes;
        let announced = response.content_length();
        if announced.is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let mut reserved = match budget {
            Some(b) => Some(b.reserve(announced.unwrap_or(UNANNOUNCED_BODY)).await),
            None => None,
        };
        // A body still arriving after `SLOW_BODY` is waited on by the network, not by
        // memory: it gives its place back to the others and takes one again once it is in.
        let slow = tokio::time::sleep(SLOW_BODY);
        tokio::pin!(slow);
        // Counted as it arrives, after decompression: a gzip bomb stops at the cap.
        let mut bytes = Vec::with_capacity(announced.unwrap_or(0).min(limit) as usize);
        let mut stream = response.bytes_stream();
        loop {
            let next = if reserved.is_some() {
                tokio::select! {
                    next = stream.next() => next,
                    _ = &mut slow => {
                        reserved = None;
                        continue;
                    }
                }
            } else {
                stream.next().await
            };
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(|e| self.classify_error(e))?;
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        if let (Some(b), None) = (budget, &reserved) {
            reserved = Some(b.reserve(bytes.len() as u64).await);
        }
        Ok(Fetched::Body {
            bytes,
            charset,
            etag,
            last_modified,
            reserved,
        })
    }

    fn classify_error(&self, e: reqwest::Error) -> FetchError {
        // The URL is shown beside the message already, and may carry credentials.
        let e = e.without_url();
        let message = chain(&e);
        if e.is_timeout() {
            FetchError::Timeout(self.settings.timeout.as_secs())
        } else if e.is_redirect() {
            FetchError::Redirect(message.rsplit(": ").next().unwrap_or(&message).to_string())
        } else if e.is_connect() {
            FetchError::Connect(message)
        } else {
            FetchError::Other(message)
        }
    }
}

/// The error and its causes on one line, without the repeated URL reqwest puts first.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    let joined = parts.join(": ");
    crate::text::sanitize(&joined.replace('\n', " ")).into_owned()
}

/// The longest wait a `Retry-After` can impose: six hours, the poller's longest backoff.
pub const MAX_RETRY_AFTER_SECS: u64 = 6 * 3600;

pub(crate) fn retry_after(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    let secs = match value.parse::<u64>() {
        Ok(secs) => secs,
        Err(_) => {
            let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
            (when.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64
        }
    };
    // The poller never waits longer than its longest backoff; the message says what it does.
    Some(secs.min(MAX_RETRY_AFTER_SECS))
}

fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset")).then(|| v.trim().trim_matches('"').to_string())
    })
}

enum Source {
    Http,
    File(std::path::PathBuf),
    Unsupported,
}

fn classify(url: &str) -> Source {
    match url.split_once("://") {
        Some((scheme, _))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            Source::Http
        }
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("file") => match url::Url::parse(url)
            .ok()
            .and_then(|u| u.to_file_path().ok())
        {
            Some(p) => Source::File(p),
            None => Source::Unsupported,
        },
        Some(_) => Source::Unsupported,
        None => Source::File(url.into()),
    }
}

/// How long a body may take to arrive while holding its place in a [`BodyBudget`].
const SLOW_BODY: Duration = Duration::from_secs(1);

/// What reading a body costs besides its bytes (the connection's buffers), in KiB.
const PER_BODY_KIB: u64 = 16;

/// What a body of unannounced length is assumed to hold when it reserves its place.
const UNANNOUNCED_BODY: u64 = 256 * 1024;

/// The memory a refresh may hold in feeds between their fetch and their write. Fetching on
/// a fast network outruns parsing and writing; without a bound every feed in flight would
/// wait in memory. A body counts twice (its bytes, then its parsed rows) plus what reading
/// it costs (the connection's buffer).
#[derive(Clone, Debug)]
pub struct BodyBudget {
    kib: std::sync::Arc<tokio::sync::Semaphore>,
    total_kib: u32,
}

/// A body's place in a [`BodyBudget`], given back when dropped.
pub type Reserved = tokio::sync::OwnedSemaphorePermit;

impl BodyBudget {
    pub fn new(bytes: u64) -> BodyBudget {
        let total_kib = (bytes / 1024).clamp(1, u32::MAX as u64) as u32;
        BodyBudget {
            kib: std::sync::Arc::new(tokio::sync::Semaphore::new(total_kib as usize)),
            total_kib,
        }
    }

    /// Waits until a body of `bytes` fits; one larger than the whole budget waits for all
    /// of it.
    async fn reserve(&self, bytes: u64) -> Reserved {
        let kib = (bytes.div_ceil(1024) * 2 + PER_BODY_KIB).clamp(1, self.total_kib as u64) as u32;
        self.kib
            .clone()
            .acquire_many_owned(kib)
            .await
            .expect("the budget's semaphore is never closed")
    }
}

/// True for URLs fetched over the network (as opposed to local files).
pub fn is_remote(url: &str) -> bool {
    matches!(classify(url), Source::Http)
}

fn read_file(path: &std::path::Path, limit: u64) -> Result<Fetched, FetchError> {
    use std::io::Read;
    let err = |e: std::io::Error| FetchError::File(e.to_string());
    // Only regular files: opening a FIFO or a terminal blocks until somebody writes to it,
    // ignoring every timeout (and a terminal would swallow what the user types).
    let meta = std::fs::metadata(path).map_err(err)?;
    if !meta.is_file() {
        return Err(FetchError::File(
            "not a regular file (a directory, FIFO, socket or device)".to_string(),
        ));
    }
    let file = std::fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(err)?;
    if bytes.len() as u64 > limit {
        return Err(FetchError::TooLarge { limit });
    }
    Ok(Fetched::Body {
        bytes,
        charset: None,
        etag: None,
        last_modified: None,
        reserved: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_is_read_from_content_type() {
        assert_eq!(
            charset_of("text/xml; charset=\"ISO-8859-1\""),
            Some("ISO-8859-1".into())
        );
        assert_eq!(charset_of("text/xml"), None);
    }

    #[test]
    fn gone_feeds_suggest_removal() {
        let e = FetchError::Status {
            status: 410,
            retry_after: None,
        };
        assert!(e.to_string().contains("HTTP 410 Gone") && e.to_string().contains("removing"));
        let e = FetchError::Status {
            status: 429,
            retry_after: Some(120),
        };
        assert_eq!(
            e.to_string(),
            "HTTP 429 Too Many Requests (retry after 120 s)"
        );
    }

    #[test]
    fn only_http_and_files_are_sources() {
        assert!(is_remote("https://x/feed"));
        assert!(!is_remote("/tmp/feed.xml"));
        assert!(matches!(classify("ftp://x/feed"), Source::Unsupported));
        assert!(matches!(classify("file:///tmp/x.xml"), Source::File(_)));
    }

    #[test]
    fn a_huge_retry_after_is_shown_as_the_wait_that_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, "999999999999".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER_SECS));
        headers.insert(
            header::RETRY_AFTER,
            "Fri, 31 Dec 9999 23:59:59 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER_SECS));
        headers.insert(header::RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(120));
    }
}

//! The user's settings: a TOML file, its defaults, validation with file:line:column errors,
//! and where tidings keeps its files (platform directories).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::clean::FilterConfig;
use crate::keymap::KeyConfig;
use crate::query::ItemQuery;

/// The starter config written on first run; it is also the documented example.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    // `error`, not `source`: the text is in the message once, not again in the chain.
    #[error("cannot read config {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "config {path} does not exist (a starter config is only written at the default location)"
    )]
    Missing { path: PathBuf },
    #[error("cannot write starter config {path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Feeds fetched at the same time.
    pub concurrency: usize,
    pub connect_timeout_secs: u64,
    /// Whole request, body included.
    pub timeout_secs: u64,
    /// Largest feed body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Items kept per feed; unread and starred items are never dropped.
    pub max_items_per_feed: usize,
    pub user_agent: String,
    /// Start a background refresh when the reader opens.
    pub refresh_on_start: bool,
    /// Opening an article marks it read.
    pub mark_read_on_open: bool,
    /// The command `o` opens links with (shell quoting, no shell; `%u` is the link).
    pub browser: Option<String>,
    /// The browser runs in this terminal (w3m, lynx): the reader hands it the terminal.
    pub browser_in_terminal: bool,
    /// The command `p` plays an item's file with (as `browser`); unset: the browser.
    pub player: Option<String>,
    /// The player runs in this terminal (mpv for audio): the reader hands it the terminal.
    pub player_in_terminal: bool,
    pub filter: FilterConfig,
    pub keys: KeyConfig,
    /// `[colors]`: part of the screen → style (`crate::theme`).
    pub colors: std::collections::BTreeMap<String, String>,
    /// The reader's aggregator, when it has one.
    pub sync: Option<SyncConfig>,
    /// Saved queries, listed in the sidebar under their names.
    pub queries: Vec<QueryConfig>,
    /// Kill rules: items any of these matches are never listed (they stay in the cache).
    pub ignore: Vec<ItemQuery>,
    pub feeds: Vec<FeedConfig>,
}

/// `[[queries]]`: items of all feeds that match a condition, under a name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryConfig {
    pub name: String,
    #[serde(rename = "match")]
    pub matching: ItemQuery,
}

/// `[sync]`: the aggregator tidings keeps read and starred state in step with.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    pub kind: SyncKind,
    /// The API's address, e.g. `https://rss.example.net/api/fever.php`.
    pub url: String,
    pub username: String,
    /// A command whose first line of output is the password (`pass show freshrss`).
    pub password_command: Option<String>,
    /// Accepted, with a warning when others may read the config file.
    pub password: Option<String>,
    /// Inoreader's application id and key (Preferences → Developer), sent with every request.
    pub app_id: Option<String>,
    pub app_key: Option<String>,
}

/// Never prints the password.
impl std::fmt::Debug for SyncConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncConfig")
            .field("kind", &self.kind)
            .field("url", &crate::text::display_url(&self.url))
            .field("username", &self.username)
            .field("password_command", &self.password_command.is_some())
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("app_id", &self.app_id)
            .field("app_key", &self.app_key.as_ref().map(|_| "***"))
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncKind {
    /// The Fever API (FreshRSS, Miniflux, TT-RSS with its plugin, yarr, coldsweat).
    Fever,
    /// The Google Reader API (FreshRSS, Miniflux, Inoreader, The Old Reader, BazQux).
    Greader,
}

impl SyncKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncKind::Fever => "fever",
            SyncKind::Greader => "greader",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// http(s) URL, `file://` URL or local path.
    pub url: String,
    pub title: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Turn appeal hiding off (or on) for this feed only.
    pub filter: Option<bool>,
    /// Fetch each new item's web page and keep its main text in the cache (for feeds that
    /// carry only summaries).
    #[serde(default)]
    pub full_text: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            concurrency: 64,
            connect_timeout_secs: 10,
            timeout_secs: 30,
            max_body_bytes: 16 * 1024 * 1024,
            max_items_per_feed: 1000,
            user_agent: default_user_agent(),
            refresh_on_start: true,
            mark_read_on_open: true,
            browser: None,
            browser_in_terminal: false,
            player: None,
            player_in_terminal: false,
            filter: FilterConfig::default(),
            keys: KeyConfig::default(),
            colors: Default::default(),
            sync: None,
            queries: Vec::new(),
            ignore: Vec::new(),
            feeds: Vec::new(),
        }
    }
}

pub fn default_user_agent() -> String {
    format!("tidings/{}", env!("CARGO_PKG_VERSION"))
}

impl Config {
    /// Parses `text` as read from `path`; every error names path:line:column and the key.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let (line, column) = line_column(text, offset);
            let mut message = e.message().trim().to_string();
            if let Some(key) = key_on_line(text, line) {
                if !message.contains(&format!("`{key}`")) {
                    message = format!("key `{key}`: {message}");
                }
            }
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        })?;
        config.validate(text, path)?;
        // `HTTP://Example.com/f` and `http://example.com/f` are one feed: the first spelling
        // is kept, so a cache made with it keeps its feed.
        let mut seen = std::collections::HashSet::new();
        config.feeds.retain(|f| seen.insert(feed_identity(&f.url)));
        Ok(config)
    }

    /// Loads the config at `path` (at most 16 MiB).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = read_capped(path).map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Config::parse(&text, path)
    }

    /// Loads the config at `path`. A missing file is written with the commented starter
    /// config; the returned flag says so, so the caller can tell the user.
    pub fn load_or_create(path: &Path) -> Result<(Config, bool), ConfigError> {
        match read_capped(path) {
            Ok(text) => Ok((Config::parse(&text, path)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let write = |p: &Path| -> std::io::Result<()> {
                    if let Some(dir) = p.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::write(p, EXAMPLE)
                };
                write(path).map_err(|error| ConfigError::Write {
                    path: path.to_path_buf(),
                    error,
                })?;
                Ok((Config::parse(EXAMPLE, path)?, true))
            }
            Err(error) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                error,
            }),
        }
    }

    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let fail = |key: &str, message: String| {
            let (line, column) = locate_key(text, key);
            Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: format!("key `{key}`: {message}"),
            })
        };
        if self.concurrency == 0 {
            return fail("concurrency", "must be at least 1".into());
        }
        if self.connect_timeout_secs == 0 {
            return fail("connect_timeout_secs", "must be at least 1".into());
        }
        if self.timeout_secs == 0 {
            return fail("timeout_secs", "must be at least 1".into());
        }
        if self.max_body_bytes == 0 {
            return fail("max_body_bytes", "must be at least 1".into());
        }
        if self.max_items_per_feed == 0 {
            return fail("max_items_per_feed", "must be at least 1".into());
        }
        // Sent as an HTTP header: visible ASCII and spaces only (a line break would end the
        // header, and non-ASCII fails every request).
        if self.user_agent.is_empty() || !self.user_agent.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            return fail(
                "user_agent",
                "must be printable ASCII on one line (it is sent as an HTTP header)".into(),
            );
        }
        // Beyond a day a timeout protects nothing, and huge values overflow the clock.
        for (key, secs) in [
            ("timeout_secs", self.timeout_secs),
            ("connect_timeout_secs", self.connect_timeout_secs),
        ] {
            if secs > 86_400 {
                return fail(key, "at most 86400 (one day)".into());
            }
        }
        for (key, command) in [("browser", &self.browser), ("player", &self.player)] {
            if command
                .as_deref()
                .is_some_and(|c| browser_command(c, "").is_none())
            {
                return fail(
                    key,
                    "cannot split this into a program and its arguments (an empty command, or an unclosed quote?)".into(),
                );
            }
        }
        if self.queries.iter().any(|q| q.name.trim().is_empty()) {
            return fail("name", "a saved query's name is empty".into());
        }
        for feed in &self.feeds {
            if feed.url.trim().is_empty() {
                return fail("url", "a feed url is empty".into());
            }
            if let Some((scheme, _)) = feed.url.split_once("://") {
                if !matches!(
                    scheme.to_ascii_lowercase().as_str(),
                    "http" | "https" | "file"
                ) {
                    let (line, column) = locate_value(text, &feed.url);
                    return Err(ConfigError::Invalid {
                        path: path.to_path_buf(),
                        line,
                        column,
                        message: format!(
                            "key `url`: scheme `{scheme}` is not supported (http, https, file or a path)"
                        ),
                    });
                }
            }
        }
        if let Some(sync) = &self.sync {
            let scheme = sync
                .url
                .split_once("://")
                .map(|(s, _)| s.to_ascii_lowercase());
            if !matches!(scheme.as_deref(), Some("http" | "https")) {
                return fail(
                    "url",
                    "the [sync] url must be an http or https address".into(),
                );
            }
            if sync.username.trim().is_empty() {
                return fail("username", "the [sync] username is empty".into());
            }
            if sync.app_id.is_some() != sync.app_key.is_some() {
                return fail(
                    if sync.app_id.is_some() {
                        "app_id"
                    } else {
                        "app_key"
                    },
                    "app_id and app_key go together (Inoreader gives both)".into(),
                );
            }
        }
        self.keys.validate().or_else(|(key, msg)| fail(&key, msg))?;
        if let Err((part, e)) = crate::theme::Theme::from_config(&self.colors) {
            return fail(&part, e.to_string());
        }
        self.filter
            .validate()
            .or_else(|(key, msg)| fail(&key, msg))?;
        Ok(())
    }
}

/// The program and arguments that open `url` with the `browser` command line: split as a
/// shell would (quotes, backslashes) but never run by one, every `%u` replaced by the link,
/// or the link added last when there is none. `None` when it does not split or is empty.
pub fn browser_command(browser: &str, url: &str) -> Option<Vec<String>> {
    let mut argv = shlex::split(browser).filter(|a| !a.is_empty())?;
    if argv.iter().any(|a| a.contains("%u")) {
        for arg in &mut argv {
            *arg = arg.replace("%u", url);
        }
    } else {
        argv.push(url.to_string());
    }
    Some(argv)
}

/// What makes two feed addresses the same feed: for URLs, scheme and host compared without
/// case (as HTTP does); the path and query as written; local paths as written.
pub fn feed_identity(url: &str) -> String {
    let url = url.trim();
    let Some(parts) = crate::text::url_parts(url) else {
        return url.to_string();
    };
    let userinfo = parts.userinfo.map(|u| format!("{u}@")).unwrap_or_default();
    format!(
        "{}://{userinfo}{}{}",
        parts.scheme.to_ascii_lowercase(),
        parts.host.to_ascii_lowercase(),
        parts.rest
    )
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

/// The key assigned on a 1-based line, if the line is `key = ...`.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (key, _) = l.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('#') && !key.contains(' ')).then(|| key.to_string())
}

fn locate_key(text: &str, key: &str) -> (usize, usize) {
    find_line(text, |l| {
        l.trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    })
}

fn locate_value(text: &str, value: &str) -> (usize, usize) {
    find_line(text, |l| l.contains(value))
}

fn find_line(text: &str, pred: impl Fn(&str) -> bool) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find(|(_, l)| pred(l))
        .map(|(i, l)| (i + 1, l.len() - l.trim_start().len() + 1))
        .unwrap_or((1, 1))
}

/// Where tidings keeps its files. Each can be overridden from the command line or the
/// environment; the rest come from the platform directories.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config: PathBuf,
    pub cache: PathBuf,
    pub log: PathBuf,
}

impl Paths {
    pub fn resolve(config: Option<PathBuf>, cache: Option<PathBuf>) -> Paths {
        let dirs = directories::ProjectDirs::from("", "", "tidings");
        let fallback = || PathBuf::from(".tidings");
        let config = config.unwrap_or_else(|| {
            dirs.as_ref()
                .map(|d| d.config_dir().to_path_buf())
                .unwrap_or_else(fallback)
                .join("config.toml")
        });
        let data = dirs
            .as_ref()
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(fallback);
        let state = dirs
            .as_ref()
            .and_then(|d| d.state_dir().map(Path::to_path_buf))
            .unwrap_or_else(|| data.clone());
        Paths {
            config,
            cache: cache.unwrap_or_else(|| data.join("cache.sqlite")),
            log: state.join("tidings.log"),
        }
    }
}

/// The largest config read: far beyond any real one (10,000 feeds take about 1 MB), and a
/// bound on memory when `--config` names `/dev/zero` or a huge file by mistake.
const CONFIG_CAP: u64 = 16 << 20;

fn read_capped(path: &Path) -> std::io::Result<String> {
    let bytes = read_at_most(std::fs::File::open(path)?, CONFIG_CAP)?.ok_or_else(|| {
        std::io::Error::other(format!(
            "larger than {} MiB; is this the config file?",
            CONFIG_CAP >> 20
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| std::io::Error::other("not UTF-8 text"))
}

/// Everything `reader` gives, or `None` when that is more than `cap` bytes (only `cap + 1`
/// are ever read: `/dev/zero` or `yes` cannot fill memory).
pub fn read_at_most(reader: impl std::io::Read, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader.take(cap + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/home/u/.config/tidings/config.toml"))
    }

    #[test]
    fn example_config_parses_and_matches_the_defaults() {
        let config = parse(EXAMPLE).expect("config.example.toml must parse");
        assert_eq!(
            Config {
                feeds: vec![],
                ..config
            },
            Config::default()
        );
    }

    #[test]
    fn a_user_agent_that_cannot_be_a_header_and_a_huge_timeout_name_their_key_and_line() {
        for (text, key, line) in [
            (
                "concurrency = 4\nuser_agent = \"a\\r\\nX-Evil: 1\"\n",
                "user_agent",
                2,
            ),
            ("user_agent = \"tidings ünïcode\"\n", "user_agent", 1),
            (
                "\n\ntimeout_secs = 9223372036854775807\n",
                "timeout_secs",
                3,
            ),
        ] {
            match parse(text).unwrap_err() {
                ConfigError::Invalid {
                    line: l, message, ..
                } => {
                    assert_eq!(l, line, "{text}");
                    assert!(message.contains(key), "{message}");
                }
                other => panic!("{other}"),
            }
        }
    }

    #[test]
    fn feeds_with_titles_and_tags() {
        let c = parse(
            "[[feeds]]\nurl = \"https://a.example/feed\"\ntitle = \"A\"\ntags = [\"news\"]\n\n[[feeds]]\nurl = \"/tmp/local.xml\"\n",
        )
        .unwrap();
        assert_eq!(c.feeds.len(), 2);
        assert_eq!(c.feeds[0].tags, vec!["news"]);
        assert_eq!(c.feeds[1].title, None);
    }

    #[test]
    fn syntax_error_names_file_line_and_column() {
        let err = parse("concurrency = 4\ntimeout_secs = = 3\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/home/u/.config/tidings/config.toml:2:"),
            "{err}"
        );
        assert!(err.contains("timeout_secs"), "{err}");
    }

    #[test]
    fn unknown_key_is_named_with_its_position() {
        let err = parse("concurency = 4\n").unwrap_err().to_string();
        assert!(err.contains("config.toml:1:1"), "{err}");
        assert!(err.contains("concurency"), "{err}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = parse("\n\nconcurrency = \"many\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.toml:3:15"), "{err}");
        assert!(err.contains("concurrency"), "{err}");
    }

    #[test]
    fn unknown_key_inside_a_feed_is_an_error() {
        let err = parse("[[feeds]]\nurl = \"http://x\"\ntitel = \"typo\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains(":3:1") && err.contains("titel"), "{err}");
    }

    #[test]
    fn zero_concurrency_is_rejected_at_its_line() {
        let err = parse("# c\nconcurrency = 0\n").unwrap_err().to_string();
        assert!(err.contains(":2:1") && err.contains("concurrency"), "{err}");
    }

    #[test]
    fn unsupported_scheme_is_rejected() {
        let err = parse("[[feeds]]\nurl = \"ftp://x/feed\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains(":2:") && err.contains("ftp"), "{err}");
    }

    #[test]
    fn missing_config_is_written_as_a_starter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        let (config, created) = Config::load_or_create(&path).unwrap();
        assert!(created);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), EXAMPLE);
        assert_eq!(config.concurrency, 64);
        let (_, created_again) = Config::load_or_create(&path).unwrap();
        assert!(!created_again);
    }

    #[test]
    fn a_sync_table_parses_and_a_bad_one_is_refused_at_its_line() {
        let c = parse(
            "[sync]\nkind = \"fever\"\nurl = \"https://r.example/api/fever.php\"\nusername = \"me\"\npassword = \"s3cret\"\n",
        )
        .unwrap();
        let sync = c.sync.as_ref().unwrap();
        assert_eq!(sync.kind, SyncKind::Fever);
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "Debug hides the password"
        );
        let e = parse(
            "[sync]\nkind = \"greader\"\nurl = \"https://r.example/\"\nusername = \"me\"\napp_id = \"1\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains(":5:") && e.contains("go together"), "{e}");
        let e =
            parse("[sync]\nkind = \"newsblur\"\nurl = \"https://r.example/\"\nusername = \"me\"\n")
                .unwrap_err()
                .to_string();
        assert!(e.contains(":2:") && e.contains("kind"), "{e}");
        let e = parse("[sync]\nkind = \"fever\"\nurl = \"ftp://r.example/\"\nusername = \"me\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("http or https"), "{e}");
    }

    #[test]
    fn a_browser_command_gets_the_link_as_one_argument_and_no_shell() {
        let url = "https://example.org/a b?x=1&y=$(rm -rf ~)";
        assert_eq!(
            browser_command("firefox --new-tab %u", url).unwrap(),
            ["firefox", "--new-tab", url]
        );
        assert_eq!(
            browser_command("'/opt/my browser/run' --open=%u", url).unwrap(),
            ["/opt/my browser/run", &format!("--open={url}")]
        );
        assert_eq!(browser_command("w3m", url).unwrap(), ["w3m", url]);
        assert!(browser_command("", url).is_none());
        assert!(browser_command("lynx 'unclosed", url).is_none());
        let err = Config::parse("browser = \"w3m 'x\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:1:1: key `browser`"), "{err}");
        let err = Config::parse("player = \"\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:1:1: key `player`"), "{err}");
    }

    #[test]
    fn a_bad_colour_names_its_line_and_the_word() {
        let text = "[colors]\nunread = \"bold\"\nlink = \"blue blinking\"\n";
        let err = Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:3:1: key `link`"), "{err}");
        assert!(err.contains("`blinking` is not a colour"), "{err}");
        let err = Config::parse("[colors]\nlinks = \"blue\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown part `links`"), "{err}");
    }

    #[test]
    fn one_url_spelled_in_two_cases_is_one_feed() {
        let config = parse(
            "[[feeds]]\nurl = \"HTTP://News.Example/Feed\"\n[[feeds]]\nurl = \"http://news.example/Feed\"\n\
             [[feeds]]\nurl = \"http://news.example/feed\"\n",
        )
        .unwrap();
        let urls: Vec<&str> = config.feeds.iter().map(|f| f.url.as_str()).collect();
        // The path keeps its case: servers may tell /Feed and /feed apart.
        assert_eq!(
            urls,
            ["HTTP://News.Example/Feed", "http://news.example/feed"]
        );
        assert_eq!(
            feed_identity("https://User:Pw@Host.Example:8080/A?b=C"),
            "https://User:Pw@host.example:8080/A?b=C"
        );
    }
}

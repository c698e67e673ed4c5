//! What each command line does: setup (config, cache, demo), `refresh`, `inspect`, `clean`,
//! and handing over to the reader. Errors carry context for the user (anyhow).

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::clean::{self, Cleaner, Verdict};
use crate::cli::{Cli, Command, RemoteCommand};
use crate::config::{Config, ConfigError, FeedConfig, Paths};
use crate::feed::fetch::{Fetched, Fetcher, Validators};
use crate::feed::{parse, poller};
use crate::store::{Store, StoreError};
use crate::sync::SubscriptionEdit;

/// True when the error is only that whoever read our output stopped reading
/// (`tidings export | head -1`): the output ends quietly, like other Unix tools.
pub fn is_closed_stdout(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Exit status for an error: 2 for a bad config or cache, 1 otherwise.
pub fn exit_code_for(e: &anyhow::Error) -> u8 {
    let setup = e.chain().any(|c| {
        c.is::<ConfigError>()
            || c.is::<StoreError>()
            || matches!(
                c.downcast_ref::<poller::PollError>(),
                Some(poller::PollError::Store(_))
            )
    });
    if setup {
        2
    } else {
        1
    }
}

/// Bundled demo feeds: (file name, contents, tags).
const DEMO_FEEDS: &[(&str, &str, &[&str])] = &[
    (
        "world-desk.xml",
        include_str!("../assets/demo/world-desk.xml"),
        &["news"],
    ),
    (
        "field-notes.atom",
        include_str!("../assets/demo/field-notes.atom"),
        &["science"],
    ),
    (
        "indie-weekly.json",
        include_str!("../assets/demo/indie-weekly.json"),
        &["tech"],
    ),
];

/// Config, paths and, for `--demo`, the temporary directory that holds its files.
pub struct Setup {
    pub config: Config,
    pub paths: Paths,
    pub demo_dir: Option<tempfile::TempDir>,
}

pub fn setup(cli: &Cli, write_starter: bool) -> Result<Setup> {
    if cli.demo {
        let dir = tempfile::Builder::new()
            .prefix("tidings-demo-")
            .tempdir()
            .context("cannot create a directory for the demo")?;
        let mut config = Config::default();
        for (name, text, tags) in DEMO_FEEDS {
            let path = dir.path().join(name);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            config.feeds.push(FeedConfig {
                url: path.display().to_string(),
                title: None,
                tags: tags.iter().map(|t| t.to_string()).collect(),
                filter: None,
                full_text: false,
            });
        }
        // A saved query, so that the demo's sidebar shows one.
        config.queries.push(crate::config::QueryConfig {
            name: "Unread news and science".into(),
            matching: crate::query::ItemQuery::parse(
                r#"unread = "yes" and (tags # "news" or tags # "science")"#,
            )
            .expect("the demo's query parses"),
        });
        let paths = Paths {
            config: dir.path().join("config.toml"),
            cache: dir.path().join("cache.sqlite"),
            log: dir.path().join("tidings.log"),
        };
        return Ok(Setup {
            config,
            paths,
            demo_dir: Some(dir),
        });
    }
    let paths = Paths::resolve(cli.config.clone(), cli.cache.clone());
    // A starter config is written at the default location only: a path the user typed
    // and mistyped must not silently become a new, empty config.
    // (`import` is the exception: it writes the subscriptions into the file it names.)
    let explicit = cli.config.is_some();
    let importing = matches!(cli.command, Some(Command::Import { .. }));
    if explicit && !importing && !paths.config.exists() {
        return Err(ConfigError::Missing {
            path: paths.config.clone(),
        }
        .into());
    }
    if paths.cache.as_os_str() == ":memory:" {
        bail!("--cache :memory: would keep nothing; give a file path");
    }
    let config = if write_starter && (!explicit || importing) {
        let (config, created) = Config::load_or_create(&paths.config)?;
        if created {
            eprintln!(
                "tidings: no config found, wrote a commented starter config to {} — add your feeds there",
                paths.config.display()
            );
        }
        config
    } else if paths.config.exists() {
        Config::load(&paths.config)?
    } else {
        Config::default()
    };
    Ok(Setup {
        config,
        paths,
        demo_dir: None,
    })
}

/// Opens the cache and makes its feed list match the config.
pub fn open_store(setup: &Setup) -> Result<Store> {
    let mut store = Store::open(&setup.paths.cache)?;
    store.set_ignore(&setup.config.ignore);
    let feeds: Vec<_> = setup
        .config
        .feeds
        .iter()
        .map(|f| (f.url.clone(), f.title.clone(), f.tags.clone()))
        .collect();
    store
        .sync_feeds(&feeds)
        .with_context(|| format!("cache {}", setup.paths.cache.display()))?;
    Ok(store)
}

pub fn run(cli: Cli) -> Result<u8> {
    match &cli.command {
        Some(Command::Clean {
            explain,
            html,
            source_html,
            width,
        }) => {
            let setup = setup(&cli, false)?;
            let input = if *html {
                Input::Html
            } else if let Some(path) = source_html {
                Input::TextFrom(read_capped(
                    std::fs::File::open(path)
                        .with_context(|| format!("cannot open {}", path.display()))?,
                    &path.display().to_string(),
                )?)
            } else {
                Input::Sniff
            };
            clean_stdin(&setup.config, *explain, input, *width)
        }
        Some(Command::Inspect { inputs }) => {
            let setup = setup(&cli, false)?;
            inspect(&setup.config, inputs, &mut std::io::stdout().lock())
        }
        Some(Command::Import { file, allow_local }) => {
            let setup = setup(&cli, true)?;
            import(
                &setup.paths.config,
                file,
                *allow_local,
                &mut std::io::stdout().lock(),
            )
        }
        Some(Command::Export) => {
            let setup = setup(&cli, false)?;
            let subs: Vec<_> = setup
                .config
                .feeds
                .iter()
                .map(|f| crate::opml::Subscription {
                    url: f.url.clone(),
                    title: f.title.clone(),
                    tags: f.tags.clone(),
                })
                .collect();
            std::io::stdout()
                .lock()
                .write_all(crate::opml::write(&subs).as_bytes())
                .context("cannot write to stdout")?;
            Ok(0)
        }
        Some(Command::Refresh { force }) => {
            let setup = setup(&cli, true)?;
            init_logging(&setup.paths.log);
            // Resolved first (a password command may ask for a passphrase); a sync that
            // cannot start never keeps the feeds from being fetched.
            let account = account(&setup);
            let mut store = open_store(&setup)?;
            let fetched = refresh(&mut store, &setup.config, *force)
                .with_context(|| format!("refresh into {}", setup.paths.cache.display()))?;
            let synced = match &account {
                Ok(Some(a)) => sync_now(&mut store, &setup.config, a),
                Ok(None) => 0,
                Err(e) => {
                    tracing::warn!("sync failed: {e:#}");
                    let _ = writeln!(std::io::stdout(), "sync failed: {e:#}");
                    1
                }
            };
            Ok(fetched.max(synced))
        }
        Some(Command::Sync) => {
            let setup = setup(&cli, true)?;
            init_logging(&setup.paths.log);
            let account = required_account(&setup)?;
            let mut store = open_store(&setup)?;
            Ok(sync_now(&mut store, &setup.config, &account))
        }
        Some(Command::Remote(what)) => {
            let setup = setup(&cli, true)?;
            init_logging(&setup.paths.log);
            let account = required_account(&setup)?;
            let mut store = open_store(&setup)?;
            let edit = match what.clone() {
                RemoteCommand::Add { url, title, tag } => SubscriptionEdit::Add { url, title, tag },
                RemoteCommand::Remove { feed } => SubscriptionEdit::Remove { feed },
                RemoteCommand::Rename { feed, title } => SubscriptionEdit::Rename { feed, title },
                RemoteCommand::Move { feed, tag } => SubscriptionEdit::Move { feed, tag },
            };
            let options = crate::runtime::sync_options(&setup.config);
            match crate::sync::edit_subscription(&mut store, &account, &options, &edit) {
                Ok(report) => {
                    let waiting = store.queue_len_of(&account.name())?;
                    let line = crate::sync::describe(&report, waiting);
                    tracing::info!("{edit:?}: {line}");
                    let _ = writeln!(std::io::stdout(), "done; {line}");
                    Ok(0)
                }
                Err(e) => {
                    tracing::warn!("{edit:?}: {e}");
                    let _ = writeln!(std::io::stdout(), "not done: {e}");
                    Ok(1)
                }
            }
        }
        None => {
            let mut setup = setup(&cli, true)?;
            init_logging(&setup.paths.log);
            let mut store = open_store(&setup)?;
            if setup.demo_dir.is_some() {
                // Local files: fast, and the reader opens on a full cache.
                poller::refresh(
                    &mut store,
                    &setup.config,
                    &poller::Selection::default(),
                    |_| {},
                )?;
                setup.config.refresh_on_start = false;
            }
            if cli.offline {
                setup.config.refresh_on_start = false;
            }
            // A sync that cannot start (no password, say) must not keep anyone from reading.
            let account = if cli.offline || setup.demo_dir.is_some() {
                None
            } else {
                account(&setup).unwrap_or_else(|e| {
                    tracing::warn!("sync is off this time: {e:#}");
                    eprintln!("tidings: sync is off this time: {e:#}");
                    None
                })
            };
            crate::runtime::run_terminal(store, &setup.config, &setup.paths.cache, account)?;
            Ok(0)
        }
    }
}

/// The `[sync]` account with its password, resolved before anything takes the terminal
/// (a password command may ask for a passphrase). A password kept in a config file that
/// others can read gets a warning.
fn account(setup: &Setup) -> Result<Option<crate::sync::Account>> {
    let Some(sync) = &setup.config.sync else {
        return Ok(None);
    };
    let env = std::env::var("TIDINGS_SYNC_PASSWORD").ok();
    if sync.password.is_some() && sync.password_command.is_none() && env.is_none() {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&setup.paths.config).map(|m| m.permissions().mode());
        if mode.is_ok_and(|m| m & 0o077 != 0) {
            let warning = format!(
                "warning: the [sync] password is in {}, which other users can read; use password_command or TIDINGS_SYNC_PASSWORD, or chmod 600 the file",
                setup.paths.config.display()
            );
            tracing::warn!("{warning}");
            eprintln!("tidings: {warning}");
        }
    }
    let password = crate::sync::password(sync, env).context("[sync]")?;
    Ok(Some(crate::sync::Account {
        kind: sync.kind,
        url: sync.url.clone(),
        username: sync.username.clone(),
        password,
        app: sync
            .app_id
            .clone()
            .zip(sync.app_key.clone().map(crate::sync::Secret::new)),
    }))
}

/// The `[sync]` account, or the config error that there is none.
fn required_account(setup: &Setup) -> Result<crate::sync::Account> {
    match account(setup)? {
        Some(a) => Ok(a),
        None => Err(ConfigError::Invalid {
            path: setup.paths.config.clone(),
            line: 1,
            column: 1,
            message: "no [sync] table: add one to sync (see config.example.toml)".into(),
        }
        .into()),
    }
}

/// `tidings sync` (and the end of `refresh`): one line on stdout; 1 when the server could
/// not be synced (the queue is kept for the next time).
fn sync_now(store: &mut Store, config: &Config, account: &crate::sync::Account) -> u8 {
    let (line, ok) = crate::runtime::sync_line(store, config, account);
    tracing::info!("{line}");
    let _ = writeln!(std::io::stdout(), "{line}");
    if ok {
        0
    } else {
        1
    }
}

/// Logs go to a file: nothing may print while the reader owns the terminal.
pub fn init_logging(path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TIDINGS_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .try_init();
}

fn refresh(store: &mut Store, config: &Config, force: bool) -> Result<u8> {
    let titles: HashMap<_, _> = store
        .feeds()?
        .into_iter()
        .map(|f| (f.id, crate::text::sanitize_line(&f.title)))
        .collect();
    let bar = if std::io::stdout().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} feeds {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let (_, Some(note)) = poller::concurrency(config) {
        tracing::warn!("{note}");
        let _ = writeln!(std::io::stdout(), "{note}");
    }
    // A closed stdout (`tidings refresh | head -1`) silences the lines, never the refresh.
    let say = |line: String| {
        if bar.is_hidden() {
            let _ = writeln!(std::io::stdout(), "{line}");
        } else {
            bar.println(line);
        }
    };
    let name = |id: &crate::model::FeedId, url: &str| {
        let address = crate::text::display_url(url);
        // An untitled feed's title is its address already.
        match titles.get(id).filter(|t| !t.is_empty() && **t != address) {
            Some(title) => format!("{title} ({address})"),
            None => address,
        }
    };
    let summary = poller::refresh(
        store,
        config,
        &poller::Selection { only: None, force },
        |event| match event {
            poller::Event::Started { total } => bar.set_length(*total as u64),
            poller::Event::Stored {
                feed, url, counts, ..
            } => {
                bar.inc(1);
                if counts.new > 0 {
                    say(format!("{}: {} new", name(feed, url), counts.new));
                }
            }
            poller::Event::Failed { feed, url, message } => {
                bar.inc(1);
                say(format!(
                    "{}: error: {}",
                    name(feed, url),
                    crate::text::sanitize_line(message)
                ));
            }
            poller::Event::Skipped { feed, url, until } => {
                let when = chrono::DateTime::from_timestamp(*until, 0)
                    .map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
                    .unwrap_or_default();
                say(format!(
                    "{}: backing off after errors until {when} (--force to fetch now)",
                    name(feed, url)
                ));
            }
        },
    )?;
    bar.finish_and_clear();
    let _ = writeln!(std::io::stdout(), "{summary}");
    tracing::info!("refresh: {summary}");
    Ok(if summary.failed == 0 { 0 } else { 1 })
}

/// `tidings import`: appends the OPML file's new feeds to the config as `[[feeds]]` tables,
/// leaving everything else in the file as it was. Exit 1 when the file is not usable OPML.
/// Local files (`file://`, paths) only with `allow_local`: a shared OPML file must not make
/// the reader show `/etc/shadow`.
pub fn import(
    config_path: &Path,
    file: &Path,
    allow_local: bool,
    out: &mut impl Write,
) -> Result<u8> {
    let shown = file.display();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {shown}"))?;
    let source = String::from_utf8_lossy(&bytes);
    // OPML, or newsboat's `urls` file (its query feeds become saved queries).
    let (subs, queries, ignore) = if crate::newsboat::looks_like_urls(&source) {
        let urls = crate::newsboat::parse_urls(&source);
        for (line, why) in &urls.skipped {
            writeln!(out, "skipped ({why}): {shown}:{line}")?;
        }
        (urls.feeds, urls.queries, urls.ignore)
    } else {
        match crate::opml::parse(&source) {
            Ok(s) => (s, Vec::new(), Vec::new()),
            Err(e) => {
                writeln!(out, "{shown}: error: not usable OPML: {e}")?;
                return Ok(1);
            }
        }
    };
    let text = std::fs::read_to_string(config_path)
        .with_context(|| format!("cannot read {}", config_path.display()))?;
    let config = Config::parse(&text, config_path)?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("cannot edit {}", config_path.display()))?;
    let mut known: std::collections::HashSet<String> = config
        .feeds
        .iter()
        .map(|f| crate::config::feed_identity(&f.url))
        .collect();
    let (mut added, mut duplicates, mut unusable) = (0, 0, 0);
    for sub in subs {
        let scheme = sub
            .url
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase());
        let (web, local) = match scheme.as_deref() {
            Some("http" | "https") => (true, false),
            Some("file") => (false, true),
            Some(_) => (false, false),
            None => (false, Path::new(&sub.url).is_absolute()),
        };
        if !(web || local && allow_local) {
            unusable += 1;
            let why = if local {
                "a local file; import with --allow-local to take it"
            } else {
                "not an http(s) URL or local path"
            };
            let shown = crate::text::display_url(&sub.url);
            writeln!(out, "skipped ({why}): {shown}")?;
            continue;
        }
        if !known.insert(crate::config::feed_identity(&sub.url)) {
            duplicates += 1;
            continue;
        }
        let mut table = toml_edit::Table::new();
        table["url"] = toml_edit::value(sub.url.as_str());
        if let Some(title) = &sub.title {
            table["title"] = toml_edit::value(title.as_str());
        }
        if !sub.tags.is_empty() {
            table["tags"] = toml_edit::value(
                sub.tags
                    .iter()
                    .map(String::as_str)
                    .collect::<toml_edit::Array>(),
            );
        }
        let feeds = doc
            .entry("feeds")
            .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()));
        let Some(feeds) = feeds.as_array_of_tables_mut() else {
            anyhow::bail!(
                "{}: `feeds` is not a list of [[feeds]] tables",
                config_path.display()
            );
        };
        feeds.push(table);
        added += 1;
        writeln!(
            out,
            "added: {} <{}>",
            sub.title.as_deref().unwrap_or("(untitled)"),
            crate::text::display_url(&sub.url)
        )?;
    }
    let queries_added = add_queries(&mut doc, &config, queries, out)?;
    let rules_added = add_kill_rules(&mut doc, &config, ignore, out)?;
    let new_text = doc.to_string();
    // The result must still be a valid config before it replaces the old one.
    Config::parse(&new_text, config_path)?;
    write_keeping_file(config_path, &new_text)?;
    write!(out, "added {added} feeds from {shown} ({duplicates} already subscribed, {unusable} not importable)")?;
    if queries_added > 0 {
        write!(out, ", {queries_added} saved queries")?;
    }
    if rules_added > 0 {
        write!(out, ", {rules_added} kill rules")?;
    }
    writeln!(out)?;
    Ok(0)
}

/// Adds newsboat's `ignore-article` rules to `ignore`: each that tidings reads and does
/// not have yet. Says why of each left out.
fn add_kill_rules(
    doc: &mut toml_edit::DocumentMut,
    config: &Config,
    rules: Vec<String>,
    out: &mut impl Write,
) -> Result<usize> {
    let mut known: std::collections::HashSet<String> =
        config.ignore.iter().map(|r| r.text().to_string()).collect();
    let mut added = 0;
    for rule in rules {
        let shown = crate::text::sanitize_line(&rule);
        if let Err(e) = crate::query::ItemQuery::parse(&rule) {
            writeln!(out, "skipped kill rule {shown}: {e}")?;
            continue;
        }
        if !known.insert(rule.clone()) {
            continue;
        }
        let Some(list) = doc
            .entry("ignore")
            .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
            .as_array_mut()
        else {
            anyhow::bail!("`ignore` is not a list of conditions");
        };
        list.push(rule.as_str());
        added += 1;
        writeln!(out, "added kill rule: {shown}")?;
    }
    Ok(added)
}

/// Adds newsboat's query feeds as `[[queries]]`: each whose condition tidings reads and
/// whose name is new. Says why of each left out.
fn add_queries(
    doc: &mut toml_edit::DocumentMut,
    config: &Config,
    queries: Vec<(String, String)>,
    out: &mut impl Write,
) -> Result<usize> {
    let mut names: std::collections::HashSet<String> =
        config.queries.iter().map(|q| q.name.clone()).collect();
    let mut added = 0;
    for (name, condition) in queries {
        let shown = crate::text::sanitize_line(&name);
        if let Err(e) = crate::query::ItemQuery::parse(&condition) {
            writeln!(out, "skipped query {shown}: {e}")?;
            continue;
        }
        if !names.insert(name.clone()) {
            writeln!(out, "skipped query {shown}: a saved query has that name")?;
            continue;
        }
        let mut table = toml_edit::Table::new();
        table["name"] = toml_edit::value(name.as_str());
        table["match"] = toml_edit::value(condition.as_str());
        let Some(list) = doc
            .entry("queries")
            .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
            .as_array_of_tables_mut()
        else {
            anyhow::bail!("`queries` is not a list of [[queries]] tables");
        };
        list.push(table);
        added += 1;
        writeln!(out, "added query: {shown}")?;
    }
    Ok(added)
}

/// Replaces `path`'s contents atomically: through a symlink to its target, with the
/// target's permissions (a 0600 config stays 0600).
fn write_keeping_file(path: &Path, text: &str) -> Result<()> {
    let target = std::fs::canonicalize(path)
        .with_context(|| format!("cannot resolve {}", path.display()))?;
    let permissions = std::fs::metadata(&target)
        .with_context(|| format!("cannot read {}", target.display()))?
        .permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write beside {}", target.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().set_permissions(permissions))
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    tmp.persist(&target)
        .with_context(|| format!("cannot replace {}", target.display()))?;
    Ok(())
}

/// `tidings inspect`: one line per input, then `parsed N of M`.
pub fn inspect(config: &Config, inputs: &[String], out: &mut impl Write) -> Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    let fetcher = Fetcher::new(poller::settings(config)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut parsed = 0;
    for input in inputs {
        let shown = crate::text::display_url(input);
        let result = runtime
            .block_on(fetcher.fetch(input, &Validators::default()))
            .map_err(|e| e.to_string())
            .and_then(|f| match f {
                Fetched::Body { bytes, charset, .. } => {
                    parse::parse(&bytes, charset.as_deref()).map_err(|e| e.to_string())
                }
                Fetched::NotModified => {
                    Err("server answered 304 to an unconditional request".into())
                }
            });
        match result {
            Ok(feed) => {
                parsed += 1;
                let newest = feed
                    .items
                    .iter()
                    .filter_map(|i| i.published)
                    .max()
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map(|d| format!(", newest {}", d.format("%Y-%m-%d")))
                    .unwrap_or_default();
                let with_files = feed.items.iter().filter(|i| !i.media.is_empty()).count();
                let files = if with_files > 0 {
                    format!(", {with_files} with files (podcast, video…)")
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "{shown}: ok, {}, \"{}\", {} items{files}{newest}",
                    feed.format.as_str(),
                    crate::text::sanitize_line(feed.title.as_deref().unwrap_or("")),
                    feed.items.len()
                )?;
            }
            Err(reason) => writeln!(
                out,
                "{shown}: error: {}",
                crate::text::sanitize_line(&reason)
            )?,
        }
    }
    writeln!(out, "parsed {parsed} of {}", inputs.len())?;
    Ok(if parsed == inputs.len() { 0 } else { 1 })
}

/// How `clean` reads its input.
enum Input {
    /// HTML or text, whichever it looks like.
    Sniff,
    Html,
    /// Text made from this HTML.
    TextFrom(String),
}

/// The largest article `clean` reads: far beyond any real one, and a bound on memory.
const CLEAN_INPUT_CAP: u64 = 16 << 20;

fn read_capped(reader: impl Read, what: &str) -> Result<String> {
    let Some(raw) = crate::config::read_at_most(reader, CLEAN_INPUT_CAP)
        .with_context(|| format!("cannot read {what}"))?
    else {
        bail!(
            "{what} is larger than {} MiB; tidings clean reads one article",
            CLEAN_INPUT_CAP >> 20
        );
    };
    Ok(String::from_utf8_lossy(&raw).into_owned())
}

fn clean_stdin(config: &Config, explain: bool, input: Input, width: Option<usize>) -> Result<u8> {
    let text = read_capped(std::io::stdin().lock(), "stdin")?;
    let cleaner = Cleaner::new(&config.filter)?;
    let filter = config.filter.enabled;
    let cleaned = match input {
        Input::Sniff => cleaner.clean(&text, filter),
        Input::Html if clean::is_html(&text) => cleaner.clean(&text, filter),
        Input::Html => cleaner.clean(&format!("<div>{text}</div>"), filter),
        Input::TextFrom(html) => cleaner.clean_text(&text, Some(&html), filter),
    };
    let mut out = std::io::stdout().lock();
    let width = width.unwrap_or(100_000);
    if explain {
        for (i, (block, verdict)) in cleaned.blocks.iter().zip(&cleaned.verdicts).enumerate() {
            let label = match verdict {
                Verdict::Keep => match cleaned.scores.get(i) {
                    Some(p) => format!("keep {p:.2}"),
                    None => "keep".to_string(),
                },
                Verdict::Hide { category, rule } => format!("hide {} ({rule})", category.as_str()),
            };
            writeln!(out, "[{label}] {}", block.text)?;
        }
        writeln!(
            out,
            "{} blocks, {} hidden",
            cleaned.blocks.len(),
            cleaned.hidden_count()
        )?;
    } else {
        for line in cleaned.render(width, false) {
            writeln!(out, "{}", line.text)?;
        }
    }
    Ok(0)
}

//! Command-line interface. No subcommand opens the reader.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "tidings",
    version,
    about = "A fast terminal news reader that hides appeals and paywall nags"
)]
pub struct Cli {
    /// Config file (default: the platform config dir, e.g. ~/.config/tidings/config.toml)
    #[arg(long, global = true, env = "TIDINGS_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Cache file (default: the platform data dir, e.g. ~/.local/share/tidings/cache.sqlite)
    #[arg(long, global = true, env = "TIDINGS_CACHE", value_name = "PATH")]
    pub cache: Option<PathBuf>,
    /// Use the bundled demo feeds (local files, no network) and a throwaway cache
    #[arg(long, global = true)]
    pub demo: bool,
    /// Do not refresh when the reader opens
    #[arg(long, global = true)]
    pub offline: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch every feed into the cache
    Refresh {
        /// Also fetch feeds that are backing off after failures
        #[arg(long)]
        force: bool,
    },
    /// Sync items and read/starred state with your aggregator (the config's sync table)
    ///
    /// For cron: exit 0 when synced, 1 when the server could not be synced (changes made
    /// here stay queued), 2 for a bad config or cache.
    Sync,
    /// Change subscriptions on the sync server (Google Reader API), then sync
    #[command(subcommand)]
    Remote(RemoteCommand),
    /// Parse feeds the way refresh would and print what tidings sees
    Inspect {
        /// Local paths or http(s) URLs
        #[arg(required = true, value_name = "PATH|URL")]
        inputs: Vec<String>,
    },
    /// Add the feeds of an OPML file, or of newsboat's urls file (query feeds become saved
    /// queries; its config's ignore-article lines, kill rules), to the config (keeps your
    /// comments and formatting)
    Import {
        #[arg(value_name = "FILE.opml|urls")]
        file: std::path::PathBuf,
        /// Also import local files (file:// URLs and paths); by default only http(s) feeds
        #[arg(long)]
        allow_local: bool,
    },
    /// Print the configured feeds as OPML 2.0
    Export,
    /// Read an article (HTML or text) on stdin and print it without its appeals
    Clean {
        /// Print every block with its verdict, category and rule
        #[arg(long)]
        explain: bool,
        /// Treat the input as HTML even if it does not look like it
        #[arg(long)]
        html: bool,
        /// The HTML the text on stdin was made from: its structure (headings, lists, forms,
        /// class names) informs the filter; the text is still what is judged and printed
        #[arg(
            long,
            value_name = "FILE.html",
            env = "APPEALS_HTML",
            conflicts_with = "html"
        )]
        source_html: Option<std::path::PathBuf>,
        /// Wrap the text at this many columns
        #[arg(long, value_name = "N")]
        width: Option<usize>,
    },
}

/// Subscription changes on the aggregator. FEED is a feed's title as the reader shows it,
/// or the server's id of it (`feed/…`).
#[derive(Debug, Clone, Subcommand)]
pub enum RemoteCommand {
    /// Subscribe to a feed
    Add {
        url: String,
        #[arg(long)]
        title: Option<String>,
        /// A label (folder, category) to file it under
        #[arg(long)]
        tag: Option<String>,
    },
    /// Unsubscribe from a feed
    Remove { feed: String },
    /// Give a feed another title
    Rename { feed: String, title: String },
    /// File a feed under another label, instead of its current ones
    Move { feed: String, tag: String },
}

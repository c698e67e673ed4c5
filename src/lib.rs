//! tidings — a terminal news reader that opens instantly on a large cache, works offline,
//! and hides donation appeals, paywall notices and subscription nags without dropping a
//! sentence of the article.
//!
//! # Design
//!
//! ```text
//! config.toml ─► Config ─► poller ──HTTP──► fetch ─bytes─► parse ─items─► Store (SQLite)
//!                              └─ events (started, stored, failed) ─┐          │
//! keys/mouse ─► keymap ─Action─► App::update ─Commands─► runtime ◄──┘          │
//!                                   ▲                      │ (headlines, article) ◄┘
//!                                   └──── ui::draw(&App) ◄─┘
//! article HTML ─► clean (blocks → features → scorer → keep/hide verdicts → text lines) ─► article pane
//! ```
//!
//! SQLite is the source of truth: the poller writes into it (one transaction per batch of
//! ready feeds, each feed all-or-nothing) and the reader re-reads what it shows. Nothing on
//! the UI thread waits on the network; long headline queries run on a loader thread.
//!
//! | module | owns | uses |
//! | --- | --- | --- |
//! | [`cli`] | clap definitions | — |
//! | [`config`] | `Config`, defaults, validation with file:line:column errors, platform paths | `clean`, `keymap` (their config types) |
//! | [`model`] | plain data: feeds, headlines, articles, parsed items | — |
//! | [`feed::fetch`] | one HTTP request or local file: conditional GET, decompression, size cap, redirect/scheme policy, timeouts | — |
//! | [`feed::parse`] | bytes → normalised items: decoding, repairs, item identity, search text; feed-rs under `clean::guard` | `model`, `clean` (sanitiser, text, guard) |
//! | [`feed::fulltext`] | an item's web page → its main content (dom_smoothie) | fetch, parse |
//! | [`feed::poller`] | many feeds at once, bounded concurrency, backoff, Retry-After; fetch → parse → store, then full articles | fetch, parse, fulltext, store |
//! | [`store`] | the only SQL: schema + `user_version` migrations, WAL, upserts that keep read/starred, retention, FTS5 search, batched writes | `model` |
//! | [`clean`] | the sanitiser, and article → blocks (one tokenizer pass, no DOM) → features → learned scorer → keep/hide verdicts → text; the scorer (`assets/appeal-model.tsv`), word vectors (`assets/word-vectors.bin`) and rules (`assets/rules.toml`, signals to the scorer) compiled in; the user's rules override; long articles on rayon's two threads; `guard`, the panic isolation for third-party parsers, the extractor and html2text | — (pure) |
//! | `train-appeals` (`src/bin/`) | trains the scorer from `../shared/corpus/appeals*` and writes its asset byte for byte; leave-one-publisher-out figures | `clean::learn` |
//! | [`opml`] | OPML subscription lists in and out | `clean::sanitize_line` |
//! | [`app`] | `App` state, `Action`, `App::update(event) -> Vec<Command>`; pure | model, clean |
//! | [`keymap`] | key events → `Action`, from defaults and `[keys]`; pure | app |
//! | [`ui`] | `draw(frame, &App)`; reads only | app |
//! | [`runtime`] | terminal setup/restore, input thread, headline loader thread, background refresh and full-text fetches, the event loop (`Session::run`, generic over the ratatui backend) | everything above |
//! | [`commands`] | what each command line does (`refresh`, `inspect`, `clean`, `import`, `export`, `--demo`) | everything above |
//!
//! Rules of the house: `update` and `draw` never do I/O; only `store` speaks SQL and only
//! `feed::fetch` speaks HTTP; everything from a feed passes [`clean::sanitize`] before it
//! reaches a terminal; logs go to a file, never to the screen the reader owns.

pub mod app;
pub mod clean;
pub mod cli;
pub mod commands;
pub mod config;
pub mod feed;
pub mod keymap;
pub mod model;
pub mod opml;
pub mod runtime;
pub mod store;
pub mod ui;

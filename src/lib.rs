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
//! [sync] ─► sync ◄─HTTP (Google Reader, Fever)─► aggregator: queued changes out; feeds, items, state in ─► Store
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
//! | [`config`] | `Config`, defaults, validation with file:line:column errors, feed identity (scheme and host without case), the browser and player command lines, platform paths | `clean`, `keymap`, `query`, `theme` (their config types), `text` |
//! | [`model`] | plain data: feeds, headlines, articles, parsed items | — |
//! | [`text`] | text crossing a trust boundary: the sanitiser, feed addresses as shown (no credentials, punycode hosts), character references, HTML escaping, which links may open, search text, whitespace read byte-wise and collapsed (`text::Collapsed`, shared with `clean::blocks`) | — (pure) |
//! | [`feed::fetch`] | one HTTP request or local file: conditional GET, decompression, size cap, redirect/scheme policy, timeouts | `text` |
//! | [`feed::parse`] | bytes → normalised items: decoding, repairs (JSON Feed types too), item identity, search text, attached files (enclosures, Media RSS, Atom enclosure links, JSON Feed attachments: http(s) only, each once); feed-rs under `clean::guard` | `model`, `text`, `clean::guard` |
//! | [`feed::fulltext`] | an item's web page → its main content (dom_smoothie) | fetch, parse |
//! | [`feed::poller`] | many feeds at once (bounded overall, at most two per host, parsing on as many threads as cores, feeds between fetch and write held to a memory budget, `fetch::BodyBudget`), backoff, Retry-After; fetch → parse → ready rows (`store::Rows`, built on the parse threads) → store, then full articles; a panicking task becomes its feed's error | fetch, parse, fulltext, store |
//! | [`query`] | conditions on items in newsboat's filter language (`unread = "yes" and title =~ "rust"`), parsed and checked with a column for each fault, for saved queries (`[[queries]]`) and kill rules (`ignore`); pure | — |
//! | [`store`] | the only SQL: schema and its migration list (v2: zstd-compressed bodies, a contentless FTS5 index; v3: the aggregator's feeds and the queue of changes for it, written in the transaction of the change; v4: each item's files), the checks before anything is written (`store::open`), WAL, upserts of ready rows that keep read/starred, retention, FTS5 search with filters before the limit, an article with its feed's eight latest other bodies, batched writes; an untitled feed named by its address as shown; a query's condition as SQL (`store::query`: values only as hex literals, `=~` a registered regex function) and the kill rules applied to every list, search and count | `model`, `text`, `query` |
//! | [`clean`] | article → blocks (one tokenizer pass, no DOM; `blocks::splitter`, `blocks::elements`) → features (`features::ids`, `features::lexicon`) → learned scorer → keep/hide verdicts → text; the scorer (`assets/appeal-model.tsv`), word vectors (`assets/word-vectors.bin`) and rules (`assets/rules.toml`, signals to the scorer) compiled in; the user's rules override; in the reader, a block its feed repeats in other items (`Article::siblings`) is hidden where the score leans that way; long articles on rayon's two threads; `guard`, the panic isolation for third-party parsers, the extractor and html2text | `text` |
//! | `train-appeals` (`src/bin/`) | trains the scorer from `../shared/corpus/appeals*` and writes its asset byte for byte; leave-one-publisher-out figures | `clean::learn` |
//! | [`sync`] | two-way sync with the reader's aggregator (the Google Reader API, [`sync::greader`]; the Fever API, [`sync::fever`]; both send through one `Peer`: client, Retry-After, redirects, body cap, login and status errors): the account and its password (command, environment or file; never printed), replaying the queue of read/star changes, the server's feeds and new items into the same cache, the server's state laid over items with no change waiting; a failure keeps the cache and the queue as they were | store, text, `feed::fetch` (error text) |
//! | [`opml`] | OPML subscription lists in and out, exact tags in `tidings:tags` | `text` |
//! | [`newsboat`] | newsboat's `urls` file in: feeds, tags, titles, query feeds; and its config's `ignore-article` lines; pure | `opml` (its `Subscription`) |
//! | [`app`] | the reader's state, split by what it is about — [`app::list`], [`app::sources`], [`app::article`], [`app::overlay`], [`app::status`] — with [`app::layout`] (geometry for `update` and `draw` alike) and the action table ([`app::ACTIONS`]: names, help, default keys); `App::update(event) -> Vec<Command>` dispatches; pure | model, clean, query, theme, text |
//! | [`keymap`] | key events → `Action`, from [`app::ACTIONS`] and `[keys]`; the help rows; pure | app |
//! | [`theme`] | one style per part of the screen: defaults, `[colors]`, `NO_COLOR`; pure | — |
//! | [`ui`] | `draw(frame, &App)`; reads only, lays out from the frame it draws (styles from `App::theme`) | app, text, theme |
//! | [`runtime`] | the event loop (`Session::run`, generic over the ratatui backend; suspend/resume and a browser in the terminal through `Effects`), the loader thread (headline lists, saved-query counts), background refresh (with a sync when `[sync]` is set) and full-text fetches; `runtime::terminal`: raw mode, alternate screen, signals, the input thread | everything above but `commands` |
//! | [`commands`] | what each command line does (`refresh`, `inspect`, `clean`, `import`, `export`, `--demo`) and the `Setup` they share | everything above |
//!
//! Dependencies point one way: `commands` → `runtime` → `app`/`ui`/`store`/`feed` →
//! `clean` → `text`; `keymap` reads `app`'s table, `app` never reads `keymap`.
//!
//! Rules of the house: `update` and `draw` never do I/O; only `store` speaks SQL; HTTP is
//! spoken by `feed::fetch` (feeds, pages) and `sync` (the aggregator's API) only; everything from a feed passes [`text::sanitize`] before it
//! reaches a terminal; logs go to a file, never to the screen the reader owns; no `unsafe`
//! (`[lints]` forbids it).

pub mod app;
pub mod clean;
pub mod cli;
pub mod commands;
pub mod config;
pub mod feed;
pub mod keymap;
pub mod model;
pub mod newsboat;
pub mod opml;
pub mod query;
pub mod runtime;
pub mod store;
pub mod sync;
pub mod text;
pub mod theme;
pub mod ui;

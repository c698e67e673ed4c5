//! The reader's event loop (`runtime::Session`) driven through ratatui's TestBackend with
//! scripted terminal events, on a real cache: what the real program does between a key
//! press and a frame, without a terminal.

mod support;

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event as CtEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use support::screen;
use support::session::key;
use tidings::config::{Config, FeedConfig};
use tidings::keymap::Keymap;
use tidings::runtime::Msg;
use tidings::store::{HeadlineFilter, Store};

/// A cache holding one local feed of three items.
fn cache(dir: &tempfile::TempDir) -> (Store, Config) {
    let feed = dir.path().join("feed.xml");
    let items: String = (1..=3)
        .map(|i| {
            format!(
                "<item><title>Story {i}</title><guid>s{i}</guid>\
                 <pubDate>Mon, 0{i} Nov 2026 10:00:00 GMT</pubDate>\
                 <description>&lt;p&gt;Body of story {i}, told at length.&lt;/p&gt;</description></item>"
            )
        })
        .collect();
    std::fs::write(
        &feed,
        format!("<rss version=\"2.0\"><channel><title>Local</title>{items}</channel></rss>"),
    )
    .unwrap();
    let config = Config {
        feeds: vec![FeedConfig {
            url: feed.display().to_string(),
            title: None,
            tags: vec![],
            filter: None,
            full_text: false,
        }],
        ..Default::default()
    };
    let mut store = Store::open(&dir.path().join("cache.sqlite")).unwrap();
    store
        .sync_feeds(&[(config.feeds[0].url.clone(), None, vec![])])
        .unwrap();
    tidings::feed::poller::refresh(&mut store, &config, &Default::default(), |_| {}).unwrap();
    (store, config)
}

/// Runs the loop over `script` (then `q`) and returns the last frame and what the loop did.
fn run(
    store: &Store,
    config: &Config,
    size: (u16, u16),
    script: Vec<Msg>,
) -> (anyhow::Result<()>, Terminal<TestBackend>, Vec<String>) {
    let keymap = Keymap::new(&config.keys);
    let app = tidings::runtime::load_app(store, config, &keymap, size).unwrap();
    support::session::run_app(app, store, &keymap, size, script)
}

#[test]
fn scripted_keys_open_an_article_mark_it_read_and_survive_a_resize() {
    let dir = tempfile::tempdir().unwrap();
    let (store, config) = cache(&dir);
    let script = vec![
        key(KeyCode::Char('j')),
        key(KeyCode::Enter),
        Msg::Term(CtEvent::Resize(70, 20)),
    ];
    let (result, terminal, calls) = run(&store, &config, (100, 30), script);
    result.unwrap();
    let text = screen(&terminal);
    assert_eq!(terminal.backend().buffer().area.width, 70);
    assert!(text.contains("Body of story 2, told at length."), "{text}");
    assert!(calls.is_empty(), "{calls:?}");
    let read: Vec<String> = store
        .headlines(&HeadlineFilter::default())
        .unwrap()
        .into_iter()
        .filter(|h| h.read)
        .map(|h| h.title)
        .collect();
    assert_eq!(read, ["Story 2"]);
}

#[test]
fn ctrl_z_suspends_and_resumes_through_the_effects() {
    let dir = tempfile::tempdir().unwrap();
    let (store, config) = cache(&dir);
    let ctrl_z = Msg::Term(CtEvent::Key(KeyEvent::new(
        KeyCode::Char('z'),
        KeyModifiers::CONTROL,
    )));
    let (result, terminal, calls) = run(&store, &config, (80, 24), vec![ctrl_z]);
    result.unwrap();
    assert_eq!(calls, ["suspend", "resume"]);
    assert!(screen(&terminal).contains("Story 3"));
}

#[test]
fn a_terminal_that_cannot_be_read_ends_the_reader_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let (store, config) = cache(&dir);
    let failed = Msg::InputFailed("Input/output error (os error 5)".into());
    let (result, _, _) = run(&store, &config, (80, 24), vec![failed]);
    let message = format!("{:#}", result.unwrap_err());
    assert_eq!(
        message,
        "cannot read the terminal: Input/output error (os error 5)"
    );
}

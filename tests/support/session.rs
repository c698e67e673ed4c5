//! The reader's event loop (`runtime::Session`) on a TestBackend, driven by a script of
//! terminal events, with its side effects recorded instead of performed.

use std::sync::mpsc;

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event as CtEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use tidings::app::App;
use tidings::keymap::Keymap;
use tidings::model::{FeedId, ItemId};
use tidings::runtime::{Effects, Msg, Opened, Session, Signals};
use tidings::store::Store;

/// Side effects recorded instead of performed.
#[derive(Default)]
pub struct Recorded {
    pub calls: Vec<String>,
}

impl Effects for Recorded {
    fn open_url(&mut self, url: &str) -> anyhow::Result<Opened> {
        self.calls.push(format!("open {url}"));
        Ok(Opened::Elsewhere)
    }
    fn copy(&mut self, text: &str) -> anyhow::Result<()> {
        self.calls.push(format!("copy {text}"));
        Ok(())
    }
    fn refresh(&mut self, only: Option<Vec<FeedId>>, _tx: mpsc::Sender<Msg>) {
        self.calls.push(format!("refresh {only:?}"));
    }
    fn full_text(&mut self, item: ItemId, _link: String, _tx: mpsc::Sender<Msg>) {
        self.calls.push(format!("full text {}", item.0));
    }
    fn suspend(&mut self) -> anyhow::Result<()> {
        self.calls.push("suspend".into());
        Ok(())
    }
    fn resume(&mut self) -> anyhow::Result<()> {
        self.calls.push("resume".into());
        Ok(())
    }
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Term(CtEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Runs the loop on `app` over `script` (then `q`), headlines loaded on this thread, and
/// returns how it ended, the last frame and the side effects asked for.
pub fn run_app(
    app: App,
    store: &Store,
    keymap: &Keymap,
    size: (u16, u16),
    script: Vec<Msg>,
) -> (anyhow::Result<()>, Terminal<TestBackend>, Vec<String>) {
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    let (tx, rx) = mpsc::channel();
    for msg in script {
        if let Msg::Term(CtEvent::Resize(w, h)) = msg {
            // The terminal changes size before it reports it.
            terminal.backend_mut().resize(w, h);
        }
        tx.send(msg).unwrap();
    }
    tx.send(key(KeyCode::Char('q'))).unwrap();
    let mut effects = Recorded::default();
    let mut session = Session {
        app,
        store,
        keymap,
        effects: &mut effects,
        loader: None,
        tx,
        rx,
        sync_account: None,
    };
    let result = session.run(&mut terminal, &Signals::default());
    (result, terminal, effects.calls)
}

//! The real terminal: raw mode and the alternate screen, taken and given back on quit,
//! error, panic, signals and suspend; the input thread; the real side effects.

use super::*;

/// Real side effects for a real terminal.
struct TerminalEffects {
    config: Config,
    cache: std::path::PathBuf,
    /// The aggregator, password resolved before the reader took the terminal.
    account: Option<crate::sync::Account>,
    input: Arc<InputGate>,
    /// The reader's stop flag (SIGINT, SIGTERM, SIGHUP).
    stop: Arc<AtomicBool>,
    /// The reader's suspend flag (SIGTSTP).
    suspend: Arc<AtomicBool>,
}

/// Stops the input thread reading the terminal while another program has it, so that the
/// keys typed into a browser in this terminal go to the browser.
#[derive(Default)]
struct InputGate {
    /// Asked: stop reading.
    paused: AtomicBool,
    /// The input thread is not reading (not inside a poll).
    parked: AtomicBool,
}

impl InputGate {
    /// Returns once the input thread has stopped reading (it polls for at most 200 ms).
    fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        // Parked from an earlier pause means nothing now: wait for the thread to say so.
        self.parked.store(false, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while !self.parked.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}

impl TerminalEffects {
    /// Runs `command` (a `browser`-style command line; unset: $BROWSER, else the platform's
    /// opener) on `url`: detached, or in this terminal, which it gets until it exits.
    fn launch(
        &mut self,
        command: Option<&str>,
        in_terminal: bool,
        url: &str,
    ) -> Result<super::Opened> {
        anyhow::ensure!(
            crate::text::is_safe_link(url),
            "refusing to open a non-http(s) link"
        );
        let argv = match command {
            // Checked when the config was read.
            Some(c) => crate::config::browser_command(c, url).context("the command is empty")?,
            // $BROWSER is taken as one program.
            None => match std::env::var("BROWSER")
                .ok()
                .filter(|b| !b.trim().is_empty())
            {
                Some(b) => vec![b, url.to_string()],
                None if cfg!(target_os = "macos") => vec!["open".into(), url.to_string()],
                None => vec!["xdg-open".into(), url.to_string()],
            },
        };
        let (program, args) = argv.split_first().context("the command is empty")?;
        // No shell: the URL is one argument, whatever it contains.
        let mut process = std::process::Command::new(program);
        process.args(args);
        if !in_terminal {
            process
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .with_context(|| format!("cannot start {program}"))?;
            return Ok(super::Opened::Elsewhere);
        }
        // The program gets the terminal as the shell would give it, and the reader waits.
        self.input.pause();
        restore_terminal();
        let stopping = self.stop.load(Ordering::Relaxed);
        let status = self.wait_in_terminal(&mut process);
        // Ctrl-C quits the player (the whole foreground group gets it), not the reader.
        if !stopping {
            self.stop.store(false, Ordering::Relaxed);
        }
        let back = enter_terminal();
        self.input.resume();
        back?;
        let status = status.with_context(|| format!("cannot start {program}"))?;
        anyhow::ensure!(status.success(), "{program} exited with {status}");
        Ok(super::Opened::HereAndBack)
    }
}

impl TerminalEffects {
    /// Runs a program that has the terminal until it exits. Ctrl-Z stops it (the whole
    /// foreground group gets SIGTSTP) and the reader stops with it, as the shell expects of
    /// one job; `fg` continues both.
    fn wait_in_terminal(
        &self,
        process: &mut std::process::Command,
    ) -> std::io::Result<std::process::ExitStatus> {
        self.suspend.store(false, Ordering::Relaxed);
        let mut child = process.spawn()?;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            if self.suspend.swap(false, Ordering::Relaxed) {
                let _ =
                    signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGTSTP);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Effects for TerminalEffects {
    fn suspend(&mut self) -> Result<()> {
        restore_terminal();
        // With our handler in place SIGTSTP no longer stops the process: do what the
        // default would (stop) now that the terminal is the shell's again.
        signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGTSTP)
            .context("cannot suspend")
    }

    fn resume(&mut self) -> Result<()> {
        enter_terminal()
    }

    fn full_text(&mut self, item: crate::model::ItemId, link: String, tx: Sender<Msg>) {
        let config = self.config.clone();
        let cache = self.cache.clone();
        std::thread::spawn(move || {
            let result = (|| -> Result<Result<(), String>> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                let fetcher = crate::feed::fetch::Fetcher::new(poller::settings(&config))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let page = runtime.block_on(crate::feed::fulltext::fetch(&fetcher, &link));
                let store = Store::open(&cache)?;
                store.set_full_text(item, page.as_deref().map_err(String::as_str))?;
                Ok(page.map(|_| ()))
            })();
            let result = result.unwrap_or_else(|e| Err(format!("{e:#}")));
            let _ = tx.send(Msg::App(Event::FullTextDone(item, result)));
        });
    }

    fn open_url(&mut self, url: &str) -> Result<super::Opened> {
        let (browser, in_terminal) = (self.config.browser.clone(), self.config.browser_in_terminal);
        self.launch(browser.as_deref(), in_terminal, url)
    }

    fn open_media(&mut self, url: &str) -> Result<super::Opened> {
        match self.config.player.clone() {
            Some(player) => self.launch(Some(&player), self.config.player_in_terminal, url),
            None => self.open_url(url),
        }
    }

    fn copy(&mut self, text: &str) -> Result<()> {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let mut out = std::io::stdout();
        write!(out, "\x1b]52;c;{encoded}\x07")?;
        out.flush()?;
        Ok(())
    }

    fn refresh(&mut self, only: Option<Vec<FeedId>>, tx: Sender<Msg>) {
        let config = self.config.clone();
        let cache = self.cache.clone();
        // A full refresh (at start and with `R`) syncs too, and so does a refresh of chosen
        // feeds (`r`) when one of them is the aggregator's.
        let account = self.account.clone();
        let only_for_sync = only.clone();
        std::thread::spawn(move || {
            let send = |e: Event| {
                let _ = tx.send(Msg::App(e));
            };
            let result = (|| -> Result<poller::Summary> {
                // Its own connection: SQLite in WAL mode lets the reader keep reading.
                let mut store = Store::open(&cache)?;
                let mut done = 0;
                let mut total = 0;
                let force = only.is_some();
                let summary = poller::refresh(
                    &mut store,
                    &config,
                    &poller::Selection { only, force },
                    |e| match e {
                        poller::Event::Started { total: t } => {
                            total = *t;
                            send(Event::RefreshStarted { total });
                        }
                        poller::Event::Stored { .. } => {
                            done += 1;
                            send(Event::RefreshProgress {
                                done,
                                total,
                                failed: None,
                            });
                        }
                        poller::Event::Failed { feed, url, message } => {
                            done += 1;
                            let url = crate::text::display_url(url);
                            tracing::warn!("{url}: {message}");
                            send(Event::RefreshProgress {
                                done,
                                total,
                                failed: Some((*feed, message.clone())),
                            });
                        }
                        poller::Event::Skipped { .. } => {}
                    },
                )?;
                Ok(summary)
            })();
            // One connection for the sync: whether it is wanted, the sync, what the status
            // line then shows.
            let synced = account.as_ref().and_then(|a| match Store::open(&cache) {
                Err(e) => Some(format!("sync failed: {e}")),
                Ok(mut store) => {
                    let wanted = only_for_sync
                        .as_ref()
                        .is_none_or(|ids| store.any_remote(ids).unwrap_or(false));
                    if !wanted {
                        return None;
                    }
                    let (line, _) = super::sync_line(&mut store, &config, a);
                    tracing::info!("{line}");
                    if let Ok(status) = super::sync_status(&store, a) {
                        send(status);
                    }
                    Some(line)
                }
            });
            let at = chrono::Local::now().format("%H:%M");
            let with_sync = |s: String| match &synced {
                Some(line) => format!("{s} · {at} {line}"),
                None => s,
            };
            match result {
                Ok(summary) => send(Event::RefreshFinished {
                    summary: with_sync(summary.to_string()),
                }),
                Err(e) => {
                    tracing::error!("refresh: {e:#}");
                    send(Event::RefreshFinished {
                        summary: with_sync(format!("refresh failed: {e:#}")),
                    });
                }
            }
        });
    }
}

/// Restores the terminal; safe to call more than once.
fn restore_terminal() {
    let _ = ratatui::crossterm::terminal::disable_raw_mode();
    let _ = ratatui::crossterm::execute!(
        std::io::stdout(),
        ratatui::crossterm::event::DisableMouseCapture,
        ratatui::crossterm::terminal::LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
}

/// Raw mode, the alternate screen and mouse reports.
fn enter_terminal() -> Result<()> {
    ratatui::crossterm::terminal::enable_raw_mode()
        .context("cannot put the terminal in raw mode")?;
    ratatui::crossterm::execute!(
        std::io::stdout(),
        ratatui::crossterm::terminal::EnterAlternateScreen,
        ratatui::crossterm::event::EnableMouseCapture
    )
    .context("cannot set up the terminal")
}

/// Opens the reader in the real terminal.
pub fn run_terminal(
    store: Store,
    config: &Config,
    cache: &std::path::Path,
    account: Option<crate::sync::Account>,
) -> Result<()> {
    let keymap = Keymap::new(&config.keys);
    let size = ratatui::crossterm::terminal::size().unwrap_or((80, 24));
    let mut app = load_app(&store, config, &keymap, size)?;
    let now = chrono::Local::now();
    app.utc_offset = now.offset().local_minus_utc();
    app.this_year = Some(chrono::Datelike::year(&now));
    if let Some(account) = &account {
        app.update(super::sync_status(&store, account)?);
    }

    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if crate::clean::guard::in_isolated() {
            tracing::warn!("panic in a parser, extractor or renderer (caught): {info}");
            return;
        }
        // A fetch task's panic is caught by the poller and becomes that feed's error: the
        // reader goes on, so its terminal must stay as it is.
        if std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("tokio-runtime-worker"))
        {
            tracing::error!("panic in a fetch task (reported as the feed's error): {info}");
            return;
        }
        restore_terminal();
        previous(info);
    }));
    let signals = Signals::default();
    for (signal, flag) in [
        (signal_hook::consts::SIGTERM, &signals.stop),
        (signal_hook::consts::SIGHUP, &signals.stop),
        (signal_hook::consts::SIGINT, &signals.stop),
        (signal_hook::consts::SIGTSTP, &signals.suspend),
        (signal_hook::consts::SIGCONT, &signals.resumed),
    ] {
        signal_hook::flag::register(signal, Arc::clone(flag))
            .context("cannot install signal handlers")?;
    }
    let stop = Arc::clone(&signals.stop);

    let result = enter_terminal().and_then(|_| {
        let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
        let mut terminal = Terminal::new(backend)?;
        let (tx, rx) = mpsc::channel();
        let input_tx = tx.clone();
        let input_stop = Arc::clone(&stop);
        let gate = Arc::new(InputGate::default());
        let input_gate = Arc::clone(&gate);
        std::thread::spawn(move || {
            loop {
                // Parked first: a Ctrl-C meant for a program that has the terminal sets the
                // stop flag until that program exits, and must not end this thread.
                if input_gate.paused.load(Ordering::SeqCst) {
                    input_gate.parked.store(true, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                if input_stop.load(Ordering::Relaxed) {
                    return;
                }
                input_gate.parked.store(false, Ordering::SeqCst);
                let read = ct::poll(Duration::from_millis(200))
                    .and_then(|ready| ready.then(ct::read).transpose());
                let msg = match read {
                    Ok(Some(e)) => Msg::Term(e),
                    Ok(None) => continue,
                    Err(e) => Msg::InputFailed(e.to_string()),
                };
                let failed = matches!(msg, Msg::InputFailed(_));
                if input_tx.send(msg).is_err() || failed {
                    return;
                }
            }
        });
        let mut effects = TerminalEffects {
            config: config.clone(),
            cache: cache.to_path_buf(),
            account,
            input: gate,
            stop: Arc::clone(&stop),
            suspend: Arc::clone(&signals.suspend),
        };
        let sync_account = effects.account.as_ref().map(crate::sync::Account::name);
        // With only an aggregator configured, the start refresh is its sync.
        let anything = !config.feeds.is_empty() || sync_account.is_some();
        let loader = Loader::spawn(cache.to_path_buf(), config.ignore.clone(), tx.clone());
        // The first frame showed the newest page; now the whole list.
        loader.request(app.query());
        let mut session = Session {
            app,
            store: &store,
            keymap: &keymap,
            effects: &mut effects,
            loader: Some(loader),
            tx,
            rx,
            sync_account,
        };
        if config.refresh_on_start && anything {
            session.handle(Event::Action(crate::app::Action::RefreshAll));
        }
        session.run(&mut terminal, &signals)
    });
    restore_terminal();
    result
}

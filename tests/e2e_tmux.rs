//! The real binary in a real terminal (tmux): open the demo, move, read, quit, and get the
//! shell prompt back.

mod support;

use std::process::Command;

use support::tmux::Session;

/// A tmux session running a bare `sh` (nothing of the test's environment) at its prompt;
/// `None` (the test skips, saying why) without tmux or pgrep.
fn shell(tag: &str, width: u16, height: u16) -> Option<Session> {
    if !support::available("pgrep", support::runs("pgrep")) {
        return None;
    }
    let name = format!("tidings-e2e-{tag}-{}", std::process::id());
    let shell = [
        "env",
        "-i",
        "PATH=/usr/bin:/bin",
        "TERM=xterm-256color",
        "PS1=E2E-PROMPT$ ",
        "sh",
    ];
    let session = Session::start(&name, width, height, &shell)?;
    session.wait_for("the shell prompt", |s| s.contains("E2E-PROMPT$"));
    Some(session)
}

/// A tmux session running `sh`, with the reader started on the demo.
fn start_demo(tag: &str) -> Option<Session> {
    let session = shell(tag, 100, 30)?;
    let command = format!("{} --demo", env!("CARGO_BIN_EXE_tidings"));
    session.keys(&[&command, "Enter"]);
    let list = session.wait_for("the headline list", |s| {
        s.contains("shown,") && s.contains("unread")
    });
    assert!(list.contains("Harbour ferries"), "{list}");
    Some(session)
}

fn prompt_is_back(screen: &str) -> bool {
    // A fresh, empty prompt: the line that started the reader also begins with the prompt
    // and shows as soon as the reader leaves the alternate screen, before it has exited.
    screen
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_end() == "E2E-PROMPT$")
}

/// The shell is usable again: what we type is echoed and the command runs.
fn assert_shell_works(session: &Session) {
    session.keys(&["echo restored-$((40+2))", "Enter"]);
    session.wait_for("the shell to run a command", |s| s.contains("restored-42"));
}

#[test]
fn demo_opens_reads_an_article_and_quits_back_to_the_shell() {
    let Some(session) = start_demo("quit") else {
        return;
    };
    session.keys(&["j"]);
    session.keys(&["k"]);
    session.keys(&["Enter"]);
    let article = session.wait_for("the article text", |s| {
        s.contains("weather agency expects cherry trees")
    });
    assert!(article.contains("Field Notes"), "{article}");

    session.keys(&["q"]);
    let back = session.wait_for("the prompt after quitting", prompt_is_back);
    assert!(
        !back.contains("shown,"),
        "the reader's screen is gone:\n{back}"
    );
    assert_shell_works(&session);
}

#[test]
fn the_demo_lists_a_saved_query_in_the_feed_picker_and_opens_it() {
    let Some(session) = start_demo("query") else {
        return;
    };
    session.keys(&["f"]);
    let picker = session.wait_for("the feed picker", |s| {
        s.contains("? Unread news and science")
    });
    assert!(picker.contains("Indie Weekly"), "{picker}");
    // Down from "All feeds" to the query, and open it.
    session.keys(&["j"]);
    session.keys(&["Enter"]);
    // The title changes at once; the list follows from the loader thread. The tech feed
    // is not in the query.
    let list = session.wait_for("the query's list", |s| {
        s.contains("query: Unread news and science") && !s.contains("Issue 42")
    });
    assert!(list.contains("Harbour ferries"), "{list}");
    session.keys(&["q"]);
    session.wait_for("the prompt after quitting", prompt_is_back);
}

#[test]
fn a_browser_in_the_terminal_gets_the_keys_and_the_reader_comes_back() {
    let Some(session) = shell("browser", 100, 30) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let answer = dir.path().join("answer.txt");
    // A stand-in for w3m: says which link it got, reads a line from the terminal, keeps it.
    let settings = format!(
        "browser = '''sh -c 'echo BROWSER-GOT \"$1\"; read line; echo \"$line\" > {}' browser %u'''\n\
         browser_in_terminal = true",
        answer.display()
    );
    start_reader(&session, dir.path(), "world-desk.xml", &settings);
    session.wait_for("the list", |s| s.contains("Harbour ferries"));
    session.keys(&["Enter"]);
    session.wait_for("the article", |s| s.contains("demo.tidings.invalid"));
    session.keys(&["o"]);
    let browser = session.wait_for("the browser", |s| {
        s.contains("BROWSER-GOT https://demo.tidings.invalid/")
    });
    assert!(
        !browser.contains("shown,"),
        "the reader left the screen:\n{browser}"
    );
    // `q` is the reader's quit key: here it must reach the browser.
    session.keys(&["q", "Enter"]);
    let back = session.wait_for("the reader again", |s| s.contains("back from https://"));
    assert!(back.contains("Harbour ferries"), "{back}");
    assert_eq!(std::fs::read_to_string(&answer).unwrap().trim(), "q");
    // Ctrl-Z stops the browser and the reader as one job; `fg` continues both.
    session.keys(&["o"]);
    session.wait_for("the browser again", |s| !s.contains("shown,"));
    session.keys(&["C-z"]);
    let stopped = session.wait_for("the shell, both stopped", |s| {
        s.lines()
            .rfind(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_end().ends_with("E2E-PROMPT$"))
    });
    // The shell names the job it continues: once it has, keys go to the browser again.
    let named = |s: &str| s.matches("tidings --config").count();
    let before = named(&stopped);
    session.keys(&["fg", "Enter"]);
    session.wait_for("the job continued", |s| named(s) > before);
    session.keys(&["z", "Enter"]);
    session.wait_for("the reader after fg", |s| s.contains("back from https://"));
    assert_eq!(std::fs::read_to_string(&answer).unwrap().trim(), "z");
    // Ctrl-C ends the browser (the whole foreground group gets it), not the reader.
    session.keys(&["o"]);
    session.wait_for("the browser again", |s| !s.contains("shown,"));
    session.keys(&["C-c"]);
    let back = session.wait_for("the reader after Ctrl-C", |s| s.contains("exited with"));
    assert!(back.contains("Harbour ferries"), "{back}");
    session.keys(&["q"]);
    // The browser's "^C" stays on the shell's screen, before the prompt.
    session.wait_for("the prompt after quitting", |s| {
        s.lines()
            .rfind(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_end().ends_with("E2E-PROMPT$"))
    });
}

#[test]
fn p_plays_a_podcast_in_a_terminal_player_and_the_reader_comes_back() {
    let Some(session) = shell("player", 100, 30) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let played = dir.path().join("played.txt");
    // A stand-in for mpv: keeps the address it was given, waits for a key.
    let settings = format!(
        "player = '''sh -c 'echo PLAYING; echo \"$1\" > {}; read line' player %u'''\n\
         player_in_terminal = true",
        played.display()
    );
    start_reader(&session, dir.path(), "indie-weekly.json", &settings);
    session.wait_for("the list", |s| s.contains("Issue 41"));
    // Issue 41 is the older of the two: second in the list.
    session.keys(&["j", "Enter"]);
    session.wait_for("the episode's line", |s| {
        s.contains("▶ audio/mpeg, 17.5 MB — p plays")
    });
    session.keys(&["p"]);
    session.wait_for("the player", |s| {
        s.contains("PLAYING") && !s.contains("shown,")
    });
    session.keys(&["Enter"]);
    session.wait_for("the reader again", |s| s.contains("back from https://"));
    assert_eq!(
        std::fs::read_to_string(&played).unwrap().trim(),
        "https://demo.tidings.invalid/indie/41-read-aloud.mp3"
    );
    session.keys(&["q"]);
    session.wait_for("the prompt after quitting", prompt_is_back);
}

/// Starts the reader in `session` on one demo feed (`feed`, a file of assets/demo) with
/// `settings` at the top of its config, its files in `dir`.
fn start_reader(session: &Session, dir: &std::path::Path, feed: &str, settings: &str) {
    let path = dir.join(feed);
    let text = match feed {
        "world-desk.xml" => include_str!("../assets/demo/world-desk.xml"),
        "indie-weekly.json" => include_str!("../assets/demo/indie-weekly.json"),
        other => panic!("no demo feed {other}"),
    };
    std::fs::write(&path, text).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("{settings}\n[[feeds]]\nurl = \"{}\"\n", path.display()),
    )
    .unwrap();
    let command = format!(
        "{} --config {} --cache {}",
        env!("CARGO_BIN_EXE_tidings"),
        config.display(),
        dir.join("cache.sqlite").display()
    );
    session.keys(&[&command, "Enter"]);
}

/// The pid of the reader started by the session's shell.
fn reader_pid(session: &Session) -> String {
    let shell = session.tmux(&["display", "-p", "-t", &session.0, "#{pane_pid}"]);
    let out = Command::new("pgrep")
        .args(["-P", shell.trim()])
        .output()
        .expect("pgrep");
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!pid.is_empty(), "the reader's pid");
    pid
}

#[test]
fn ctrl_z_and_sigtstp_suspend_to_the_shell_and_fg_resumes_the_reader() {
    let Some(session) = start_demo("suspend") else {
        return;
    };
    for how in ["ctrl-z", "kill -TSTP"] {
        if how == "ctrl-z" {
            session.keys(&["C-z"]);
        } else {
            let pid = reader_pid(&session);
            assert!(Command::new("kill")
                .args(["-TSTP", &pid])
                .status()
                .unwrap()
                .success());
        }
        let shell = session.wait_for("the prompt after suspending", prompt_is_back);
        assert!(
            !shell.contains("shown,"),
            "{how}: still on screen:
{shell}"
        );
        assert_shell_works(&session);
        session.keys(&["fg", "Enter"]);
        let back = session.wait_for("the reader redrawn after fg", |s| {
            s.contains("shown,") && s.contains("Harbour ferries")
        });
        assert!(
            !back.contains("restored-42"),
            "{how}: not redrawn:
{back}"
        );
    }
    // Raw mode is back: single keys act at once.
    session.keys(&["Enter"]);
    session.wait_for("an article opened by one key", |s| {
        s.contains("weather agency expects cherry trees")
    });
    session.keys(&["q"]);
    session.wait_for("the prompt after quitting", prompt_is_back);
    assert_shell_works(&session);
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let Some(session) = start_demo(signal) else {
            return;
        };
        let pid = reader_pid(&session);
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
        let back = session.wait_for("the prompt after the signal", prompt_is_back);
        assert!(
            !back.contains("shown,"),
            "SIG{signal}: the reader's screen is gone:\n{back}"
        );
        assert_shell_works(&session);
    }
}

#[test]
fn a_star_given_in_the_reader_survives_kill_9_and_reaches_the_server_at_the_next_sync() {
    let server = support::fever::Fever::start("me@example.org", "sync password 1");
    {
        let mut s = server.state();
        s.feeds.insert(1, ("Harbour Gazette".into(), vec![]));
    }
    server.add_items(1, 3);
    let dir = tempfile::tempdir().unwrap();
    let config = support::write_sync_config(
        dir.path(),
        &format!(
            "kind = \"fever\"\nurl = \"{}\"\nusername = \"me@example.org\"",
            server.url()
        ),
        &[],
    );
    let cache = dir.path().join("cache.sqlite");
    let Some(session) = shell("kill9", 100, 30) else {
        return;
    };
    let command = format!(
        "TIDINGS_SYNC_PASSWORD='sync password 1' XDG_STATE_HOME={dir} {bin} --config {config} --cache {cache}",
        dir = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_tidings"),
        config = config.display(),
        cache = cache.display(),
    );
    session.keys(&[&command, "Enter"]);
    // The reader synced at start: the server's items are listed.
    // The status line follows: the time of the sync ("synced 01:23"), not "not synced yet".
    session.wait_for("the synced items and the sync's time", |s| {
        s.contains("Item 3")
            && s.match_indices("synced ")
                .any(|(at, m)| s[at + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
    });
    session.keys(&["s"]);
    session.wait_for("the star, waiting for the server", |s| {
        s.contains("★") && s.contains("1 to send")
    });
    let pid = reader_pid(&session);
    assert!(Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap()
        .success());
    // Nothing restores the terminal after kill -9: wait for the process to be gone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the reader outlived kill -9"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    let mut store = tidings::store::Store::open(&cache).unwrap();
    assert_eq!(store.queue_len().unwrap(), 1, "the star waits in the cache");
    assert!(server.state().saved.is_empty());
    let account = support::sync_account(
        tidings::config::SyncKind::Fever,
        &server.url(),
        "me@example.org",
        "sync password 1",
    );
    let options = tidings::runtime::sync_options(&tidings::config::Config::default());
    tidings::sync::sync(&mut store, &account, &options).unwrap();
    assert_eq!(
        server.state().saved.iter().copied().collect::<Vec<_>>(),
        vec![3],
        "the newest item, starred in the reader"
    );
    assert_eq!(store.queue_len().unwrap(), 0);
}

#[test]
fn with_the_sync_server_down_at_start_the_reader_reads_and_says_the_sync_failed() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("local.xml");
    std::fs::write(&feed, support::rss("Local", "loc", 3)).unwrap();
    let config = support::write_sync_config(
        dir.path(),
        "kind = \"greader\"\nurl = \"http://127.0.0.1:9/api/greader.php\"\nusername = \"me\"",
        &[&feed],
    );
    let Some(session) = shell("syncdown", 120, 30) else {
        return;
    };
    let command = format!(
        "TIDINGS_SYNC_PASSWORD=pw XDG_STATE_HOME={dir} {bin} --config {config} --cache {dir}/cache.sqlite",
        dir = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_tidings"),
        config = config.display(),
    );
    session.keys(&[&command, "Enter"]);
    let screen = session.wait_for("the failed sync in the status line", |s| {
        s.contains("not synced yet") && s.contains("sync failed")
    });
    assert!(screen.contains("Local item 0"), "{screen}");
    session.keys(&["Enter"]);
    session.wait_for("the article", |s| s.contains("Body 2 of Local"));
    session.keys(&["q"]);
    session.wait_for("the prompt after quitting", prompt_is_back);
}

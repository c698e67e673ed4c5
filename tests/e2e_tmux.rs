//! The real binary in a real terminal (tmux): open the demo, move, read, quit, and get the
//! shell prompt back.

use std::process::Command;
use std::time::{Duration, Instant};

struct Session(String);

impl Session {
    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux must be installed (CI installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.0];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.0])
    }

    /// Polls the screen until `pred` holds, with a deadline instead of fixed sleeps.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

/// A tmux session running `sh`, with the reader started on the demo.
fn start_demo(tag: &str) -> Session {
    let name = format!("tidings-e2e-{tag}-{}", std::process::id());
    let status = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "100",
            "-y",
            "30",
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            "TERM=xterm-256color",
            "PS1=E2E-PROMPT$ ",
            "sh",
        ])
        .status()
        .expect("tmux must be installed (CI installs it)");
    assert!(status.success());
    let session = Session(name);
    session.wait_for("the shell prompt", |s| s.contains("E2E-PROMPT$"));
    let command = format!("{} --demo", env!("CARGO_BIN_EXE_tidings"));
    session.keys(&[&command, "Enter"]);
    let list = session.wait_for("the headline list", |s| {
        s.contains("shown,") && s.contains("unread")
    });
    assert!(list.contains("Harbour ferries"), "{list}");
    session
}

fn prompt_is_back(screen: &str) -> bool {
    screen
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .is_some_and(|l| l.starts_with("E2E-PROMPT$"))
}

/// The shell is usable again: what we type is echoed and the command runs.
fn assert_shell_works(session: &Session) {
    session.keys(&["echo restored-$((40+2))", "Enter"]);
    session.wait_for("the shell to run a command", |s| s.contains("restored-42"));
}

#[test]
fn demo_opens_reads_an_article_and_quits_back_to_the_shell() {
    let session = start_demo("quit");
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
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let session = start_demo(signal);
        let shell = session.tmux(&["display", "-p", "-t", &session.0, "#{pane_pid}"]);
        let out = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .expect("pgrep");
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(!pid.is_empty(), "the reader's pid");
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

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

#[test]
fn demo_opens_reads_an_article_and_quits_back_to_the_shell() {
    let name = format!("tidings-e2e-{}", std::process::id());
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

    session.keys(&["j"]);
    session.keys(&["k"]);
    session.keys(&["Enter"]);
    let article = session.wait_for("the article text", |s| {
        s.contains("weather agency expects cherry trees")
    });
    assert!(article.contains("Field Notes"), "{article}");

    session.keys(&["q"]);
    let back = session.wait_for("the prompt after quitting", |s| {
        s.lines()
            .rfind(|l| !l.trim().is_empty())
            .is_some_and(|l| l.starts_with("E2E-PROMPT$"))
    });
    assert!(
        !back.contains("shown,"),
        "the reader's screen is gone:\n{back}"
    );
}

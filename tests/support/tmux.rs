//! Driving a real terminal for end-to-end tests: tmux `send-keys` and `capture-pane`,
//! polling with deadlines instead of fixed sleeps.

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux session, killed when dropped.
pub struct Session(pub String);

impl Session {
    /// Starts a detached session of `width`×`height` running `command` (and its arguments);
    /// `None`, saying so, when tmux is missing (see [`super::available`]).
    pub fn start(name: &str, width: u16, height: u16, command: &[&str]) -> Option<Session> {
        if !super::available("tmux", super::runs("tmux")) {
            return None;
        }
        let (w, h) = (width.to_string(), height.to_string());
        let mut args = vec!["new-session", "-d", "-s", name, "-x", &w, "-y", &h];
        args.extend_from_slice(command);
        let status = Command::new("tmux")
            .args(&args)
            .status()
            .expect("tmux must be installed (CI installs it)");
        assert!(status.success(), "tmux new-session failed");
        Some(Session(name.to_string()))
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux must be installed (CI installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.0];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.0])
    }

    /// Polls the screen until `pred` holds, with a deadline instead of fixed sleeps.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
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

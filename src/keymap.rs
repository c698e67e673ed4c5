//! Key and mouse events → [`Action`]s, from the default bindings and the `[keys]` table of
//! the config. Pure.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use crate::app::{Action, ACTIONS};

/// `[keys]`: action name → keys, replacing that action's default keys.
/// Keys are written like `j`, `G`, `ctrl-d`, `down`, `pagedown`, `enter`, `esc`, `space`, `?`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct KeyConfig(pub BTreeMap<String, Vec<String>>);

/// A key with modifiers, as the user writes it and as the terminal reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeyConfig {
    /// Unknown action names and unreadable keys are config errors: (key, message).
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (action, keys) in &self.0 {
            if Action::from_name(action).is_none() {
                return Err((
                    action.clone(),
                    format!(
                        "unknown action in [keys]; known: {}",
                        ACTIONS
                            .iter()
                            .map(|i| i.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            for k in keys {
                if parse_key(k).is_none() {
                    return Err((action.clone(), format!("cannot read key `{k}`")));
                }
            }
        }
        Ok(())
    }
}

pub fn parse_key(spec: &str) -> Option<Key> {
    let mut ctrl = false;
    let mut alt = false;
    let mut rest = spec;
    loop {
        if let Some(r) = rest
            .strip_prefix("ctrl-")
            .or_else(|| rest.strip_prefix("C-"))
        {
            ctrl = true;
            rest = r;
        } else if let Some(r) = rest
            .strip_prefix("alt-")
            .or_else(|| rest.strip_prefix("M-"))
        {
            alt = true;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest.to_ascii_lowercase().as_str() {
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
            KeyCode::F(f[1..].parse().ok()?)
        }
        _ => {
            let mut chars = rest.chars();
            let c = chars.next()?;
            if chars.next().is_some() {
                return None;
            }
            KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
        }
    };
    Some(Key { code, ctrl, alt })
}

/// Key → action lookup built from the defaults and the user's `[keys]`.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
}

impl Keymap {
    pub fn new(config: &KeyConfig) -> Keymap {
        let mut bindings = Vec::new();
        for info in ACTIONS {
            let keys: Vec<String> = match config.0.get(info.name) {
                Some(custom) => custom.clone(),
                None => info.keys.iter().map(|s| s.to_string()).collect(),
            };
            for k in keys {
                if let Some(key) = parse_key(&k) {
                    bindings.push((key, info.action));
                }
            }
        }
        Keymap { bindings }
    }

    pub fn action(&self, event: KeyEvent) -> Option<Action> {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        let code = match event.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        if ctrl && code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        self.bindings
            .iter()
            .find(|(k, _)| k.code == code && k.ctrl == ctrl && k.alt == alt)
            .map(|(_, a)| *a)
    }

    /// The help overlay's rows: each action's keys as the user sees them, and what it does,
    /// in the order of [`ACTIONS`].
    pub fn help(&self) -> Vec<(String, String)> {
        ACTIONS
            .iter()
            .map(|info| (self.keys_for(info.action).join(" "), info.help.to_string()))
            .collect()
    }

    /// The keys bound to `action`, as the user sees them.
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| describe(*k))
            .collect()
    }
}

pub fn describe(k: Key) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    let mut s = String::new();
    if k.ctrl {
        s.push_str("Ctrl-");
    }
    if k.alt {
        s.push_str("Alt-");
    }
    s + &base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn vim_keys_and_arrows_both_move() {
        let km = Keymap::new(&KeyConfig::default());
        assert_eq!(
            km.action(press(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(press(KeyCode::Down, KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(press(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
        assert_eq!(
            km.action(press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            km.action(press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(press(KeyCode::Char('z'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn config_replaces_an_actions_keys() {
        let mut map = BTreeMap::new();
        map.insert("down".to_string(), vec!["ctrl-n".to_string()]);
        let km = Keymap::new(&KeyConfig(map));
        assert_eq!(
            km.action(press(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(press(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(km.keys_for(Action::Down), vec!["Ctrl-n"]);
    }

    #[test]
    fn bad_action_or_key_is_reported() {
        let mut map = BTreeMap::new();
        map.insert("fly".to_string(), vec!["x".to_string()]);
        assert_eq!(KeyConfig(map).validate().unwrap_err().0, "fly");
        let mut map = BTreeMap::new();
        map.insert("down".to_string(), vec!["ctrl-".to_string()]);
        assert!(KeyConfig(map).validate().is_err());
    }
}

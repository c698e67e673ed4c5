//! What a key can ask for. One table gives each action its `[keys]` name, its help text
//! and its default keys; the enum is generated from the same table, so an action cannot
//! exist without its row. The keymap, the help overlay and the README check all read it.

/// One row of [`ACTIONS`].
#[derive(Debug)]
pub struct ActionInfo {
    pub action: Action,
    /// The name in `[keys]`.
    pub name: &'static str,
    /// The help overlay's text.
    pub help: &'static str,
    /// Default keys, written as in `[keys]`.
    pub keys: &'static [&'static str],
}

macro_rules! actions {
    ($($variant:ident $name:literal $help:literal [$($key:literal),+])*) => {
        /// What a key can ask for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant),*
        }

        /// Every action, in the order of the help overlay.
        pub const ACTIONS: &[ActionInfo] = &[
            $(ActionInfo {
                action: Action::$variant,
                name: $name,
                help: $help,
                keys: &[$($key),+],
            }),*
        ];
    };
}

actions! {
    Down "down" "move down / scroll down" ["j", "down"]
    Up "up" "move up / scroll up" ["k", "up"]
    PageDown "page_down" "page down" ["pagedown", "ctrl-f"]
    PageUp "page_up" "page up" ["pageup", "ctrl-b"]
    HalfPageDown "half_page_down" "half a page down" ["ctrl-d"]
    HalfPageUp "half_page_up" "half a page up" ["ctrl-u"]
    Top "top" "first item / top" ["g", "home"]
    Bottom "bottom" "last item / bottom" ["G", "end"]
    Open "open" "open article / choose" ["enter", "l", "right"]
    Back "back" "back to the list" ["esc", "h", "left"]
    SwitchFocus "switch_focus" "switch focus" ["tab"]
    Space "space" "scroll article, then next unread" ["space"]
    NextUnread "next_unread" "next unread (next search result)" ["n"]
    PrevUnread "prev_unread" "previous unread (previous result)" ["N"]
    ToggleRead "toggle_read" "toggle read" ["m"]
    MarkAllRead "mark_all_read" "mark all shown as read" ["A"]
    ToggleStar "toggle_star" "toggle star" ["s"]
    UnreadOnly "unread_only" "show unread only" ["u"]
    Search "search" "search the whole cache" ["/"]
    PickFeed "pick_feed" "pick a feed or tag" ["f"]
    ToggleSidebar "toggle_sidebar" "feeds sidebar" ["b"]
    OpenLink "open_link" "open link in browser" ["o"]
    CopyLink "copy_link" "copy link (OSC 52)" ["y"]
    PlayMedia "play_media" "play the article's podcast or video" ["p"]
    Links "links" "the article's links and pictures, to open or copy" ["L"]
    RevealHidden "reveal_hidden" "reveal hidden appeals" ["H"]
    FullText "full_text" "fetch the full article" ["F"]
    RefreshFeed "refresh_feed" "refresh this feed" ["r"]
    RefreshAll "refresh_all" "refresh all feeds" ["R"]
    Help "help" "this help" ["?"]
    Quit "quit" "quit / close overlay" ["q"]
}

impl Action {
    fn info(self) -> &'static ActionInfo {
        // The table is generated with the enum: every variant has its row.
        &ACTIONS[self as usize]
    }

    /// The name in `[keys]`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(name: &str) -> Option<Action> {
        ACTIONS.iter().find(|i| i.name == name).map(|i| i.action)
    }

    /// The help overlay's text.
    pub fn describe(self) -> &'static str {
        self.info().help
    }

    pub fn default_keys(self) -> &'static [&'static str] {
        self.info().keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_unique_name_help_and_default_keys() {
        let mut names = std::collections::HashSet::new();
        for (i, row) in ACTIONS.iter().enumerate() {
            assert_eq!(row.action as usize, i);
            assert!(names.insert(row.name), "{} twice", row.name);
            assert!(!row.help.trim().is_empty(), "{:?} has no help", row.action);
            assert!(
                row.keys
                    .iter()
                    .all(|k| crate::keymap::parse_key(k).is_some()),
                "{:?} has a default key the keymap cannot read",
                row.action
            );
            assert_eq!(Action::from_name(row.name), Some(row.action));
        }
    }
}

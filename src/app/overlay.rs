//! What can sit over the panes: the help, the search prompt, the feed picker, the
//! article's links.

/// The longest search the prompt takes, in characters.
pub const PROMPT_MAX: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Search {
        input: String,
    },
    FeedPicker {
        selected: usize,
    },
    /// The open article's links ([`super::ArticleView::links`]).
    Links {
        selected: usize,
    },
}

/// A key while a text prompt is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKey {
    Char(char),
    Backspace,
    Enter,
    Esc,
}

/// What a key did to the prompt's text.
#[derive(Debug, PartialEq, Eq)]
pub enum Typed {
    Editing,
    /// The character did not fit.
    Full,
    Cancelled,
    Submitted(String),
}

/// Edits `input` with `key`. A paste of a whole page arrives as thousands of keys: the
/// prompt keeps the first [`PROMPT_MAX`] characters, so drawing it and Enter stay instant.
pub fn type_into(input: &mut String, key: PromptKey) -> Typed {
    match key {
        PromptKey::Char(c) if input.chars().count() < PROMPT_MAX => {
            input.push(c);
            Typed::Editing
        }
        PromptKey::Char(_) => Typed::Full,
        PromptKey::Backspace => {
            input.pop();
            Typed::Editing
        }
        PromptKey::Esc => Typed::Cancelled,
        PromptKey::Enter => Typed::Submitted(input.trim().to_string()),
    }
}

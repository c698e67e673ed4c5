//! The reader's colours and text attributes: one style per part of the screen, the
//! defaults, `[colors]` in the config (`unread = "yellow bold"`, `selected = "black on
//! cyan"`), and `NO_COLOR` (colours off, attributes kept). Pure.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};

/// Parts of the screen, their `[colors]` names and default styles, in one table.
macro_rules! parts {
    ($($field:ident $default:literal $help:literal)*) => {
        /// One style per part of the screen.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            $(#[doc = $help] pub $field: Style,)*
        }

        /// Every part: its `[colors]` name, default style and what it colours.
        pub const PARTS: &[(&str, &str, &str)] = &[$((stringify!($field), $default, $help)),*];

        impl Default for Theme {
            fn default() -> Theme {
                Theme {
                    $($field: parse_style($default).expect("the default styles parse"),)*
                }
            }
        }

        impl Theme {
            fn part_mut(&mut self, name: &str) -> Option<&mut Style> {
                match name {
                    $(stringify!($field) => Some(&mut self.$field),)*
                    _ => None,
                }
            }

            fn parts_mut(&mut self) -> Vec<&mut Style> {
                vec![$(&mut self.$field),*]
            }
        }
    };
}

parts! {
    border "dark_gray" "a pane's border"
    border_focused "cyan" "the border of the pane keys go to"
    unread "bold" "an unread headline"
    read "gray" "a read headline"
    selected "reversed" "the highlighted row, in the pane keys go to"
    selected_unfocused "underlined" "the highlighted row, in another pane"
    current "bold" "the feed, tag or query the list shows, in the sidebar"
    failing "red" "a feed whose last refresh failed; errors in the status line"
    title "bold" "the article's title"
    meta "dark_gray" "the article's feed, author and date; the status line's hint"
    link "blue" "links"
    note "yellow" "the article's notes: what is hidden, full text, media"
    hidden "dark_gray dim" "hidden blocks, when revealed"
    hidden_label "yellow dim" "the label of a revealed hidden block"
    status "reversed" "the status line"
    key "cyan" "keys in the help"
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown part `{0}`; known: {known}", known = PARTS.iter().map(|p| p.0).collect::<Vec<_>>().join(", "))]
    UnknownPart(String),
    #[error("`{word}` is not a colour or attribute; colours: black, red, green, yellow, blue, magenta, cyan, gray, dark_gray, light_red … white, default, #rrggbb, 0-255; attributes: bold, dim, italic, underlined, reversed, crossed_out; FG on BG")]
    BadWord { word: String },
}

impl Theme {
    /// The defaults with `[colors]` laid over them: part name → style.
    pub fn from_config(colors: &BTreeMap<String, String>) -> Result<Theme, (String, ThemeError)> {
        let mut theme = Theme::default();
        for (name, spec) in colors {
            let style = parse_style(spec).map_err(|e| (name.clone(), e))?;
            let part = theme
                .part_mut(name)
                .ok_or_else(|| (name.clone(), ThemeError::UnknownPart(name.clone())))?;
            *part = style;
        }
        Ok(theme)
    }

    /// Colours off, attributes kept (`NO_COLOR`, no-color.org).
    pub fn without_colors(mut self) -> Theme {
        for style in self.parts_mut() {
            style.fg = None;
            style.bg = None;
        }
        self
    }
}

/// `"yellow on blue bold"`: a foreground colour, `on` a background colour, attributes, in
/// any order; an empty string is the terminal's own style.
pub fn parse_style(spec: &str) -> Result<Style, ThemeError> {
    let mut style = Style::new();
    let mut words = spec.split_whitespace();
    while let Some(word) = words.next() {
        let lower = word.to_ascii_lowercase();
        if lower == "on" {
            let bg = words.next().unwrap_or("");
            style = style.bg(color(bg).ok_or_else(|| ThemeError::BadWord {
                word: format!("on {bg}"),
            })?);
        } else if let Some(m) = modifier(&lower) {
            style = style.add_modifier(m);
        } else if let Some(c) = color(&lower) {
            style = style.fg(c);
        } else {
            return Err(ThemeError::BadWord { word: word.into() });
        }
    }
    Ok(style)
}

fn modifier(word: &str) -> Option<Modifier> {
    Some(match word {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" | "reverse" => Modifier::REVERSED,
        "crossed_out" | "strikethrough" => Modifier::CROSSED_OUT,
        _ => return None,
    })
}

fn color(word: &str) -> Option<Color> {
    let word = word.to_ascii_lowercase().replace('-', "_");
    if let Some(hex) = word.strip_prefix('#') {
        if hex.len() == 6 {
            let n = u32::from_str_radix(hex, 16).ok()?;
            return Some(Color::Rgb((n >> 16) as u8, (n >> 8) as u8, n as u8));
        }
        return None;
    }
    if let Ok(n) = word.strip_prefix("color").unwrap_or(&word).parse::<u8>() {
        return Some(Color::Indexed(n));
    }
    Some(match word.as_str() {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark_gray" | "darkgray" | "dark_grey" => Color::DarkGray,
        "light_red" => Color::LightRed,
        "light_green" => Color::LightGreen,
        "light_yellow" => Color::LightYellow,
        "light_blue" => Color::LightBlue,
        "light_magenta" => Color::LightMagenta,
        "light_cyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_read_as_written() {
        assert_eq!(
            parse_style("yellow on blue bold").unwrap(),
            Style::new()
                .fg(Color::Yellow)
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(
            parse_style("Bold #ff8000 on color236").unwrap(),
            Style::new()
                .fg(Color::Rgb(255, 128, 0))
                .bg(Color::Indexed(236))
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(parse_style("").unwrap(), Style::new());
        assert_eq!(
            parse_style("blue purple").unwrap_err(),
            ThemeError::BadWord {
                word: "purple".into()
            }
        );
        assert!(parse_style("red on").is_err());
        assert!(parse_style("#fff").is_err());
    }

    #[test]
    fn the_config_overrides_parts_and_no_color_keeps_attributes() {
        let colors: BTreeMap<String, String> =
            [("unread".to_string(), "green bold".to_string())].into();
        let theme = Theme::from_config(&colors).unwrap();
        assert_eq!(
            theme.unread,
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)
        );
        assert_eq!(theme.link, Style::new().fg(Color::Blue));
        let plain = theme.without_colors();
        assert_eq!(plain.unread, Style::new().add_modifier(Modifier::BOLD));
        assert_eq!(plain.hidden, Style::new().add_modifier(Modifier::DIM));
        let bad: BTreeMap<String, String> = [("unred".to_string(), "bold".to_string())].into();
        let (part, e) = Theme::from_config(&bad).unwrap_err();
        assert_eq!(part, "unred");
        assert!(e.to_string().contains("known: border"), "{e}");
    }
}

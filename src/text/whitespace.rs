//! Whitespace read a byte at a time, as `char::is_whitespace` would read it, and text
//! collapsed to single spaces: feed text is mostly words one ASCII space apart, and these
//! run over every article and every item a refresh stores.

/// Text with runs of whitespace collapsed to one space, trimmed at both ends: pieces of
/// text pushed one after another, and the places between them where a space may stand.
#[derive(Default)]
pub struct Collapsed(String, bool);

impl Collapsed {
    pub fn with_capacity(bytes: usize) -> Collapsed {
        Collapsed(String::with_capacity(bytes), false)
    }

    pub fn push(&mut self, t: &str) {
        let bytes = t.as_bytes();
        // Usually words are one ASCII space apart already: then only the ends need care.
        let irregular = !only_ascii_spaces(t, true) || t.contains("  ");
        if !irregular {
            if bytes.first() == Some(&b' ') {
                self.1 = true;
            }
            self.word(t.trim_matches(' '));
            if t.len() > 1 && bytes.last() == Some(&b' ') {
                self.1 = true;
            }
            return;
        }
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() {
            let Some(len) = whitespace_at(t, i) else {
                i += 1;
                continue;
            };
            // A single space between two words is already collapsed: it stays in the run,
            // which is copied whole.
            let single = bytes[i] == b' '
                && i > run
                && i + 1 < bytes.len()
                && whitespace_at(t, i + 1).is_none();
            if !single {
                self.word(&t[run..i]);
                self.1 = true;
                run = i + len;
            }
            i += len;
        }
        self.word(&t[run..]);
    }

    fn word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.1 && !self.0.is_empty() {
            self.0.push(' ');
        }
        self.1 = false;
        self.0.push_str(word);
    }

    /// A word boundary, as a tag between two pieces of text can be.
    pub fn space(&mut self) {
        self.1 = true;
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Whether the bytes `x y z` begin a non-ASCII whitespace character: U+0085, U+00A0,
/// U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F or U+3000 (the rest of what
/// `char::is_whitespace` accepts). Branch-free, so that loops over it vectorise.
#[inline(always)]
fn unicode_space(x: u8, y: u8, z: u8) -> bool {
    ((x == 0xc2) & ((y == 0x85) | (y == 0xa0)))
        | ((x == 0xe1) & (y == 0x9a) & (z == 0x80))
        | ((x == 0xe2)
            & (((y == 0x80) & ((z <= 0x8a) | (z == 0xa8) | (z == 0xa9) | (z == 0xaf)))
                | ((y == 0x81) & (z == 0x9f))))
        | ((x == 0xe3) & (y == 0x80) & (z == 0x80))
}

/// The length of the whitespace character at byte `i` of `s`, if there is one.
#[inline]
fn whitespace_at(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    match b[i] {
        b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => Some(1),
        x @ (0xc2 | 0xe1..=0xe3) if unicode_space(x, at(i + 1), at(i + 2)) => {
            Some(if x == 0xc2 { 2 } else { 3 })
        }
        _ => None,
    }
}

/// True when the only whitespace in `s` is ASCII spaces (and no-break spaces, which do not
/// separate words when wrapping, unless `nbsp_too`). One branch-free pass over byte
/// triples, which the compiler vectorises.
pub fn only_ascii_spaces(s: &str, nbsp_too: bool) -> bool {
    let b = s.as_bytes();
    let other_space = |x: u8, y: u8, z: u8| {
        let nbsp = (x == 0xc2) & (y == 0xa0);
        (x < b' ') | (unicode_space(x, y, z) & (nbsp_too | !nbsp))
    };
    let body = b
        .windows(3)
        .fold(false, |found, w| found | other_space(w[0], w[1], w[2]));
    let tail = b.len().saturating_sub(2);
    let ends = (tail..b.len()).any(|i| other_space(b[i], b.get(i + 1).copied().unwrap_or(0), 0));
    !body && !ends
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_whitespace_agrees_with_char_is_whitespace() {
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            let s = format!("{c}x");
            let expected = c.is_whitespace();
            assert_eq!(whitespace_at(&s, 0).is_some(), expected, "{:x}", c as u32);
            if expected {
                assert_eq!(whitespace_at(&s, 0), Some(c.len_utf8()));
            }
            let only = c == ' ' || (!expected && c >= ' ');
            assert_eq!(
                only_ascii_spaces(&format!("a{c}b"), true),
                only,
                "{:x}",
                c as u32
            );
        }
    }
}

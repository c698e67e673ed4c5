//! Character references (`&amp;`, `&#8217;`, `&eacute`, …), decoded as browsers do, with
//! the full table of named references.

use std::borrow::Cow;

use markup5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};

/// Decodes character references (`&amp;`, `&#8217;`, `&eacute`, …) as browsers do.
pub fn decode(s: &str, in_attribute: bool) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match reference(after, in_attribute) {
            Some((c, extra, used)) => {
                out.push(c);
                out.extend(extra);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character(s) of the reference at the start of `s` (just after `&`) and its length.
fn reference(s: &str, in_attribute: bool) -> Option<(char, Option<char>, usize)> {
    let bytes = s.as_bytes();
    if bytes.first() == Some(&b'#') {
        let hex = matches!(bytes.get(1), Some(b'x' | b'X'));
        let digits_from = if hex { 2 } else { 1 };
        let radix = if hex { 16 } else { 10 };
        let digits = bytes[digits_from..]
            .iter()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return None;
        }
        let mut used = digits_from + digits;
        let value = s[digits_from..used]
            .chars()
            .try_fold(0u32, |v, c| {
                v.checked_mul(radix)?.checked_add(c.to_digit(radix)?)
            })
            .unwrap_or(u32::MAX);
        if bytes.get(used) == Some(&b';') {
            used += 1;
        }
        let c = match value {
            0 => '\u{fffd}',
            0x80..=0x9f => C1_REPLACEMENTS[(value - 0x80) as usize]
                .unwrap_or_else(|| char::from_u32(value).unwrap_or('\u{fffd}')),
            v => char::from_u32(v).unwrap_or('\u{fffd}'),
        };
        return Some((c, None, used));
    }
    // The most common ones first, without hashing.
    for (name, c) in [
        ("amp;", '&'),
        ("lt;", '<'),
        ("gt;", '>'),
        ("quot;", '"'),
        ("nbsp;", '\u{a0}'),
    ] {
        if s.starts_with(name) {
            return Some((c, None, name.len()));
        }
    }
    // The longest entity name that is a prefix of `s` (names are at most 32 bytes).
    let mut best = None;
    for (i, b) in bytes.iter().enumerate().take(33) {
        if !b.is_ascii_alphanumeric() && *b != b';' {
            break;
        }
        let Some(&(first, second)) = NAMED_ENTITIES.get(&s[..=i]) else {
            break;
        };
        if first != 0 {
            best = Some((first, second, i + 1));
        }
        if *b == b';' {
            break;
        }
    }
    let (first, second, used) = best?;
    // In attributes `&copy=1` stays text: only a terminated reference counts there.
    if in_attribute
        && bytes[used - 1] != b';'
        && bytes
            .get(used)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'=')
    {
        return None;
    }
    Some((
        char::from_u32(first)?,
        char::from_u32(second).filter(|_| second != 0),
        used,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_decode_like_a_browser() {
        assert_eq!(
            decode("&amp; &lt;&gt; &eacute;t&eacute &nbsp;", false),
            "& <> été \u{a0}"
        );
        assert_eq!(
            decode("&#8217; &#x2019; &#X41; &#150; &#0; &#xD800;", false),
            "’ ’ A – \u{fffd} \u{fffd}"
        );
        assert_eq!(
            decode("&notit; &unknown; & &#; &#99999999999;", false),
            "¬it; &unknown; & &#; \u{fffd}"
        );
        assert_eq!(decode("&NotEqualTilde;", false), "≂\u{338}");
    }
}

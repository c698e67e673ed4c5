//! Saved queries and kill rules in SQL: a parsed [`Condition`] becomes a boolean over the
//! statement's `items i JOIN feeds f`, never NULL. The user's values reach SQL only as hex
//! literals, so no text can change a statement; `=~` calls [`REGEXP_FN`], registered on
//! every connection.

use rusqlite::Connection;

use crate::query::{Compare, Condition, Flag, ItemQuery, Text};

const REGEXP_FN: &str = "tidings_regexp";

/// `tidings_regexp(pattern, text)`: what `=~` means ([`crate::query::regex`]); each
/// statement compiles its pattern once. Patterns were checked when parsed.
pub(super) fn register_regexp(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    type Failure = Box<dyn std::error::Error + Send + Sync>;
    conn.create_scalar_function(
        REGEXP_FN,
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let re = ctx.get_or_create_aux(0, |pattern| -> Result<_, Failure> {
                Ok(crate::query::regex(pattern.as_str()?)?)
            })?;
            Ok(re.is_match(ctx.get_raw(1).as_str().unwrap_or("")))
        },
    )
}

pub(super) fn sql(query: &ItemQuery) -> String {
    condition(query.condition())
}

fn condition(c: &Condition) -> String {
    match c {
        Condition::And(a, b) => format!("({} AND {})", condition(a), condition(b)),
        Condition::Or(a, b) => format!("({} OR {})", condition(a), condition(b)),
        Condition::Not(a) => format!("(NOT {})", condition(a)),
        Condition::Compare(t, cmp, value) => {
            format!("({} {} {})", text(*t), operator(*cmp), literal(value))
        }
        Condition::Matches(t, pattern) => {
            // Tags are stored one per line; newsboat matches them joined by spaces.
            let subject = match t {
                Text::Tags => format!("replace({}, char(10), ' ')", text(*t)),
                _ => text(*t).to_string(),
            };
            format!("{REGEXP_FN}({}, {subject})", literal(pattern))
        }
        Condition::Has(t, element) => {
            let (sep, list) = match t {
                Text::Tags => ("char(10)", text(*t).to_string()),
                _ => (
                    "' '",
                    format!(
                        "replace(replace({}, char(9), ' '), char(10), ' ')",
                        text(*t)
                    ),
                ),
            };
            format!(
                "(instr({sep} || {list} || {sep}, {sep} || {} || {sep}) > 0)",
                literal(element)
            )
        }
        Condition::Flag(flag, yes) => {
            let on = match flag {
                Flag::Unread => "(i.read = 0)",
                Flag::Starred => "(i.starred <> 0)",
            };
            if *yes {
                on.to_string()
            } else {
                format!("(NOT {on})")
            }
        }
        Condition::Age(cmp, days) => format!("({AGE} {} {days})", operator(*cmp)),
        Condition::AgeBetween(low, high) => format!("({AGE} BETWEEN {low} AND {high})"),
    }
}

/// Whole days since the item's date (the fetch time when it has none).
const AGE: &str =
    "((CAST(strftime('%s', 'now') AS INTEGER) - coalesce(i.published, i.fetched)) / 86400)";

fn text(t: Text) -> &'static str {
    match t {
        Text::Title => "i.title",
        Text::Author => "coalesce(i.author, '')",
        Text::Link => "coalesce(i.link, '')",
        // As the sidebar names it: an untitled feed by its address.
        Text::FeedTitle => "(CASE WHEN f.title = '' THEN f.url ELSE f.title END)",
        Text::FeedUrl => "f.url",
        Text::Tags => "f.tags",
    }
}

fn operator(cmp: Compare) -> &'static str {
    match cmp {
        Compare::Eq => "=",
        Compare::Ne => "<>",
        Compare::Lt => "<",
        Compare::Gt => ">",
        Compare::Le => "<=",
        Compare::Ge => ">=",
    }
}

/// `text` as an SQL string literal that nothing in it can end: its UTF-8 bytes in hex.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2 + 16);
    out.push_str("CAST(X'");
    for b in text.bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out.push_str("' AS TEXT)");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_reach_sql_only_as_hex() {
        let q = crate::query::ItemQuery::parse(r#"title = "x') OR 1=1 --""#).unwrap();
        let sql = super::sql(&q);
        assert!(!sql.contains("OR 1=1"), "{sql}");
        assert_eq!(
            sql,
            "(i.title = CAST(X'782729204f5220313d31202d2d' AS TEXT))"
        );
    }
}

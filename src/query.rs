//! Conditions on items in newsboat's filter language, for saved queries (`[[queries]]`,
//! shown in the sidebar) and kill rules (`ignore`): `unread = "yes" and title =~ "rust"`,
//! `tags # "news"`, `age between 0:7`.
//!
//! Pure: a condition is parsed and checked here (a regular expression is compiled, so a bad
//! one is reported with its column before anything runs); the store turns the
//! [`Condition`] into SQL.

/// Largest compiled regular expression accepted (the regex crate's default is 10 MiB).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (column {column} of the condition)")]
pub struct QueryError {
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

/// A parsed condition and its text as written. In the config it is a string, checked as
/// it is read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct ItemQuery {
    text: String,
    condition: Condition,
}

/// What an item must be to match. Negated operators (`!~`, `!#`) are `Not` of their
/// positive form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    /// `title = "x"`, `author < "m"`: text compared exactly.
    Compare(Text, Compare, String),
    /// `=~`: a regular expression found anywhere in the text, ignoring case. A feed's tags
    /// are matched joined by spaces, as in newsboat.
    Matches(Text, String),
    /// `#`: one of the feed's tags, or one space-separated word of a text.
    Has(Text, String),
    Flag(Flag, bool),
    /// Whole days since the item's date.
    Age(Compare, i64),
    AgeBetween(i64, i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    Title,
    Author,
    Link,
    FeedTitle,
    FeedUrl,
    Tags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Unread,
    Starred,
}

impl ItemQuery {
    pub fn parse(text: &str) -> Result<ItemQuery, QueryError> {
        let tokens = tokenize(text)?;
        let mut parser = Parser {
            tokens: &tokens,
            at: 0,
            end: text.chars().count() + 1,
            depth: 0,
            terms: 0,
        };
        let condition = parser.or()?;
        if let Some(t) = parser.peek() {
            return Err(parser.error_at(t.column, "expected `and`, `or` or the end".into()));
        }
        Ok(ItemQuery {
            text: text.to_string(),
            condition,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn condition(&self) -> &Condition {
        &self.condition
    }
}

impl TryFrom<String> for ItemQuery {
    type Error = QueryError;

    fn try_from(text: String) -> Result<ItemQuery, QueryError> {
        ItemQuery::parse(&text)
    }
}

/// Whether a regular expression of a query matches `text`, as `=~` means it: anywhere in
/// the text, ignoring case. The store's SQL function is this.
pub fn regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(i64),
    Range(i64, i64),
    Op(Op),
    Open,
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Match,
    NoMatch,
    Lt,
    Gt,
    Le,
    Ge,
    Has,
    HasNot,
    And,
    Or,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    column: usize,
}

fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |column: usize, message: String| QueryError { column, message };
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let op = match two.as_str() {
            "=~" => Some((Op::Match, 2)),
            "!~" => Some((Op::NoMatch, 2)),
            "!=" => Some((Op::Ne, 2)),
            "!#" => Some((Op::HasNot, 2)),
            "<=" => Some((Op::Le, 2)),
            ">=" => Some((Op::Ge, 2)),
            "==" => Some((Op::Eq, 2)),
            "&&" => Some((Op::And, 2)),
            "||" => Some((Op::Or, 2)),
            _ => match c {
                '=' => Some((Op::Eq, 1)),
                '<' => Some((Op::Lt, 1)),
                '>' => Some((Op::Gt, 1)),
                '#' => Some((Op::Has, 1)),
                _ => None,
            },
        };
        if let Some((op, len)) = op {
            out.push(Token {
                tok: Tok::Op(op),
                column,
            });
            i += len;
            continue;
        }
        match c {
            '(' | ')' => {
                out.push(Token {
                    tok: if c == '(' { Tok::Open } else { Tok::Close },
                    column,
                });
                i += 1;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(column, "this string has no closing `\"`".into())),
                        Some('"') => break,
                        Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                            s.push(chars[i + 1]);
                            i += 2;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push(Token {
                    tok: Tok::Str(s),
                    column,
                });
            }
            '0'..='9' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ':') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let number = |s: &str| {
                    s.parse::<i64>()
                        .ok()
                        .filter(|n| *n <= 1_000_000)
                        .ok_or_else(|| {
                            err(column, format!("`{word}` is not a number up to 1000000"))
                        })
                };
                let tok = match word.split_once(':') {
                    Some((a, b)) => Tok::Range(number(a)?, number(b)?),
                    None => Tok::Num(number(&word)?),
                };
                out.push(Token { tok, column });
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let tok = match word.to_ascii_lowercase().as_str() {
                    "and" => Tok::Op(Op::And),
                    "or" => Tok::Op(Op::Or),
                    _ => Tok::Word(word),
                };
                out.push(Token { tok, column });
            }
            _ => return Err(err(column, format!("unexpected `{c}`"))),
        }
    }
    Ok(out)
}

const ATTRIBUTES: &str = "title, author, link, feedtitle, feedurl, tags, unread, starred, age";

enum Attribute {
    Text(Text),
    Flag(Flag),
    Age,
}

fn attribute(name: &str) -> Option<Attribute> {
    Some(match name {
        "title" => Attribute::Text(Text::Title),
        "author" => Attribute::Text(Text::Author),
        "link" => Attribute::Text(Text::Link),
        "feedtitle" => Attribute::Text(Text::FeedTitle),
        "feedurl" => Attribute::Text(Text::FeedUrl),
        "tags" => Attribute::Text(Text::Tags),
        "unread" => Attribute::Flag(Flag::Unread),
        "starred" => Attribute::Flag(Flag::Starred),
        "age" => Attribute::Age,
        _ => return None,
    })
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    /// The column just past the text, for "expected … at the end".
    end: usize,
    /// Parentheses and `not`s open: bounded, so that no condition can exhaust the stack.
    depth: usize,
    /// Comparisons so far: bounded too (each `and` and `or` nests the tree one deeper).
    terms: usize,
}

/// Most parentheses and `not`s one condition may nest.
const MAX_DEPTH: usize = 64;
/// Most comparisons in one condition.
const MAX_TERMS: usize = 256;

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end, |t| t.column)
    }

    fn error_at(&self, column: usize, message: String) -> QueryError {
        QueryError { column, message }
    }

    fn or(&mut self) -> Result<Condition, QueryError> {
        let mut c = self.and()?;
        while matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Op(Op::Or),
                ..
            })
        ) {
            self.at += 1;
            c = Condition::Or(Box::new(c), Box::new(self.and()?));
        }
        Ok(c)
    }

    fn and(&mut self) -> Result<Condition, QueryError> {
        let mut c = self.unary()?;
        while matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Op(Op::And),
                ..
            })
        ) {
            self.at += 1;
            c = Condition::And(Box::new(c), Box::new(self.unary()?));
        }
        Ok(c)
    }

    fn unary(&mut self) -> Result<Condition, QueryError> {
        let column = self.column();
        if self.depth >= MAX_DEPTH {
            return Err(self.error_at(column, format!("nested more than {MAX_DEPTH} deep")));
        }
        self.depth += 1;
        let c = self.unary_inner(column);
        self.depth -= 1;
        c
    }

    fn unary_inner(&mut self, column: usize) -> Result<Condition, QueryError> {
        match self.next().map(|t| t.tok) {
            Some(Tok::Open) => {
                let c = self.or()?;
                match self.next().map(|t| t.tok) {
                    Some(Tok::Close) => Ok(c),
                    _ => Err(self.error_at(column, "this `(` is not closed".into())),
                }
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") => {
                Ok(Condition::Not(Box::new(self.unary()?)))
            }
            Some(Tok::Word(w)) => self.comparison(&w, column),
            _ => Err(self.error_at(
                column,
                format!("expected an attribute ({ATTRIBUTES}), `not` or `(`"),
            )),
        }
    }

    fn comparison(&mut self, name: &str, column: usize) -> Result<Condition, QueryError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(self.error_at(column, format!("more than {MAX_TERMS} comparisons")));
        }
        let Some(attr) = attribute(&name.to_ascii_lowercase()) else {
            return Err(self.error_at(
                column,
                format!("unknown attribute `{name}`; known: {ATTRIBUTES}"),
            ));
        };
        let op_column = self.column();
        let op = match self.next().map(|t| t.tok) {
            Some(Tok::Op(op)) if !matches!(op, Op::And | Op::Or) => op,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("between") => {
                return self.between(&attr, name);
            }
            _ => {
                return Err(self.error_at(
                    op_column,
                    format!(
                        "expected an operator after `{name}`: = != =~ !~ < > <= >= # !# between"
                    ),
                ))
            }
        };
        let value_column = self.column();
        let value = match self.next().map(|t| t.tok) {
            Some(Tok::Str(s)) => Value::Str(s),
            Some(Tok::Num(n)) => Value::Num(n),
            _ => {
                return Err(self.error_at(
                    value_column,
                    "expected a value: a \"string\" or a number".into(),
                ))
            }
        };
        let not = |c: Condition| Condition::Not(Box::new(c));
        let compare = match op {
            Op::Eq => Some(Compare::Eq),
            Op::Ne => Some(Compare::Ne),
            Op::Lt => Some(Compare::Lt),
            Op::Gt => Some(Compare::Gt),
            Op::Le => Some(Compare::Le),
            Op::Ge => Some(Compare::Ge),
            _ => None,
        };
        let only = |what: &str| Err(self.error_at(op_column, format!("`{name}` takes {what}")));
        match attr {
            Attribute::Flag(flag) => {
                let yes = match value.text().as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => {
                        return Err(
                            self.error_at(value_column, format!("`{name}` is \"yes\" or \"no\""))
                        )
                    }
                };
                match op {
                    Op::Eq => Ok(Condition::Flag(flag, yes)),
                    Op::Ne => Ok(Condition::Flag(flag, !yes)),
                    _ => only("= or != only"),
                }
            }
            Attribute::Age => {
                let Value::Num(days) = value else {
                    return Err(
                        self.error_at(value_column, format!("`{name}` is a number of days"))
                    );
                };
                match compare {
                    Some(cmp) => Ok(Condition::Age(cmp, days)),
                    None => only("= != < > <= >= or between"),
                }
            }
            Attribute::Text(text) => {
                let value = value.text();
                match op {
                    Op::Match | Op::NoMatch => {
                        if let Err(e) = regex(&value) {
                            let e = e.to_string();
                            let last = e.lines().last().unwrap_or("").trim().to_string();
                            return Err(self.error_at(
                                value_column,
                                format!("not a regular expression: {last}"),
                            ));
                        }
                        let m = Condition::Matches(text, value);
                        Ok(if op == Op::Match { m } else { not(m) })
                    }
                    Op::Has => Ok(Condition::Has(text, value)),
                    Op::HasNot => Ok(not(Condition::Has(text, value))),
                    _ if text == Text::Tags => only("# !# =~ or !~ (a feed has several tags)"),
                    _ => match compare {
                        Some(cmp) => Ok(Condition::Compare(text, cmp, value)),
                        None => unreachable!("and/or are not comparisons"),
                    },
                }
            }
        }
    }

    fn between(&mut self, attr: &Attribute, name: &str) -> Result<Condition, QueryError> {
        let column = self.column();
        if !matches!(attr, Attribute::Age) {
            return Err(self.error_at(column, format!("`{name}` cannot take between (age can)")));
        }
        match self.next().map(|t| t.tok) {
            Some(Tok::Range(a, b)) => Ok(Condition::AgeBetween(a.min(b), a.max(b))),
            _ => Err(self.error_at(column, "expected a range of days like 0:7".into())),
        }
    }
}

enum Value {
    Str(String),
    Num(i64),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(n) => n.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> QueryError {
        ItemQuery::parse(text).expect_err(text)
    }

    #[test]
    fn newsboat_conditions_parse() {
        for q in [
            r#"unread = "yes" and title =~ "rust""#,
            r#"tags # "news" or (feedtitle = "LWN" && age < 3)"#,
            r#"age between 0:7"#,
            r#"not starred = "yes" || author !~ "bot$""#,
            r#"title # "Show" and link != "" and feedurl =~ "example\.com""#,
            r#"title = "say \"hi\" \\ bye""#,
        ] {
            let parsed = ItemQuery::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
            assert_eq!(parsed.text(), q);
        }
    }

    #[test]
    fn an_error_names_its_column_and_what_was_expected() {
        assert_eq!(error(r#"titel = "x""#).column, 1);
        assert!(error(r#"titel = "x""#)
            .message
            .contains("unknown attribute `titel`"));
        let e = error(r#"title =~ "(unclosed""#);
        assert_eq!(e.column, 10);
        assert!(e.message.starts_with("not a regular expression"), "{e}");
        assert_eq!(error(r#"title = "open"#).column, 9);
        assert_eq!(error(r#"(title = "x""#).column, 1);
        assert_eq!(error(r#"unread = "maybe""#).column, 10);
        assert!(error(r#"age < "old""#).message.contains("number of days"));
        assert!(error(r#"tags = "news""#).message.contains("several tags"));
        assert!(error(r#"title between 1:2"#).message.contains("between"));
        assert_eq!(error(r#"title = "x" title"#).column, 13);
        assert_eq!(error("title =").column, 8);
        assert_eq!(error("").column, 1);
        assert!(error("title ; drop").message.contains("unexpected `;`"));
        let deep = format!(
            "{}title = \"x\"{}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert!(error(&deep).message.contains("nested more than 64 deep"));
        assert!(error(&"not ".repeat(100_000)).message.contains("nested"));
        let long = vec![r#"title = "x""#; 100_000].join(" and ");
        assert!(error(&long).message.contains("more than 256 comparisons"));
        let ok = format!("{}title = \"x\"{}", "(".repeat(60), ")".repeat(60));
        assert!(ItemQuery::parse(&ok).is_ok());
    }

    #[test]
    fn operators_become_their_conditions() {
        let c = |t: &str| ItemQuery::parse(t).unwrap().condition;
        assert_eq!(
            c(r#"title !~ "a" or tags !# "b""#),
            Condition::Or(
                Box::new(Condition::Not(Box::new(Condition::Matches(
                    Text::Title,
                    "a".into()
                )))),
                Box::new(Condition::Not(Box::new(Condition::Has(
                    Text::Tags,
                    "b".into()
                ))))
            )
        );
        // and binds tighter than or.
        assert_eq!(
            c(r#"unread != "yes" or age > 2 and age between 9:3"#),
            Condition::Or(
                Box::new(Condition::Flag(Flag::Unread, false)),
                Box::new(Condition::And(
                    Box::new(Condition::Age(Compare::Gt, 2)),
                    Box::new(Condition::AgeBetween(3, 9))
                ))
            )
        );
        assert_eq!(
            c("author <= 5"),
            Condition::Compare(Text::Author, Compare::Le, "5".into())
        );
    }

    #[test]
    fn regexes_ignore_case_and_match_anywhere() {
        let r = regex("rust").unwrap();
        assert!(r.is_match("Why I love RUST today"));
        assert!(
            regex("a{100000}{100000}").is_err(),
            "too big a regex is refused"
        );
    }
}

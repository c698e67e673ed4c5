//! Rule sets of the appeal filter: the built-in `assets/rules.toml` plus the user's rules,
//! compiled once into regex sets.

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use super::Category;

pub const BUILTIN: &str = include_str!("../../assets/rules.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Formula,
    Ask,
    Topic,
    Cta,
    Class,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    pub category: Category,
    pub kind: Kind,
    pub pattern: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule `{name}`: bad pattern: {message}")]
    Pattern { name: String, message: String },
    #[error("built-in rules: {0}")]
    Builtin(String),
}

/// The rules of one kind: a set to learn which match, and each regex to count matches.
#[derive(Debug, Clone)]
pub struct KindRules {
    set: RegexSet,
    each: Vec<Regex>,
    meta: Vec<(String, Category)>,
}

impl KindRules {
    fn new(specs: &[&RuleSpec]) -> Result<KindRules, RuleError> {
        let bad = |spec: &RuleSpec, e: regex::Error| RuleError::Pattern {
            name: spec.name.clone(),
            message: e
                .to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string(),
        };
        // ASCII word boundaries keep matching on the fast DFA path even on non-ASCII
        // text (a Unicode `\b` falls back to a much slower engine there).
        let patterns: Vec<String> = specs.iter().map(|s| ascii_boundaries(&s.pattern)).collect();
        let mut each = Vec::new();
        for (spec, pattern) in specs.iter().zip(&patterns) {
            each.push(
                RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .size_limit(1 << 22)
                    .build()
                    .map_err(|e| bad(spec, e))?,
            );
        }
        let set = RegexSetBuilder::new(&patterns)
            .case_insensitive(true)
            .build()
            .map_err(|e| RuleError::Builtin(e.to_string()))?;
        Ok(KindRules {
            set,
            each,
            meta: specs.iter().map(|s| (s.name.clone(), s.category)).collect(),
        })
    }

    /// The first matching rule (in file order) whose category is enabled.
    pub fn first(
        &self,
        text: &str,
        enabled: impl Fn(Category) -> bool,
    ) -> Option<(&str, Category)> {
        self.set
            .matches(text)
            .into_iter()
            .map(|i| (self.meta[i].0.as_str(), self.meta[i].1))
            .find(|(_, c)| enabled(*c))
    }

    /// Total matches over all rules, and the category of the first rule that matched.
    pub fn count(
        &self,
        text: &str,
        enabled: impl Fn(Category) -> bool,
    ) -> (usize, Option<(&str, Category)>) {
        let mut total = 0;
        let mut first = None;
        for i in self.set.matches(text).into_iter() {
            let (name, cat) = (&self.meta[i].0, self.meta[i].1);
            if !enabled(cat) {
                continue;
            }
            total += self.each[i].find_iter(text).count();
            first.get_or_insert((name.as_str(), cat));
        }
        (total, first)
    }
}

fn ascii_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') => out.push_str("(?-u:\\b)"),
                Some('B') => out.push_str("(?-u:\\B)"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub formula: KindRules,
    pub ask: KindRules,
    pub topic: KindRules,
    pub cta: KindRules,
    pub class: KindRules,
}

impl Rules {
    /// Built-in rules followed by `extra` (the user's).
    pub fn new(extra: &[RuleSpec]) -> Result<Rules, RuleError> {
        let builtin: RuleFile =
            toml::from_str(BUILTIN).map_err(|e| RuleError::Builtin(e.to_string()))?;
        let all: Vec<&RuleSpec> = builtin.rule.iter().chain(extra).collect();
        let of = |kind: Kind| {
            let specs: Vec<&RuleSpec> = all.iter().copied().filter(|s| s.kind == kind).collect();
            KindRules::new(&specs)
        };
        Ok(Rules {
            formula: of(Kind::Formula)?,
            ask: of(Kind::Ask)?,
            topic: of(Kind::Topic)?,
            cta: of(Kind::Cta)?,
            class: of(Kind::Class)?,
        })
    }
}

/// Checks one user rule (for config validation).
pub fn check(spec: &RuleSpec) -> Result<(), RuleError> {
    KindRules::new(&[spec]).map(|_| ())
}

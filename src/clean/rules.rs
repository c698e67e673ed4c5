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

/// The rules of one kind: each regex (to count matches, and to name a bad pattern) and,
/// for kinds asked which rule matches on their own, a set.
#[derive(Debug, Clone)]
pub struct KindRules {
    set: Option<RegexSet>,
    each: Vec<Regex>,
    meta: Vec<(String, Category)>,
}

impl KindRules {
    /// `with_set`: false for kinds only ever matched inside [`Rules::scan`]'s combined set,
    /// so that their own set is not compiled for nothing.
    fn new(specs: &[&RuleSpec], with_set: bool) -> Result<KindRules, RuleError> {
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
        let set = with_set
            .then(|| {
                RegexSetBuilder::new(&patterns)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| RuleError::Builtin(e.to_string()))
            })
            .transpose()?;
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
            .as_ref()?
            .matches(text)
            .into_iter()
            .map(|i| (self.meta[i].0.as_str(), self.meta[i].1))
            .find(|(_, c)| enabled(*c))
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
    /// Formula, ask and topic rules in one set (in that order), so that a block's text is
    /// scanned once for all three.
    text: RegexSet,
}

/// What the formula, ask and topic rules found in one text.
#[derive(Debug, Default)]
pub struct TextMatches<'r> {
    pub formula: Option<(&'r str, Category)>,
    /// Matches of all ask rules, and the first ask rule that matched.
    pub asks: usize,
    pub ask: Option<(&'r str, Category)>,
    pub topic: Option<(&'r str, Category)>,
}

impl Rules {
    /// The built-in rules: signals the scorer weighs.
    pub fn builtin() -> Result<Rules, RuleError> {
        let builtin: RuleFile =
            toml::from_str(BUILTIN).map_err(|e| RuleError::Builtin(e.to_string()))?;
        Rules::new(&builtin.rule)
    }

    pub fn new(all: &[RuleSpec]) -> Result<Rules, RuleError> {
        let of = |kind: Kind, with_set: bool| {
            let specs: Vec<&RuleSpec> = all.iter().filter(|s| s.kind == kind).collect();
            KindRules::new(&specs, with_set)
        };
        let (formula, topic) = (of(Kind::Formula, false)?, of(Kind::Topic, false)?);
        let ask = of(Kind::Ask, true)?;
        let text = RegexSetBuilder::new(
            [&formula, &ask, &topic]
                .iter()
                .flat_map(|k| k.each.iter().map(Regex::as_str)),
        )
        .case_insensitive(true)
        .dfa_size_limit(64 << 20)
        .build()
        .map_err(|e| RuleError::Builtin(e.to_string()))?;
        Ok(Rules {
            formula,
            ask,
            topic,
            cta: of(Kind::Cta, true)?,
            class: of(Kind::Class, true)?,
            text,
        })
    }

    /// Indices of the formula, ask and topic rules matching `haystack`. Most blocks match
    /// none, and the set says so faster when asked only whether any rule matches (it can
    /// stop at the first) than when asked for every rule that does.
    fn text_matches(&self, haystack: &str) -> impl Iterator<Item = usize> {
        self.text
            .is_match(haystack)
            .then(|| self.text.matches(haystack).into_iter())
            .into_iter()
            .flatten()
    }

    /// Runs the formula, ask and topic rules over `text` in one pass.
    pub fn scan<'r>(&'r self, text: &str, enabled: impl Fn(Category) -> bool) -> TextMatches<'r> {
        let (formulas, asks) = (self.formula.meta.len(), self.ask.meta.len());
        let mut found = TextMatches::default();
        let meta = |kind: &'r KindRules, i: usize| {
            let (name, category) = &kind.meta[i];
            enabled(*category).then_some((name.as_str(), *category))
        };
        for i in self.text_matches(text) {
            if i < formulas {
                if let Some(m) = meta(&self.formula, i) {
                    found.formula.get_or_insert(m);
                }
            } else if i < formulas + asks {
                if let Some(m) = meta(&self.ask, i - formulas) {
                    found.asks += self.ask.each[i - formulas].find_iter(text).count();
                    found.ask.get_or_insert(m);
                }
            } else if let Some(m) = meta(&self.topic, i - formulas - asks) {
                found.topic.get_or_insert(m);
            }
        }
        found
    }
}

impl Rules {
    /// Every formula, ask and topic rule matching `text`, and for a short block (at most
    /// eight words) every call-to-action rule matching the whole of it: names and kinds.
    pub fn matching<'r>(
        &'r self,
        text: &str,
        words: usize,
    ) -> impl Iterator<Item = (&'r str, &'static str)> + 'r {
        let (formulas, asks) = (self.formula.meta.len(), self.ask.meta.len());
        let in_text = self.text_matches(text).map(move |i| {
            if i < formulas {
                (self.formula.meta[i].0.as_str(), "formula")
            } else if i < formulas + asks {
                (self.ask.meta[i - formulas].0.as_str(), "ask")
            } else {
                (self.topic.meta[i - formulas - asks].0.as_str(), "topic")
            }
        });
        let cta = (words <= 8)
            .then_some(self.cta.set.as_ref())
            .flatten()
            .map(|set| set.matches(text.trim()).into_iter().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|i| (self.cta.meta[i].0.as_str(), "cta"));
        in_text.collect::<Vec<_>>().into_iter().chain(cta)
    }

    /// Names of the class rules matching one class or id name.
    pub fn matching_class<'r>(&'r self, class: &str) -> impl Iterator<Item = &'r str> + 'r {
        self.class
            .set
            .as_ref()
            .map(|set| set.matches(class).into_iter().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|i| self.class.meta[i].0.as_str())
    }

    /// The first rule of any kind that matches a block, with its category: how the user's
    /// rules decide (they override the scorer).
    pub fn first_match(
        &self,
        text: &str,
        words: usize,
        classes: &[String],
        enabled: impl Fn(Category) -> bool + Copy,
    ) -> Option<(&str, Category)> {
        let found = self.scan(text, enabled);
        found
            .formula
            .or(found.ask)
            .or(found.topic)
            .or_else(|| {
                (words <= 8)
                    .then(|| self.cta.first(text.trim(), enabled))
                    .flatten()
            })
            .or_else(|| classes.iter().find_map(|c| self.class.first(c, enabled)))
    }

    pub fn is_empty(&self) -> bool {
        [
            &self.formula,
            &self.ask,
            &self.topic,
            &self.cta,
            &self.class,
        ]
        .iter()
        .all(|k| k.meta.is_empty())
    }
}

/// Checks one user rule (for config validation).
pub fn check(spec: &RuleSpec) -> Result<(), RuleError> {
    KindRules::new(&[spec], false).map(|_| ())
}

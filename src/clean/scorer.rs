//! The appeal scorer: a logistic regression per block, boosted trees over its context, and a
//! category model, trained by `train-appeals` from the labelled corpora and shipped in
//! `assets/appeal-model.tsv`.
//!
//! * Stage one reads each block alone: words, word pairs, stems and word vectors, shape,
//!   voice, built-in rule matches, HTML structure, position and topic
//!   (`features`).
//! * Stage two (trees, `forest`) reads the block in its article: its own stage-one
//!   score beside its neighbours' and the article's, with its shape and position. Appeals
//!   come in runs at the edges of an article; a story about a fundraiser is surrounded by
//!   more story. No single signal can veto or force a verdict.
//! * The category model names what a hidden block is (donation, paywall, …) when no
//!   built-in rule does.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::blocks::Block;
use super::features::{self, feature_id, Features, IdMap};
use super::forest::{Forest, Node};
use super::rules::Rules;
use super::Category;

pub const BUILTIN_MODEL: &str = include_str!("../../assets/appeal-model.tsv");

pub const CATEGORIES: [Category; 7] = [
    Category::Donation,
    Category::Paywall,
    Category::Subscribe,
    Category::Newsletter,
    Category::Promo,
    Category::Nav,
    Category::Footer,
];

/// Feature weights by hashed name; the names themselves are kept to explain verdicts.
#[derive(Debug, Clone, Default)]
pub struct Weights {
    pub map: IdMap<f32>,
    pub names: IdMap<String>,
}

impl Weights {
    pub fn insert(&mut self, name: &str, weight: f32) {
        let id = feature_id(&[name]);
        self.map.insert(id, weight);
        self.names.insert(id, name.to_string());
    }

    pub fn get(&self, name: &str) -> f32 {
        self.map.get(&feature_id(&[name])).copied().unwrap_or(0.0)
    }

    pub fn dot(&self, f: &Features) -> f32 {
        self.get("bias")
            + f.ids
                .iter()
                .map(|(id, v)| self.map.get(id).map_or(0.0, |w| w * v))
                .sum::<f32>()
    }

    /// The features that pushed hardest towards hiding, with their names.
    fn reasons(&self, f: &Features, count: usize) -> Vec<String> {
        let mut pushes: Vec<(f32, u64)> = f
            .ids
            .iter()
            .filter_map(|(id, v)| self.map.get(id).map(|w| (w * v, *id)))
            .filter(|(p, _)| *p > 0.05)
            .collect();
        pushes.sort_by(|a, b| b.0.total_cmp(&a.0));
        pushes.dedup_by_key(|p| p.1);
        pushes
            .iter()
            .take(count)
            .filter_map(|(_, id)| self.names.get(id).cloned())
            .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Blocks whose stage-two probability reaches this are hidden.
    pub threshold: f32,
    pub stage1: Weights,
    pub stage2: Forest,
    pub categories: Vec<(Category, Weights)>,
}

#[derive(Debug, thiserror::Error)]
#[error("appeal model, line {line}: {message}")]
pub struct ModelError {
    pub line: usize,
    pub message: String,
}

/// The scorer's judgement of an article: each block's hide probability, and what is needed
/// to name and explain a verdict, which only the blocks actually hidden ask for.
#[derive(Debug, Clone)]
pub struct Scores {
    pub probabilities: Vec<f32>,
    first: Vec<Features>,
    context: Vec<Features>,
}

enum NodeLine<'a> {
    Split(&'a str, f32, usize, usize),
    Leaf(f32),
}

pub fn builtin() -> &'static Model {
    static MODEL: LazyLock<Model> = LazyLock::new(|| {
        Model::parse(BUILTIN_MODEL).expect("assets/appeal-model.tsv is checked by a unit test")
    });
    &MODEL
}

/// Stage-one log-odds below which a block counts as plain article text (p < 5%): where it
/// and its neighbours are that plain, the trees are not asked. Cross-validation gives the same
/// figures with this gate at 2%, 5% and 10%; 5% asks the trees for fewer blocks.
const PLAIN_LOGIT: f32 = -2.9;

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// Stage one's features for every block of an article.
pub fn block_features(blocks: &[Block], rules: &Rules, named: bool) -> Vec<Features> {
    let mut reads = super::map_in_halves(blocks, |b| features::read(b, rules, named));
    features::place(&mut reads);
    reads.into_iter().map(|r| r.features).collect()
}

/// Stage two's features: each block's stage-one logit among its neighbours' probabilities.
pub fn context_features(first: &[Features], logits: &[f32], named: bool) -> Vec<Features> {
    let n = logits.len();
    // Lengths of the neighbours: a run of short lines after the story is a menu or a list
    // of links; a short line between paragraphs is a subheading.
    let length_id = feature_id(&["len:log"]);
    let length: Vec<f32> = first
        .iter()
        .map(|f| {
            f.ids
                .iter()
                .find(|(id, _)| *id == length_id)
                .map_or(0.0, |(_, v)| *v)
        })
        .collect();
    let len_at = |i: isize| -> f32 {
        if i < 0 || i as usize >= n {
            -0.2
        } else {
            length[i as usize]
        }
    };
    let p: Vec<f32> = logits.iter().map(|z| sigmoid(*z)).collect();
    let at = |i: isize| -> f32 {
        if i < 0 || i as usize >= n {
            0.0
        } else {
            p[i as usize]
        }
    };
    let mean = p.iter().sum::<f32>() / n.max(1) as f32;
    let high = p.iter().filter(|x| **x >= 0.5).count() as f32 / n.max(1) as f32;
    // The highest probability before each block, and from each block on.
    let max_before: Vec<f32> = std::iter::once(0.0)
        .chain(p.iter().scan(0.0f32, |m, x| {
            *m = m.max(*x);
            Some(*m)
        }))
        .collect();
    let mut max_after = vec![0.0f32; n + 1];
    for i in (0..n).rev() {
        max_after[i] = max_after[i + 1].max(p[i]);
    }
    (0..n)
        .map(|i| {
            let k = i as isize;
            let values = [
                logits[i].clamp(-12.0, 12.0) / 4.0,
                p[i],
                at(k - 1),
                at(k + 1),
                at(k - 2),
                at(k + 2),
                at(k - 1).min(at(k - 2)),
                at(k + 1).min(at(k + 2)),
                at(k - 1).min(at(k + 1)),
                mean,
                p[i] - mean,
                high,
                max_before[i],
                max_after[i + 1],
                len_at(k - 1),
                len_at(k + 1),
                if i == 0 { 1.0 } else { 0.0 },
                if i + 1 == n { 1.0 } else { 0.0 },
            ];
            Features {
                ids: CONTEXT_IDS.iter().copied().zip(values).collect(),
                names: named.then(|| CONTEXT.iter().map(|s| s.to_string()).collect()),
                wording_end: 0,
            }
        })
        .collect()
}

/// Stage two's own features, in the order `context_features` computes them.
const CONTEXT: [&str; 18] = [
    "ctx:self",
    "ctx:self-p",
    "ctx:prev",
    "ctx:next",
    "ctx:prev2",
    "ctx:next2",
    "ctx:prev-both",
    "ctx:next-both",
    "ctx:between",
    "ctx:doc-mean",
    "ctx:above-mean",
    "ctx:doc-high",
    "ctx:max-before",
    "ctx:max-after",
    "ctx:prev-length",
    "ctx:next-length",
    "ctx:first",
    "ctx:last",
];

static CONTEXT_IDS: LazyLock<[u64; 18]> = LazyLock::new(|| CONTEXT.map(|name| feature_id(&[name])));

impl Model {
    /// Scores every block of an article.
    pub fn score(&self, blocks: &[Block], rules: &Rules) -> Scores {
        let first = block_features(blocks, rules, false);
        let (context, probabilities) = self.stage2(&first);
        Scores {
            probabilities,
            first,
            context,
        }
    }

    /// What block `i` of `scores` would be hidden as, and the signals that weighed most
    /// towards hiding it.
    pub fn explain(&self, scores: &Scores, i: usize) -> (Category, Vec<String>) {
        let f1 = &scores.first[i];
        (self.category(f1), self.reasons(f1, &scores.context[i]))
    }

    /// Hide probabilities of an article's blocks from their stage-one features.
    pub fn probabilities(&self, first: &[Features]) -> Vec<f32> {
        self.stage2(first).1
    }

    fn stage2(&self, first: &[Features]) -> (Vec<Features>, Vec<f32>) {
        // Both stages per block on rayon's two threads for a long article, like the features.
        let logits: Vec<f32> = super::map_in_halves(first, |f| self.stage1.dot(f));
        let context = context_features(first, &logits, false);
        // Where neither a block nor its neighbours look in the least like an appeal (most of
        // a long article), the trees are not asked: that is what keeps scoring fast.
        let plain = |i: usize| {
            let lo = i.saturating_sub(1);
            let hi = (i + 2).min(logits.len());
            logits[lo..hi].iter().all(|z| *z < PLAIN_LOGIT)
        };
        let indices: Vec<usize> = (0..first.len()).collect();
        let p = super::map_in_halves(&indices, |&i| {
            if plain(i) {
                0.0
            } else {
                sigmoid(
                    self.stage2
                        .margin(&self.stage2.row(&[&first[i], &context[i]])),
                )
            }
        });
        (context, p)
    }

    pub fn category(&self, f: &Features) -> Category {
        self.categories
            .iter()
            .map(|(c, w)| (*c, w.dot(f)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(Category::Promo, |(c, _)| c)
    }

    fn reasons(&self, f1: &Features, f2: &Features) -> Vec<String> {
        let mut reasons = self.stage1.reasons(f1, 3);
        let value = |name: &str| {
            let id = feature_id(&[name]);
            f2.ids
                .iter()
                .find(|(i, _)| *i == id)
                .map_or(0.0, |(_, v)| *v)
        };
        // The neighbours carried the verdict when the block alone looked like article.
        if value("ctx:self-p") < 0.5 && value("ctx:prev").max(value("ctx:next")) >= 0.5 {
            reasons.push("next to an appeal".to_string());
        }
        reasons
    }

    /// Reads the model file: `threshold`; `s1` (stage one) and `cat CATEGORY` weight lines;
    /// `base`, `node` and `leaf` lines of stage two's trees.
    pub fn parse(text: &str) -> Result<Model, ModelError> {
        let mut model = Model::default();
        let mut categories: HashMap<&str, Weights> = HashMap::new();
        let mut columns: Vec<&str> = Vec::new();
        let mut nodes: Vec<(usize, usize, NodeLine)> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let err = |message: &str| ModelError {
                line: n + 1,
                message: message.to_string(),
            };
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let weight = |s: &str| s.parse::<f32>().map_err(|_| err("bad number"));
            match fields.as_slice() {
                ["threshold", t] => model.threshold = weight(t)?,
                ["s1", name, w] => model.stage1.insert(name, weight(w)?),
                ["base", v] => model.stage2.base = weight(v)?,
                ["node", t, n, column, threshold, left, right] => {
                    let index = |s: &str| s.parse::<usize>().map_err(|_| err("bad index"));
                    columns.push(column);
                    nodes.push((
                        index(t)?,
                        index(n)?,
                        NodeLine::Split(column, weight(threshold)?, index(left)?, index(right)?),
                    ));
                }
                ["leaf", t, n, v] => {
                    let index = |s: &str| s.parse::<usize>().map_err(|_| err("bad index"));
                    nodes.push((index(t)?, index(n)?, NodeLine::Leaf(weight(v)?)));
                }
                ["cat", c, name, w] => {
                    let w = weight(w)?;
                    CATEGORIES
                        .iter()
                        .find(|k| k.as_str() == *c)
                        .ok_or_else(|| err("unknown category"))?;
                    categories.entry(c).or_default().insert(name, w);
                }
                _ => return Err(err("expected threshold, s1, base, node, leaf or cat")),
            }
        }
        columns.sort_unstable();
        columns.dedup();
        let base = model.stage2.base;
        model.stage2 = Forest::with_columns(columns.iter().map(|c| c.to_string()).collect());
        model.stage2.base = base;
        for (t, n, node) in nodes {
            let bad = |message: &str| ModelError {
                line: 0,
                message: format!("tree {t}, node {n}: {message}"),
            };
            if t > model.stage2.trees.len() {
                return Err(bad("trees out of order"));
            }
            if t == model.stage2.trees.len() {
                model.stage2.trees.push(Vec::new());
            }
            let tree = &mut model.stage2.trees[t];
            if n != tree.len() {
                return Err(bad("nodes out of order"));
            }
            tree.push(match node {
                NodeLine::Leaf(v) => Node::Leaf(v),
                NodeLine::Split(column, threshold, left, right) => Node::Split {
                    column: columns.binary_search(&column).map_err(|_| bad("column"))?,
                    threshold,
                    left,
                    right,
                },
            });
        }
        for (t, tree) in model.stage2.trees.iter().enumerate() {
            let children_ok = tree.iter().all(|node| match node {
                Node::Split { left, right, .. } => *left < tree.len() && *right < tree.len(),
                Node::Leaf(_) => true,
            });
            if !children_ok {
                return Err(ModelError {
                    line: 0,
                    message: format!("tree {t}: a child out of range"),
                });
            }
        }
        model.categories = CATEGORIES
            .iter()
            .filter_map(|c| categories.remove(c.as_str()).map(|w| (*c, w)))
            .collect();
        if model.threshold <= 0.0 || model.stage1.map.is_empty() || model.stage2.trees.is_empty() {
            return Err(ModelError {
                line: 0,
                message: "no threshold or no weights".to_string(),
            });
        }
        Ok(model)
    }

    /// The model file, sorted, weights to 5 decimals: the same training gives the same bytes.
    pub fn to_tsv(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&format!("threshold\t{:.4}\n", self.threshold));
        let mut lines = Vec::new();
        let mut write = |prefix: &str, w: &Weights| {
            let mut rows: Vec<(&String, f32)> = w
                .names
                .iter()
                .map(|(id, name)| (name, w.map[id]))
                .filter(|(_, v)| v.abs() >= 5e-5)
                .collect();
            rows.sort_by(|a, b| a.0.cmp(b.0));
            for (name, v) in rows {
                lines.push(format!("{prefix}\t{name}\t{v:.5}"));
            }
        };
        write("s1", &self.stage1);
        for (c, w) in &self.categories {
            write(&format!("cat\t{}", c.as_str()), w);
        }
        lines.push(format!("base\t{:.5}", self.stage2.base));
        for (t, tree) in self.stage2.trees.iter().enumerate() {
            for (n, node) in tree.iter().enumerate() {
                lines.push(match node {
                    Node::Leaf(v) => format!("leaf\t{t}\t{n}\t{v:.5}"),
                    Node::Split {
                        column,
                        threshold,
                        left,
                        right,
                    } => format!(
                        "node\t{t}\t{n}\t{}\t{threshold}\t{left}\t{right}",
                        self.stage2.columns[*column]
                    ),
                });
            }
        }
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_reads_and_has_every_part() {
        let m = Model::parse(BUILTIN_MODEL).unwrap();
        assert!(m.threshold > 0.5 && m.threshold < 1.0, "{}", m.threshold);
        assert!(m.stage1.map.len() > 1000);
        assert!(!m.stage2.trees.is_empty());
        assert_eq!(m.categories.len(), CATEGORIES.len());
    }

    #[test]
    fn a_damaged_model_file_is_an_error_naming_the_line() {
        let bad = "threshold\t0.9\ns1\tw:x\tnot-a-number\n";
        let e = Model::parse(bad).err().unwrap();
        assert_eq!(e.line, 2, "{e}");
        let orphan = "threshold\t0.9\ns1\tw:x\t1\nbase\t0\nnode\t0\t0\tlen:log\t0.5\t1\t9\nleaf\t0\t1\t0.1\n";
        assert!(
            Model::parse(orphan).is_err(),
            "a child out of range is refused"
        );
    }
}

//! Small gradient-boosted trees over a block's dense features (shape, position, voice,
//! structure, rule kinds, stage-one scores of the block and its neighbours): the part of
//! the scorer that weighs signals *together* — a short line counts differently after the
//! article than above it.

use super::features::{feature_id, Features, IdMap};

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Split {
        column: usize,
        /// Values at or below go left.
        threshold: f32,
        left: usize,
        right: usize,
    },
    Leaf(f32),
}

#[derive(Debug, Clone, Default)]
pub struct Forest {
    /// Feature names of the columns, and their hashed ids.
    pub columns: Vec<String>,
    index: IdMap<usize>,
    pub base: f32,
    pub trees: Vec<Vec<Node>>,
}

impl Forest {
    pub fn with_columns(columns: Vec<String>) -> Forest {
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (feature_id(&[c]), i))
            .collect();
        Forest {
            columns,
            index,
            base: 0.0,
            trees: Vec::new(),
        }
    }

    /// Adds `other` (same columns) with its votes divided by `n`: n calls make an average.
    pub fn absorb(&mut self, other: Forest, n: f32) {
        self.base += other.base / n;
        for mut tree in other.trees {
            for node in &mut tree {
                if let Node::Leaf(v) = node {
                    *v /= n;
                }
            }
            self.trees.push(tree);
        }
    }

    pub fn row(&self, parts: &[&Features]) -> Vec<f32> {
        let mut x = vec![0.0; self.columns.len()];
        for f in parts {
            for (id, v) in &f.ids[f.wording_end..] {
                if let Some(c) = self.index.get(id) {
                    x[*c] = *v;
                }
            }
        }
        x
    }

    /// Log-odds of hiding.
    pub fn margin(&self, x: &[f32]) -> f32 {
        self.base + self.trees.iter().map(|tree| leaf_of(tree, x)).sum::<f32>()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct TreeOptions {
    pub trees: usize,
    pub depth: usize,
    pub rate: f32,
    /// Newton-step regulariser: leaves with little evidence stay near zero.
    pub lambda: f32,
    /// A split must leave at least this much hessian on each side.
    pub min_hessian: f32,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            trees: 60,
            depth: 3,
            rate: 0.25,
            lambda: 2.0,
            min_hessian: 2.0,
        }
    }
}

const BINS: usize = 32;

/// Boosts trees on rows `x` (one per block) for labels `y`. Deterministic.
pub fn train(columns: Vec<String>, x: &[Vec<f32>], y: &[bool], o: &TreeOptions) -> Forest {
    let mut forest = Forest::with_columns(columns);
    let m = forest.columns.len();
    let n = x.len();
    if n == 0 {
        return forest;
    }
    // Candidate thresholds per column: midpoints between quantiles of the values.
    let cuts: Vec<Vec<f32>> = (0..m)
        .map(|c| {
            let mut v: Vec<f32> = x.iter().map(|r| r[c]).collect();
            v.sort_by(f32::total_cmp);
            v.dedup();
            if v.len() <= BINS {
                v.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect()
            } else {
                let mut t: Vec<f32> = (1..BINS)
                    .map(|k| {
                        let i = k * v.len() / BINS;
                        (v[i - 1] + v[i]) / 2.0
                    })
                    .collect();
                t.dedup();
                t
            }
        })
        .collect();
    // Each value as the index of its bin.
    let bins: Vec<Vec<u8>> = x
        .iter()
        .map(|r| {
            (0..m)
                .map(|c| cuts[c].partition_point(|t| *t < r[c]) as u8)
                .collect()
        })
        .collect();
    let positives = y.iter().filter(|v| **v).count() as f32;
    let prior = ((positives + 1.0) / (n as f32 - positives + 1.0)).ln();
    forest.base = prior;
    let mut margin = vec![prior; n];
    let mut g = vec![0f32; n];
    let mut h = vec![0f32; n];
    for _ in 0..o.trees {
        for i in 0..n {
            let p = 1.0 / (1.0 + (-margin[i]).exp());
            g[i] = p - if y[i] { 1.0 } else { 0.0 };
            h[i] = (p * (1.0 - p)).max(1e-6);
        }
        let mut tree = Vec::new();
        let all: Vec<usize> = (0..n).collect();
        grow(&mut tree, &all, 0, &bins, &cuts, &g, &h, o);
        for (i, row) in x.iter().enumerate() {
            margin[i] += leaf_of(&tree, row);
        }
        forest.trees.push(tree);
    }
    forest
}

fn leaf_of(tree: &[Node], x: &[f32]) -> f32 {
    let mut n = 0;
    loop {
        match tree[n] {
            Node::Leaf(v) => return v,
            Node::Split {
                column,
                threshold,
                left,
                right,
            } => n = if x[column] <= threshold { left } else { right },
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn grow(
    tree: &mut Vec<Node>,
    rows: &[usize],
    depth: usize,
    bins: &[Vec<u8>],
    cuts: &[Vec<f32>],
    g: &[f32],
    h: &[f32],
    o: &TreeOptions,
) -> usize {
    let id = tree.len();
    let (gs, hs): (f32, f32) = rows
        .iter()
        .fold((0.0, 0.0), |a, &i| (a.0 + g[i], a.1 + h[i]));
    tree.push(Node::Leaf(-gs / (hs + o.lambda) * o.rate));
    if depth >= o.depth || hs < 2.0 * o.min_hessian {
        return id;
    }
    let score = |g: f32, h: f32| g * g / (h + o.lambda);
    let parent = score(gs, hs);
    let mut best: Option<(f32, usize, usize)> = None;
    for (c, column_cuts) in cuts.iter().enumerate() {
        if column_cuts.is_empty() {
            continue;
        }
        let mut hist = [(0f32, 0f32); BINS + 1];
        for &i in rows {
            let b = bins[i][c] as usize;
            hist[b].0 += g[i];
            hist[b].1 += h[i];
        }
        let (mut gl, mut hl) = (0.0, 0.0);
        for (b, _) in column_cuts.iter().enumerate() {
            gl += hist[b].0;
            hl += hist[b].1;
            let (gr, hr) = (gs - gl, hs - hl);
            if hl < o.min_hessian || hr < o.min_hessian {
                continue;
            }
            let gain = score(gl, hl) + score(gr, hr) - parent;
            if gain > 1e-6 && best.is_none_or(|(bg, _, _)| gain > bg) {
                best = Some((gain, c, b));
            }
        }
    }
    let Some((_, column, bin)) = best else {
        return id;
    };
    let (left_rows, right_rows): (Vec<usize>, Vec<usize>) = rows
        .iter()
        .partition(|&&i| (bins[i][column] as usize) <= bin);
    let left = grow(tree, &left_rows, depth + 1, bins, cuts, g, h, o);
    let right = grow(tree, &right_rows, depth + 1, bins, cuts, g, h, o);
    tree[id] = Node::Split {
        column,
        threshold: cuts[column][bin],
        left,
        right,
    };
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_learn_an_interaction_no_single_feature_shows() {
        // Hide when short AND at the end: either alone means nothing.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..400 {
            let short = (i % 2) as f32;
            let end = ((i / 2) % 2) as f32;
            x.push(vec![short, end]);
            y.push(short == 1.0 && end == 1.0);
        }
        let f = train(
            vec!["short".into(), "end".into()],
            &x,
            &y,
            &TreeOptions::default(),
        );
        assert!(f.margin(&[1.0, 1.0]) > 2.0);
        for other in [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]] {
            assert!(f.margin(&other) < -2.0, "{other:?}");
        }
    }
}

//! Trains the appeal scorer from the labelled corpora and writes `assets/appeal-model.tsv`,
//! or measures it on publishers it was not trained on.
//!
//! ```text
//! cargo run --release --bin train-appeals                 # write the model
//! cargo run --release --bin train-appeals -- --check      # the shipped model is reproducible
//! cargo run --release --bin train-appeals -- --cv         # leave-one-publisher-out figures
//! cargo run --release --bin train-appeals -- --cv --folds 10   # the same, quicker
//! TRAIN_APPEALS_SWEEP=1 …--cv     # also F1 and loss at fixed thresholds
//! TRAIN_APPEALS_VERBOSE=1 …--cv   # every misjudged block at p >= 0.7
//! TRAIN_STAGE1=1 …--cv            # stage one's probabilities alone (what stage two adds)
//! TRAIN_SHARE=0.5 …--cv           # each fold trained on half the other publishers
//! TRAIN_CV_SEED=1 …--cv --folds 10   # another dealing of the publishers into folds
//! ```
//! Corpus folders default to `../shared/corpus/appeals*`; `--corpus DIR` (repeatable)
//! names others. Each holds `NAME.txt`, `NAME.labels`, maybe `NAME.html`, and
//! `publishers.tsv` (document, publisher, group).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use tidings::clean::learn::{self, Counts, Doc, Options, Prepared};
use tidings::clean::{scorer, text_blocks, Category, Rules};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("train-appeals: {e:#}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    corpora: Vec<PathBuf>,
    out: PathBuf,
    check: bool,
    cv: bool,
    /// Cross-validate over this many folds of publishers instead of one per publisher.
    folds: Option<u64>,
}

fn args() -> Result<Args> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut a = Args {
        corpora: Vec::new(),
        out: root.join("assets/appeal-model.tsv"),
        check: false,
        cv: false,
        folds: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--corpus" => a
                .corpora
                .push(it.next().context("--corpus needs a folder")?.into()),
            "--out" => a.out = it.next().context("--out needs a path")?.into(),
            "--check" => a.check = true,
            "--cv" => a.cv = true,
            "--folds" => {
                let n = it.next().context("--folds needs a number")?;
                a.folds = Some(n.parse().with_context(|| format!("--folds {n:?}"))?);
            }
            other => bail!("unknown argument {other:?} (see the file's docs)"),
        }
    }
    if a.corpora.is_empty() {
        for set in ["appeals", "appeals-2", "appeals-3", "appeals-4"] {
            a.corpora.push(root.join("../shared/corpus").join(set));
        }
    }
    Ok(a)
}

fn run() -> Result<ExitCode> {
    let args = args()?;
    let rules = Rules::builtin()?;
    let mut sets: Vec<(String, Vec<Doc>)> = Vec::new();
    for dir in &args.corpora {
        let docs = load(dir).with_context(|| format!("reading {}", dir.display()))?;
        let name = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        sets.push((name, docs));
    }
    let prepared: Vec<(usize, Prepared)> = sets
        .iter()
        .enumerate()
        .flat_map(|(s, (_, docs))| docs.iter().map(move |d| (s, d)))
        .map(|(s, d)| (s, learn::prepare(d, &rules)))
        .collect();
    let mut options = Options::default();
    // Experiments only (the shipped model uses the defaults; `--check` fails with any set):
    // TRAIN_EPOCHS, TRAIN_RATE, TRAIN_L2, TRAIN_MIN_GROUPS, TRAIN_TREES, TRAIN_DEPTH,
    // TRAIN_LAMBDA, TRAIN_TREE_RATE, TRAIN_MAX_LOSS; and for `--cv`, TRAIN_SHARE (train each
    // fold on that share of the other publisher groups: a learning curve).
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(v) = env("TRAIN_EPOCHS") {
        options.epochs = v as usize;
    }
    if let Some(v) = env("TRAIN_RATE") {
        options.rate = v as f32;
    }
    if let Some(v) = env("TRAIN_L2") {
        options.l2 = v as f32;
    }
    if let Some(v) = env("TRAIN_MIN_GROUPS") {
        options.min_groups = v as usize;
    }
    if let Some(v) = env("TRAIN_TREES") {
        options.trees.trees = v as usize;
    }
    if let Some(v) = env("TRAIN_DEPTH") {
        options.trees.depth = v as usize;
    }
    if let Some(v) = env("TRAIN_LAMBDA") {
        options.trees.lambda = v as f32;
    }
    if let Some(v) = env("TRAIN_TREE_RATE") {
        options.trees.rate = v as f32;
    }
    if let Some(v) = env("TRAIN_MAX_LOSS") {
        options.max_loss = v as f32;
    }
    if let Some(v) = env("TRAIN_SHARE") {
        options.share = v as f32;
    }
    if args.cv {
        cross_validate(&sets, &prepared, &options, args.folds);
        return Ok(ExitCode::SUCCESS);
    }
    let docs: Vec<&Prepared> = prepared.iter().map(|(_, p)| p).collect();
    let model = learn::fit(&docs, &options);
    let groups: std::collections::BTreeSet<&str> = docs.iter().map(|d| d.group.as_str()).collect();
    let header = format!(
        "The appeal scorer of tidings. Written by `cargo run --release --bin train-appeals`;\n\
         do not edit: retrain. Trained on {} documents from {} publisher groups in {}.",
        docs.len(),
        groups.len(),
        sets.iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let text = model.to_tsv(&header);
    scorer::Model::parse(&text).context("the written model does not read back")?;
    if args.check {
        let shipped = std::fs::read_to_string(&args.out)
            .with_context(|| format!("reading {}", args.out.display()))?;
        if shipped != text {
            eprintln!("{} differs from what training writes", args.out.display());
            return Ok(ExitCode::from(1));
        }
        println!("{} is reproduced byte for byte", args.out.display());
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::write(&args.out, &text).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "wrote {} ({} bytes, threshold {:.4})",
        args.out.display(),
        text.len(),
        model.threshold
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads one labelled set: blocks split as the scorer splits them, structure from the HTML
/// where a document has it.
fn load(dir: &Path) -> Result<Vec<Doc>> {
    let publishers = std::fs::read_to_string(dir.join("publishers.tsv")).unwrap_or_default();
    let group: HashMap<&str, &str> = publishers
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() >= 3).then(|| (f[0], f[2]))
        })
        .collect();
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".labels"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    let mut docs = Vec::new();
    for name in names {
        let text = std::fs::read_to_string(dir.join(format!("{name}.txt")))?;
        let labels_text = std::fs::read_to_string(dir.join(format!("{name}.labels")))?;
        let labels: Vec<Option<Category>> = labels_text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut f = l.split('\t');
                match (f.next().map(str::trim), f.next().map(str::trim)) {
                    (Some("keep"), _) => Ok(None),
                    (Some("hide"), c) => Ok(Some(
                        scorer::CATEGORIES
                            .iter()
                            .copied()
                            .find(|k| Some(k.as_str()) == c)
                            .unwrap_or(Category::Promo),
                    )),
                    _ => bail!("{name}.labels: bad line {l:?}"),
                }
            })
            .collect::<Result<_>>()?;
        let html = std::fs::read_to_string(dir.join(format!("{name}.html"))).ok();
        let blocks = text_blocks(&text, html.as_deref());
        if blocks.len() != labels.len() {
            bail!(
                "{name}: {} blocks but {} labels",
                blocks.len(),
                labels.len()
            );
        }
        docs.push(Doc {
            group: group
                .get(name.as_str())
                .map_or_else(|| name.clone(), |g| g.to_string()),
            name,
            blocks,
            labels,
        });
    }
    Ok(docs)
}

fn cross_validate(
    sets: &[(String, Vec<Doc>)],
    prepared: &[(usize, Prepared)],
    o: &Options,
    folds: Option<u64>,
) {
    let docs: Vec<Prepared> = prepared.iter().map(|(_, p)| p.clone()).collect();
    let seed = std::env::var("TRAIN_CV_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let scored = learn::leave_one_group_out(&docs, o, folds, seed);
    let verdicts: Vec<Vec<bool>> = scored
        .iter()
        .map(|(p, t)| p.iter().map(|p| p >= t).collect())
        .collect();
    let mut by_set: BTreeMap<usize, Counts> = BTreeMap::new();
    let mut all = Counts::default();
    let mut by_category: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for ((set, doc), hide) in prepared.iter().zip(&verdicts) {
        for (label, h) in doc.labels.iter().zip(hide) {
            by_set.entry(*set).or_default().add(*h, label.is_some());
            all.add(*h, label.is_some());
            if let Some(c) = label {
                let e = by_category.entry(c.as_str()).or_default();
                e.1 += 1;
                if *h {
                    e.0 += 1;
                }
            }
        }
    }
    match folds {
        Some(k) => println!(
            "{k}-fold cross-validation by publisher over {} documents",
            docs.len()
        ),
        None => println!("leave-one-publisher-out over {} documents", docs.len()),
    }
    let line = |name: &str, c: &Counts| {
        println!(
            "{name:<12} hide-F1 {:.2}  article blocks lost {}/{} ({:.1}%)  appeals hidden {}/{}",
            c.f1(),
            c.article_lost,
            c.articles(),
            100.0 * c.article_lost as f64 / c.articles().max(1) as f64,
            c.hidden_right,
            c.hidden_right + c.missed
        )
    };
    for (set, c) in &by_set {
        line(&sets[*set].0, c);
    }
    line("all", &all);
    println!(
        "recall by category: {}",
        by_category
            .iter()
            .map(|(c, (h, n))| format!("{c} {h}/{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if std::env::var_os("TRAIN_APPEALS_SWEEP").is_some() {
        for t in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95] {
            let mut c = Counts::default();
            for ((_, doc), (p, _)) in prepared.iter().zip(&scored) {
                for (label, p) in doc.labels.iter().zip(p) {
                    c.add(*p >= t, label.is_some());
                }
            }
            line(&format!("p >= {t}"), &c);
        }
        // Threshold-free: how many appeals rank above all but 1% of the article blocks.
        let mut pooled: Vec<(f32, bool)> = prepared
            .iter()
            .zip(&scored)
            .flat_map(|((_, doc), (p, _))| {
                p.iter()
                    .zip(&doc.labels)
                    .map(|(p, l)| (*p, l.is_some()))
                    .collect::<Vec<_>>()
            })
            .collect();
        pooled.sort_by(|a, b| b.0.total_cmp(&a.0));
        let allowed = all.articles() / 100;
        let (mut tp, mut fp) = (0, 0);
        for (_, y) in &pooled {
            if *y {
                tp += 1;
            } else if fp == allowed {
                break;
            } else {
                fp += 1;
            }
        }
        println!("ranked: {tp} appeals above all but {allowed} article blocks");
    }
    if std::env::var_os("TRAIN_APPEALS_VERBOSE").is_some() {
        for ((_, doc), (p, _)) in prepared.iter().zip(&scored) {
            let blocks = &sets
                .iter()
                .flat_map(|(_, d)| d)
                .find(|d| d.name == doc.name)
                .unwrap()
                .blocks;
            for (i, ((label, p), b)) in doc.labels.iter().zip(p).zip(blocks).enumerate() {
                let h = *p >= 0.7;
                if label.is_some() != h {
                    let kind = match label {
                        Some(c) => format!("missed {:<10}", c.as_str()),
                        None => "LOST".to_string(),
                    };
                    let t: String = b.text.chars().take(100).collect();
                    println!(
                        "{kind:<17} {p:.2} {:<32} {i:>2}/{:<2} {t}",
                        doc.name.chars().take(32).collect::<String>(),
                        doc.labels.len()
                    );
                }
            }
        }
    }
}

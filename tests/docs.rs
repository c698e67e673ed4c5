//! README tells the truth about the program: every action's keys are listed where the
//! README lists keys, from the same table the keymap and the help overlay read, and every
//! config example in it parses.

use tidings::app::ACTIONS;
use tidings::keymap::{describe, parse_key};

fn readme_section(heading: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("{heading} in README"));
    let rest = &readme[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_string()
}

#[test]
fn readme_lists_a_default_key_of_every_action() {
    let keys = readme_section("### Keys");
    let quoted: Vec<&str> = keys.split('`').skip(1).step_by(2).collect();
    for info in ACTIONS {
        let shown: Vec<String> = info
            .keys
            .iter()
            .map(|k| describe(parse_key(k).unwrap()))
            .collect();
        assert!(
            shown.iter().any(|k| quoted.contains(&k.as_str())),
            "README's keys do not mention {:?} ({}): none of {shown:?} in {quoted:?}",
            info.action,
            info.help
        );
    }
}

#[test]
fn every_config_example_in_readme_parses() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 2, "README's toml examples");
    for block in blocks {
        if let Err(e) = tidings::config::Config::parse(block, std::path::Path::new("README.md")) {
            panic!("{e}\n{block}");
        }
    }
}

#[test]
fn config_example_toml_gives_every_colour_part_with_its_default() {
    let example = include_str!("../config.example.toml");
    for (name, default, _) in tidings::theme::PARTS {
        let line = format!("# {name} = \"{default}\"");
        assert!(example.contains(&line), "config.example.toml lacks {line}");
    }
}

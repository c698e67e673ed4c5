//! newsboat's `urls` file, for `tidings import`: its feeds with their tags and titles, its
//! query feeds as saved queries, and the `ignore-article` lines of its `config` file as
//! kill rules. Pure.
//!
//! A line is a feed's URL and then its tags, quoted as in a shell: `"~Title"` names the
//! feed, `!` hides it in newsboat (ignored here); `"query:Name:condition"` is a query feed;
//! `ignore-article FEED "condition"` (FEED a URL or `*`) a kill rule; `#` starts a comment.

use crate::opml::Subscription;

/// What a `urls` file holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Urls {
    pub feeds: Vec<Subscription>,
    /// Query feeds: name and condition, as written (checked by the importer).
    pub queries: Vec<(String, String)>,
    /// Kill rules: conditions, a feed's own narrowed to it with `feedurl`.
    pub ignore: Vec<String>,
    /// Lines not taken: 1-based line number and why.
    pub skipped: Vec<(usize, String)>,
}

/// Whether `text` is a `urls` file rather than OPML (which starts with `<`).
pub fn looks_like_urls(text: &str) -> bool {
    !text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
}

pub fn parse_urls(text: &str) -> Urls {
    let mut urls = Urls::default();
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(words) = shlex::split(line) else {
            urls.skipped.push((number, "a quote is not closed".into()));
            continue;
        };
        let Some((first, rest)) = words.split_first() else {
            continue;
        };
        if let Some(query) = first.strip_prefix("query:") {
            match query.split_once(':') {
                Some((name, condition)) if !name.trim().is_empty() => urls
                    .queries
                    .push((name.trim().to_string(), condition.trim().to_string())),
                _ => urls
                    .skipped
                    .push((number, "a query feed needs query:NAME:CONDITION".into())),
            }
            continue;
        }
        if first == "ignore-article" {
            match rest {
                [feed, condition] if feed == "*" => urls.ignore.push(condition.trim().to_string()),
                [feed, condition] => {
                    let feed = feed.replace('\\', "\\\\").replace('"', "\\\"");
                    urls.ignore
                        .push(format!("feedurl = \"{feed}\" and ({})", condition.trim()));
                }
                _ => urls.skipped.push((
                    number,
                    "ignore-article needs a feed (or *) and a condition".into(),
                )),
            }
            continue;
        }
        if first.starts_with("exec:") || first.starts_with("filter:") {
            urls.skipped.push((
                number,
                "exec: and filter: feeds run a command, which tidings does not".into(),
            ));
            continue;
        }
        let title = rest
            .iter()
            .find_map(|w| w.strip_prefix('~'))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let tags = rest
            .iter()
            .filter(|w| !w.starts_with('~') && w.as_str() != "!" && !w.trim().is_empty())
            .cloned()
            .collect();
        urls.feeds.push(Subscription {
            url: first.clone(),
            title,
            tags,
        });
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_tags_titles_and_query_feeds_are_read_as_newsboat_writes_them() {
        let text = "# my feeds\n\
            https://lwn.net/headlines/rss linux \"~LWN.net\" news\n\
            \n\
            https://example.org/hidden.xml ! \"two words\"\n\
            \"query:Unread Rust:unread = \\\"yes\\\" and title =~ \\\"rust\\\"\"\n\
            \"exec:~/bin/feed.sh\"\n\
            https://broken.example/ \"unclosed\n\
            query:nameless\n";
        let urls = parse_urls(text);
        assert_eq!(
            urls.feeds,
            [
                Subscription {
                    url: "https://lwn.net/headlines/rss".into(),
                    title: Some("LWN.net".into()),
                    tags: vec!["linux".into(), "news".into()],
                },
                Subscription {
                    url: "https://example.org/hidden.xml".into(),
                    title: None,
                    tags: vec!["two words".into()],
                },
            ]
        );
        assert_eq!(
            urls.queries,
            [(
                "Unread Rust".to_string(),
                "unread = \"yes\" and title =~ \"rust\"".to_string()
            )]
        );
        let rules = parse_urls(
            "ignore-article \"*\" \"title =~ \\\"^Sponsored\\\"\"\n\
             ignore-article \"https://a.example/rss?x=\\\"1\\\"\" \"age > 30\"\n\
             ignore-article \"*\"\n",
        );
        assert_eq!(
            rules.ignore,
            [
                "title =~ \"^Sponsored\"",
                "feedurl = \"https://a.example/rss?x=\\\"1\\\"\" and (age > 30)"
            ]
        );
        assert_eq!(rules.skipped.len(), 1);
        for rule in &rules.ignore {
            crate::query::ItemQuery::parse(rule).unwrap();
        }
        let lines: Vec<usize> = urls.skipped.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, [6, 7, 8]);
        assert!(looks_like_urls(text));
        assert!(!looks_like_urls("\u{feff}  <?xml version=\"1.0\"?><opml/>"));
    }
}

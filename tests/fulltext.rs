//! Feeds that carry only summaries: with `full_text = true`, a refresh stores each item's
//! page's main text, which then reads offline.

mod support;

use support::tmux::Session;
use support::{Route, Server};
use tidings::feed::poller::{self, Selection};
use tidings::model::FullText;
use tidings::store::HeadlineFilter;

fn page(i: usize) -> String {
    let body: String = (0..6)
        .map(|p| format!("<p>Story {i}, paragraph {p}: the night ferry crossed the harbour while the city council argued about timetables.</p>"))
        .collect();
    format!(
        "<!doctype html><html><head><title>Story {i}</title></head><body>\
         <nav><a href=\"/\">Home</a> · <a href=\"/world\">World desk menu</a></nav>\
         <article><h1>Story {i}</h1>{body}<p>Support The Harbour Times!</p><p>Please make a donation today — we rely on readers like you.</p><p>Donate now</p></article>\
         <footer>Site footer links</footer></body></html>"
    )
}

#[test]
fn full_text_is_stored_cleaned_in_the_reader_and_read_offline() {
    let server = Server::start();
    let mut items = String::new();
    for i in 0..3 {
        server.route(
            &format!("/story/{i}"),
            Route::Feed {
                body: page(i).into_bytes(),
                content_type: "text/html; charset=utf-8",
                etag: format!("\"s{i}\""),
            },
        );
        items.push_str(&format!(
            "<item><title>Story {i}</title><guid>s{i}</guid><link>{}</link><description>Only a summary {i}.</description></item>",
            server.url(&format!("/story/{i}"))
        ));
    }
    server.route(
        "/story/broken",
        Route::Status {
            code: 500,
            headers: vec![],
        },
    );
    items.push_str(&format!("<item><title>Broken</title><guid>b</guid><link>{}</link><description>Summary of the broken one.</description></item>", server.url("/story/broken")));
    server.feed(
        "/feed.xml",
        format!("<rss version=\"2.0\"><channel><title>Summaries</title>{items}</channel></rss>"),
    );

    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config.toml");
    std::fs::write(
        &config_path,
        format!(
            "[[feeds]]\nurl = \"{}\"\nfull_text = true\n",
            server.url("/feed.xml")
        ),
    )
    .unwrap();
    let config = tidings::config::Config::parse(
        &std::fs::read_to_string(&config_path).unwrap(),
        &config_path,
    )
    .unwrap();
    let cache = dir.path().join("cache.sqlite");
    let mut store = support::store(&dir, &config);
    let summary = poller::refresh(&mut store, &config, &Selection::default(), |_| {}).unwrap();
    assert_eq!(summary.full_texts, 3, "{summary}");

    let headlines = store.headlines(&HeadlineFilter::default()).unwrap();
    let story = headlines.iter().find(|h| h.title == "Story 1").unwrap();
    let article = store.article(story.id).unwrap().unwrap();
    assert_eq!(article.full_text, FullText::Page);
    assert!(
        article.content.contains("Story 1, paragraph 5"),
        "{}",
        article.content
    );
    assert!(
        !article.content.contains("World desk menu") && !article.content.contains("Site footer")
    );
    let broken = headlines.iter().find(|h| h.title == "Broken").unwrap();
    let article = store.article(broken.id).unwrap().unwrap();
    assert!(
        matches!(&article.full_text, FullText::Failed(e) if e.contains("HTTP 500")),
        "{:?}",
        article.full_text
    );
    assert!(article.content.contains("Summary of the broken one"));
    // A second refresh does not fetch the pages again.
    let again = poller::refresh(&mut store, &config, &Selection::default(), |_| {}).unwrap();
    assert_eq!(again.full_texts, 0);
    assert_eq!(server.requests_to("/story/1").len(), 1);
    drop(store);

    // Offline, in a real terminal: the full article, without its appeal.
    let name = format!("tidings-fulltext-{}", std::process::id());
    let command = format!(
        "{} --offline --config {} --cache {}",
        env!("CARGO_BIN_EXE_tidings"),
        config_path.display(),
        cache.display()
    );
    let Some(session) = Session::start(&name, 140, 40, &[&command]) else {
        return;
    };
    session.wait_for("the list", |s| s.contains("Story 1"));
    // Same dates, so newest stored first: Broken, Story 2, Story 1, Story 0.
    session.keys(&["j", "j", "Enter"]);
    let screen = session.wait_for("the full article", |s| s.contains("Story 1, paragraph 0"));
    assert!(screen.contains("full article"), "{screen}");
    // The appeal's ask is hidden (its title line is the scorer's call: see tests/appeals.rs).
    assert!(!screen.contains("Please make a donation today"), "{screen}");
    assert!(!screen.contains("Only a summary 1."), "{screen}");
}

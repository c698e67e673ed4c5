use super::*;
use crate::clean::FilterConfig;
use crate::model::{Article, Feed, FeedId, ItemId};
use std::sync::{Arc, OnceLock};

fn headline(id: i64, feed: i64, read: bool) -> Headline {
    Headline {
        id: ItemId(id),
        feed_id: FeedId(feed),
        title: format!("Item {id}"),
        published: Some(1_700_000_000 - id * 60),
        read,
        starred: false,
    }
}

fn feed(id: i64, unread: u32, tags: &[&str]) -> Feed {
    Feed {
        id: FeedId(id),
        url: format!("https://f{id}.example/feed"),
        title: format!("Feed {id}"),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        unread,
        last_success: None,
        last_error: None,
    }
}

fn app_with(items: Vec<Headline>) -> App {
    let mut app = App::new(Cleaner::new(&FilterConfig::default()).unwrap(), (100, 30));
    app.update(Event::FeedsLoaded(vec![
        feed(1, 2, &["news"]),
        feed(2, 1, &[]),
    ]));
    app.update(Event::HeadlinesLoaded(items));
    app
}

fn article(id: i64) -> Article {
    Article {
        id: ItemId(id),
        feed_id: FeedId(1),
        feed_title: "Feed 1".into(),
        title: format!("Item {id}"),
        author: None,
        link: Some("https://example.org/a".into()),
        published: None,
        content: (0..60).map(|i| format!("<p>Paragraph {i}.</p>")).collect(),
        full_text: Default::default(),
        siblings: Vec::new(),
        media: Vec::new(),
    }
}

#[test]
fn moving_down_and_up_stays_in_bounds() {
    let mut app = app_with(vec![
        headline(1, 1, false),
        headline(2, 1, false),
        headline(3, 2, true),
    ]);
    app.update(Event::Action(Action::Up));
    assert_eq!(app.list.selected, 0);
    app.update(Event::Action(Action::Down));
    app.update(Event::Action(Action::Down));
    app.update(Event::Action(Action::Down));
    assert_eq!(app.list.selected, 2);
    app.update(Event::Action(Action::Top));
    assert_eq!(app.list.selected, 0);
    app.update(Event::Action(Action::Bottom));
    assert_eq!(app.list.selected, 2);
}

#[test]
fn opening_marks_read_and_loads_the_article() {
    let mut app = app_with(vec![headline(1, 1, false), headline(2, 1, false)]);
    let cmds = app.update(Event::Action(Action::Open));
    assert_eq!(
        cmds,
        vec![
            Command::SetRead(vec![ItemId(1)], true),
            Command::LoadArticle(ItemId(1))
        ]
    );
    assert!(app.list.headlines[0].read);
    assert_eq!(app.sources.feeds[0].unread, 1);
    assert_eq!(app.focus, Focus::Article);
}

#[test]
fn opening_does_not_mark_read_when_configured_not_to() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    app.mark_read_on_open = false;
    assert_eq!(
        app.update(Event::Action(Action::Open)),
        vec![Command::LoadArticle(ItemId(1))]
    );
}

#[test]
fn selection_follows_its_item_when_new_items_arrive() {
    let mut app = app_with(vec![headline(1, 1, false), headline(2, 1, false)]);
    app.update(Event::Action(Action::Down));
    assert_eq!(app.list.selected_headline().unwrap().id, ItemId(2));
    app.update(Event::HeadlinesLoaded(vec![
        headline(9, 2, false),
        headline(8, 2, false),
        headline(1, 1, false),
        headline(2, 1, false),
    ]));
    assert_eq!(app.list.selected_headline().unwrap().id, ItemId(2));
}

#[test]
fn space_scrolls_the_article_then_opens_the_next_unread() {
    let mut app = app_with(vec![
        headline(1, 1, false),
        headline(2, 1, true),
        headline(3, 1, false),
    ]);
    app.update(Event::Action(Action::Open));
    app.update(Event::ArticleLoaded(Box::new(article(1))));
    let mut opened = None;
    for _ in 0..50 {
        let cmds = app.update(Event::Action(Action::Space));
        if let Some(Command::LoadArticle(id)) =
            cmds.iter().find(|c| matches!(c, Command::LoadArticle(_)))
        {
            opened = Some(*id);
            break;
        }
        assert!(app.article.open.as_ref().unwrap().scroll > 0);
    }
    assert_eq!(opened, Some(ItemId(3)), "skips the read item");
}

#[test]
fn next_unread_skips_read_items() {
    let mut app = app_with(vec![
        headline(1, 1, false),
        headline(2, 1, true),
        headline(3, 1, false),
    ]);
    app.update(Event::Action(Action::NextUnread));
    assert_eq!(app.list.selected, 2);
    app.update(Event::Action(Action::PrevUnread));
    assert_eq!(app.list.selected, 0);
}

#[test]
fn toggles_send_state_changes_to_the_cache() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    assert_eq!(
        app.update(Event::Action(Action::ToggleRead)),
        vec![Command::SetRead(vec![ItemId(1)], true)]
    );
    assert_eq!(
        app.update(Event::Action(Action::ToggleStar)),
        vec![Command::SetStarred(ItemId(1), true)]
    );
    assert!(app.list.headlines[0].starred);
}

#[test]
fn mark_all_read_marks_only_unread_shown_items() {
    let mut app = app_with(vec![
        headline(1, 1, false),
        headline(2, 1, true),
        headline(3, 2, false),
    ]);
    assert_eq!(
        app.update(Event::Action(Action::MarkAllRead)),
        vec![Command::SetRead(vec![ItemId(1), ItemId(3)], true)]
    );
    assert_eq!(
        app.sources.unread_count(),
        1,
        "feed 1 had 2 unread, now 1; feed 2 now 0"
    );
}

#[test]
fn unread_only_reloads_with_the_filter() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    let cmds = app.update(Event::Action(Action::UnreadOnly));
    assert_eq!(
        cmds,
        vec![Command::LoadHeadlines(Query {
            unread_only: true,
            feeds: None,
            search: None,
            matching: None
        })]
    );
}

#[test]
fn a_20_kb_paste_into_the_search_prompt_is_cut_and_enter_still_searches() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    app.update(Event::Action(Action::Search));
    for _ in 0..20_000 {
        app.update(Event::PromptKey(PromptKey::Char('x')));
    }
    let cmds = app.update(Event::PromptKey(PromptKey::Enter));
    assert!(!app.wants_text(), "Enter closed the prompt");
    match cmds.as_slice() {
        [Command::LoadHeadlines(Query {
            search: Some(q), ..
        })] => assert_eq!(q.chars().count(), crate::app::PROMPT_MAX),
        other => panic!("{other:?}"),
    }
}

#[test]
fn search_prompt_collects_text_and_queries_the_cache() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    app.update(Event::Action(Action::Search));
    assert!(app.wants_text());
    for c in "ferry".chars() {
        app.update(Event::PromptKey(PromptKey::Char(c)));
    }
    let cmds = app.update(Event::PromptKey(PromptKey::Enter));
    assert_eq!(
        cmds,
        vec![Command::LoadHeadlines(Query {
            unread_only: false,
            feeds: None,
            search: Some("ferry".into()),
            matching: None
        })]
    );
    assert!(!app.wants_text());
    // Esc on the list clears the search.
    let cmds = app.update(Event::Action(Action::Back));
    assert_eq!(cmds, vec![Command::LoadHeadlines(Query::default())]);
}

#[test]
fn picking_a_tag_filters_to_its_feeds() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    app.update(Event::Action(Action::PickFeed));
    app.update(Event::Action(Action::Down)); // "#news" comes right after "All feeds"
    let cmds = app.update(Event::Action(Action::Open));
    assert_eq!(
        cmds,
        vec![Command::LoadHeadlines(Query {
            unread_only: false,
            feeds: Some(vec![FeedId(1)]),
            search: None,
            matching: None
        })]
    );
    assert_eq!(app.overlay, None);
}

#[test]
fn q_closes_an_overlay_before_quitting() {
    let mut app = app_with(vec![]);
    app.update(Event::Action(Action::Help));
    assert_eq!(app.update(Event::Action(Action::Quit)), vec![]);
    assert!(!app.quit && app.overlay.is_none());
    assert_eq!(app.update(Event::Action(Action::Quit)), vec![Command::Quit]);
    assert!(app.quit);
}

#[test]
fn links_that_are_not_web_links_are_never_opened() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    let mut a = article(1);
    a.link = Some("javascript:alert(1)".into());
    app.update(Event::ArticleLoaded(Box::new(a)));
    assert_eq!(app.update(Event::Action(Action::OpenLink)), vec![]);
    assert_eq!(app.update(Event::Action(Action::CopyLink)), vec![]);
    for bad in ["data:text/html,x", "file:///etc/passwd", "ftp://x/y"] {
        assert!(!is_safe_link(bad));
    }
    let mut b = article(1);
    b.link = Some("https://example.org/x".into());
    app.update(Event::ArticleLoaded(Box::new(b)));
    assert_eq!(
        app.update(Event::Action(Action::OpenLink)),
        vec![Command::OpenUrl("https://example.org/x".into())]
    );
}

#[test]
fn reveal_hidden_toggles_and_is_saved() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    let cmds = app.update(Event::Action(Action::RevealHidden));
    assert_eq!(
        cmds,
        vec![Command::SaveSetting("reveal_hidden".into(), "true".into())]
    );
    assert!(app.article.reveal);
}

#[test]
fn feed_errors_from_a_refresh_reach_the_status() {
    let mut app = app_with(vec![]);
    app.update(Event::RefreshStarted { total: 3 });
    app.update(Event::RefreshProgress {
        done: 1,
        total: 3,
        failed: Some((FeedId(2), "HTTP 404 Not Found".into())),
    });
    assert_eq!(app.status.refresh, Some((1, 3)));
    assert_eq!(
        app.status.errors,
        [(FeedId(2), "HTTP 404 Not Found".to_string())]
    );
    // The same feed failing again replaces its entry: errors are keyed by feed.
    app.update(Event::RefreshProgress {
        done: 2,
        total: 3,
        failed: Some((FeedId(2), "HTTP 500".into())),
    });
    assert_eq!(app.status.errors, [(FeedId(2), "HTTP 500".to_string())]);
    let cmds = app.update(Event::RefreshFinished {
        summary: "3 feeds".into(),
    });
    assert_eq!(app.status.refresh, None);
    assert!(cmds.contains(&Command::LoadFeeds));
}

#[test]
fn layout_adapts_to_the_terminal_size() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    app.update(Event::Action(Action::Open));
    app.update(Event::ArticleLoaded(Box::new(article(1))));
    app.update(Event::Resize(160, 48));
    let l = app.layout();
    assert!(l.list.is_some() && l.article.is_some());
    assert_eq!(l.list.unwrap().y, l.article.unwrap().y, "side by side");
    app.update(Event::Resize(40, 10));
    let l = app.layout();
    assert!(
        l.list.is_none() && l.article.is_some(),
        "narrow: article full screen"
    );
    app.update(Event::Action(Action::Back));
    let l = app.layout();
    assert!(l.list.is_some());
}

#[test]
fn full_text_key_fetches_the_open_articles_page_and_reloads_it() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    assert!(
        app.update(Event::Action(Action::FullText)).is_empty(),
        "no article open"
    );
    app.update(Event::ArticleLoaded(Box::new(article(1))));
    assert_eq!(
        app.update(Event::Action(Action::FullText)),
        vec![Command::FetchFullText(
            ItemId(1),
            "https://example.org/a".into()
        )]
    );
    assert_eq!(
        app.update(Event::FullTextDone(ItemId(1), Ok(()))),
        vec![Command::LoadArticle(ItemId(1))]
    );
    app.update(Event::FullTextDone(ItemId(1), Err("HTTP 404".into())));
    assert!(app.status.message.as_deref().unwrap().contains("HTTP 404"));
}

#[test]
fn reopening_an_article_reuses_its_rendering() {
    let mut app = app_with(vec![headline(1, 1, false), headline(2, 1, false)]);
    app.update(Event::ArticleLoaded(Box::new(article(1))));
    let first = app
        .article
        .open
        .as_ref()
        .unwrap()
        .lines(app.article_geometry().0, false)
        .as_ptr();
    app.update(Event::ArticleLoaded(Box::new(article(2))));
    app.update(Event::ArticleLoaded(Box::new(article(1))));
    let again = app
        .article
        .open
        .as_ref()
        .unwrap()
        .lines(app.article_geometry().0, false)
        .as_ptr();
    assert_eq!(first, again, "the same rendered lines, not a new cleaning");
    // Changed content (a full article arrived) is cleaned afresh.
    let mut changed = article(1);
    changed.content = "<p>Now the whole story.</p>".into();
    app.update(Event::ArticleLoaded(Box::new(changed)));
    assert_eq!(
        app.article
            .open
            .as_ref()
            .unwrap()
            .lines(app.article_geometry().0, false)[0]
            .text,
        "Now the whole story."
    );
}

#[test]
fn a_second_refresh_while_one_runs_is_refused_with_a_message() {
    let mut app = app_with(vec![headline(1, 1, false)]);
    assert_eq!(
        app.update(Event::Action(Action::RefreshAll)),
        vec![Command::Refresh(None)]
    );
    assert_eq!(app.status.refresh, Some((0, 0)));
    assert!(app.update(Event::Action(Action::RefreshFeed)).is_empty());
    assert_eq!(
        app.status.message.as_deref(),
        Some("a refresh is already running")
    );
    app.update(Event::RefreshFinished {
        summary: "done".into(),
    });
    assert_eq!(
        app.update(Event::Action(Action::RefreshFeed)),
        vec![Command::Refresh(Some(vec![FeedId(1)]))]
    );
}

#[test]
fn without_a_cleaner_articles_open_whole_and_the_reader_says_why() {
    let cell = Arc::new(OnceLock::from(Err(
        "the filter rules do not compile: x".to_string()
    )));
    let mut app = App::with_cleaner(cell, (100, 30));
    app.update(Event::HeadlinesLoaded(vec![headline(1, 1, false)]));
    app.update(Event::Action(Action::Open));
    app.update(Event::ArticleLoaded(Box::new(article(1))));
    let open = app.article.open.as_ref().unwrap();
    let (width, _) = app.article_geometry();
    assert!(open
        .lines(width, false)
        .iter()
        .any(|l| l.text.contains("Paragraph 59.")));
    assert_eq!(
        app.status.message.as_deref(),
        Some("appeals are not hidden: the filter rules do not compile: x")
    );
}

//! The reader drawn into ratatui's TestBackend: whole screens as insta snapshots, styles
//! and hostile text checked cell by cell.

mod support;

use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use ratatui::Terminal;
use support::screen;
use tidings::app::{Action, App, Event, PromptKey};
use tidings::clean::{Cleaner, FilterConfig};
use tidings::model::{Article, Feed, FeedId, Headline, ItemId};

const NOV_26: i64 = 1_795_687_200; // 2026-11-26 10:00 UTC

fn feeds() -> Vec<Feed> {
    vec![
        Feed {
            id: FeedId(1),
            url: "https://desk.example/feed".into(),
            title: "World Desk".into(),
            tags: vec!["news".into()],
            unread: 2,
            last_success: Some(NOV_26),
            last_error: None,
        },
        Feed {
            id: FeedId(2),
            url: "https://notes.example/atom".into(),
            title: "Field Notes".into(),
            tags: vec![],
            unread: 1,
            last_success: None,
            last_error: None,
        },
    ]
}

fn headlines() -> Vec<Headline> {
    let h = |id: i64, feed: i64, title: &str, read: bool, starred: bool| Headline {
        id: ItemId(id),
        feed_id: FeedId(feed),
        title: title.into(),
        published: Some(NOV_26 - id * 3600 * 20),
        read,
        starred,
    };
    vec![
        h(
            1,
            1,
            "Harbour ferries return after a winter of repairs",
            false,
            false,
        ),
        h(
            2,
            1,
            "Syrian Opposition Coalition 'Not Ready' to Join Russia Peace Talks – Leader",
            false,
            true,
        ),
        h(3, 2, "A field guide to city lichens", true, false),
        h(4, 2, "Why the comet faded", false, false),
    ]
}

fn article() -> Article {
    Article {
        id: ItemId(2),
        feed_id: FeedId(1),
        feed_title: "World Desk".into(),
        title: "Syrian Opposition Coalition 'Not Ready' to Join Russia Peace Talks – Leader".into(),
        author: Some("Reuters".into()),
        link: Some("https://www.themoscowtimes.com/2015/01/06/syria".into()),
        published: Some(NOV_26),
        full_text: Default::default(),
        siblings: Vec::new(),
        media: Vec::new(),
        content: std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/seed-article.html"
        ))
        .unwrap(),
    }
}

fn app(w: u16, h: u16) -> App {
    let mut app = App::new(Cleaner::new(&FilterConfig::default()).unwrap(), (w, h));
    app.help = tidings::keymap::Keymap::new(&Default::default()).help();
    app.update(Event::FeedsLoaded(feeds()));
    app.update(Event::HeadlinesLoaded(headlines()));
    app
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal.draw(|f| tidings::ui::draw(f, app)).unwrap();
    terminal
}

fn open_article(app: &mut App) {
    app.update(Event::Action(Action::Down));
    app.update(Event::Action(Action::Open));
    app.update(Event::ArticleLoaded(Box::new(article())));
}

#[test]
fn list_and_article_at_80x24() {
    let mut app = app(80, 24);
    open_article(&mut app);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn list_and_article_side_by_side_at_160x48() {
    let mut app = app(160, 48);
    open_article(&mut app);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn the_article_hides_the_appeal_and_says_so() {
    let mut app = app(160, 48);
    open_article(&mut app);
    let text = screen(&draw(&app));
    assert!(text.contains("ISTANBUL"));
    // The founding case: the story, and nothing of the appeal — its title above the
    // story, its body and its links.
    assert!(!text.contains("Support The Moscow Times!"));
    assert!(!text.contains("small favor to ask"));
    assert!(!text.contains("Your support, no matter how small"));
    assert!(text.contains("7 appeal blocks hidden — H reveals"));
    // H shows them in place, dimmed and labelled.
    app.update(Event::Action(Action::RevealHidden));
    app.update(Event::Action(Action::Bottom));
    let t = draw(&app);
    let text = screen(&t);
    assert!(text.contains("hidden: donation"));
    let buf = t.backend().buffer();
    let row = (0..buf.area.height)
        .find(|y| screen_row(&t, *y).contains("small favor to ask"))
        .unwrap();
    let col = screen_row(&t, row).find("small favor").unwrap() as u16;
    assert!(buf[(col, row)].modifier.contains(Modifier::DIM));
}

fn screen_row(t: &Terminal<TestBackend>, y: u16) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

#[test]
fn navigation_moves_the_highlight_and_unread_is_bold() {
    let mut app = app(80, 24);
    app.update(Event::Action(Action::Down));
    app.update(Event::Action(Action::Down));
    let t = draw(&app);
    let buf = t.backend().buffer();
    // Row 1 of the list is the first headline (row 0 is the border).
    assert!(
        buf[(2, 1)].modifier.contains(Modifier::BOLD),
        "unread is bold"
    );
    assert!(!buf[(2, 1)].modifier.contains(Modifier::REVERSED));
    assert!(
        buf[(2, 3)].modifier.contains(Modifier::REVERSED),
        "third row selected"
    );
    assert!(
        !buf[(2, 3)].modifier.contains(Modifier::BOLD),
        "read item is not bold"
    );
    assert!(screen_row(&t, 2).contains('★'), "starred mark");
}

#[test]
fn unread_only_title_and_empty_state() {
    let mut app = app(80, 24);
    app.update(Event::Action(Action::UnreadOnly));
    app.update(Event::HeadlinesLoaded(vec![]));
    let text = screen(&draw(&app));
    assert!(text.contains("0 shown, 0 unread · unread only"));
    assert!(text.contains("No unread items. u shows all."));
}

#[test]
fn search_prompt_and_results() {
    let mut app = app(80, 24);
    app.update(Event::Action(Action::Search));
    for c in "comet".chars() {
        app.update(Event::PromptKey(PromptKey::Char(c)));
    }
    let t = draw(&app);
    assert!(screen_row(&t, 23).starts_with("/comet"));
    app.update(Event::PromptKey(PromptKey::Enter));
    app.update(Event::HeadlinesLoaded(vec![headlines()[3].clone()]));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn help_overlay_lists_the_keys() {
    let mut app = app(80, 40);
    app.update(Event::Action(Action::Help));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn a_feed_error_shows_in_the_status_bar_and_the_sidebar() {
    let mut app = app(100, 24);
    app.update(Event::RefreshStarted { total: 2 });
    app.update(Event::RefreshProgress {
        done: 1,
        total: 2,
        failed: Some((
            FeedId(2),
            "HTTP 404 Not Found: no feed at this address".into(),
        )),
    });
    let mut f = feeds();
    f[1].last_error = Some("HTTP 404 Not Found".into());
    app.update(Event::FeedsLoaded(f));
    app.update(Event::Action(Action::ToggleSidebar));
    let t = draw(&app);
    let status = screen_row(&t, 23);
    assert!(status.contains("refreshing 1/2"), "{status}");
    assert!(status.contains("! Field Notes: HTTP 404"), "{status}");
    let text = screen(&t);
    assert!(
        text.contains("!Field Notes"),
        "sidebar marks the failing feed"
    );
}

#[test]
fn escape_sequences_in_titles_are_drawn_harmlessly() {
    let mut app = app(80, 24);
    let mut h = headlines();
    h[0].title = "Evil \u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}title\u{9b}31m here".into();
    app.update(Event::HeadlinesLoaded(h));
    let t = draw(&app);
    let text = screen(&t);
    assert!(text.contains("Evil title here"), "{text}");
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
}

#[test]
fn cjk_titles_are_cut_at_their_display_width() {
    let mut app = app(50, 12);
    let mut h = headlines();
    h[0].title = "桜の開花予測、今年は例年より一週間早く見込み、気象庁が発表しました".into();
    app.update(Event::HeadlinesLoaded(h));
    let t = draw(&app);
    let row = screen_row(&t, 1);
    assert!(row.contains('…'), "{row}");
    assert!(row.ends_with('│'), "border intact: {row}");
    assert_eq!(
        unicode_width::UnicodeWidthStr::width(row.as_str()),
        50 + count_wide(&row),
        "{row}"
    );
}

/// TestBackend stores a wide character in one cell and a blank in the next; each blank
/// after a wide char is counted twice by a width sum of the row string.
fn count_wide(row: &str) -> usize {
    row.chars()
        .filter(|c| unicode_width::UnicodeWidthChar::width(*c) == Some(2))
        .count()
}

#[test]
fn every_size_down_to_40x10_draws() {
    for (w, h) in [
        (40, 10),
        (41, 11),
        (60, 15),
        (119, 30),
        (120, 30),
        (200, 60),
    ] {
        let mut app = app(w, h);
        open_article(&mut app);
        let text = screen(&draw(&app));
        assert!(
            text.contains("Syrian") || text.contains("Harbour"),
            "{w}x{h}:\n{text}"
        );
        app.update(Event::Action(Action::Back));
        let text = screen(&draw(&app));
        assert!(text.contains("shown"), "{w}x{h} list after back:\n{text}");
    }
}

/// Resizes race key presses: the frame being drawn can be smaller (or larger) than the size
/// the last resize event announced. Every size is laid out from the frame itself.
#[test]
fn drawing_into_a_frame_of_another_size_than_the_last_resize_never_panics() {
    let sizes = [
        (300, 100),
        (10, 3),
        (1, 1),
        (2, 2),
        (0, 0),
        (80, 24),
        (3, 40),
    ];
    for sidebar in [false, true] {
        for &(announced_w, announced_h) in &sizes {
            for &(frame_w, frame_h) in &sizes {
                let mut app = app(80, 24);
                if sidebar {
                    app.update(Event::Action(Action::ToggleSidebar));
                }
                open_article(&mut app);
                app.update(Event::Resize(announced_w, announced_h));
                app.update(Event::Action(Action::Down));
                let mut terminal = Terminal::new(TestBackend::new(frame_w, frame_h)).unwrap();
                terminal.draw(|f| tidings::ui::draw(f, &app)).unwrap();
            }
        }
    }
}

#[test]
fn an_untitled_feed_is_named_by_its_address_without_its_credentials() {
    // As the cache gives it: a feed with no title yet, read from a real store.
    let dir = tempfile::tempdir().unwrap();
    let mut store = tidings::store::Store::open(&dir.path().join("cache.sqlite")).unwrap();
    store
        .sync_feeds(&[(
            "https://reader:hunter2@notes.example/atom".into(),
            None,
            vec![],
        )])
        .unwrap();
    let mut app = app(100, 24);
    app.update(Event::FeedsLoaded(store.feeds().unwrap()));
    app.update(Event::Action(Action::ToggleSidebar));
    let text = screen(&draw(&app));
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("https://***@notes.ex"), "{text}");
}

#[test]
fn dates_from_other_years_show_their_year() {
    let mut app = app(100, 24);
    app.this_year = Some(2026);
    let mut h = headlines();
    h[3].published = Some(NOV_26 - 400 * 86_400);
    app.update(Event::HeadlinesLoaded(h));
    let t = draw(&app);
    let text = screen(&t);
    assert!(text.contains("● Nov 25 "), "{text}");
    assert!(text.contains("● 2025   "), "{text}");
}

#[test]
fn the_article_keeps_its_text_when_the_sidebar_changes_its_width() {
    // 100×20: too small to stack, so the article is full screen when focused; `b` while
    // the list has focus narrows the article's width behind it.
    let mut app = app(100, 20);
    app.update(Event::Action(Action::Open));
    app.update(Event::ArticleLoaded(Box::new(article())));
    for action in [
        Action::SwitchFocus,
        Action::ToggleSidebar,
        Action::SwitchFocus,
    ] {
        app.update(Event::Action(action));
        let text = screen(&draw(&app));
        if app.layout().article.is_some() {
            assert!(text.contains("ISTANBUL"), "after {action:?}:\n{text}");
            assert!(!text.contains(" 0-0/0 "), "after {action:?}:\n{text}");
        }
    }
}

#[test]
fn a_plea_the_feed_repeats_in_every_item_is_hidden_and_labelled_so() {
    let mut app = app(120, 40);
    app.update(Event::Action(Action::Down));
    app.update(Event::Action(Action::Open));
    let story = |n: usize| {
        format!(
            "<p>Story {n}: the council voted on Tuesday to extend the harbour ferry service \
             through the winter, after months of complaints about cancelled crossings.</p>"
        )
    };
    let plea = "<p>If you enjoyed this story, consider sharing it with a friend.</p>";
    let mut a = article();
    a.content = format!("{}{plea}", story(1));
    a.siblings = (2..5).map(|n| format!("{}{plea}", story(n))).collect();
    app.update(Event::ArticleLoaded(Box::new(a)));
    let text = screen(&draw(&app));
    assert!(text.contains("Story 1: the council voted"), "{text}");
    assert!(!text.contains("consider sharing"), "{text}");
    assert!(text.contains("1 appeal block hidden"), "{text}");
    app.update(Event::Action(Action::RevealHidden));
    let text = screen(&draw(&app));
    assert!(text.contains("consider sharing"), "{text}");
    assert!(text.contains("repeated in 3 other"), "{text}");
}

#[test]
fn the_status_line_says_when_the_last_sync_was_and_what_waits_for_the_server() {
    let mut app = app(120, 30);
    let text = screen(&draw(&app));
    assert!(
        !text.contains("synced"),
        "no aggregator, no word of it: {text}"
    );
    app.update(Event::SyncStatus {
        synced_at: None,
        waiting: 0,
    });
    assert!(screen(&draw(&app)).contains("not synced yet"));
    app.update(Event::SyncStatus {
        synced_at: Some("09:41".into()),
        waiting: 0,
    });
    app.update(Event::SyncQueue(2));
    let text = screen(&draw(&app));
    assert!(text.contains("synced 09:41, 2 to send"), "{text}");
}

#[test]
fn a_podcast_episode_says_what_p_plays_and_p_asks_for_its_audio() {
    let mut app = app(120, 30);
    // Without an open article there is nothing to play.
    assert!(app.update(Event::Action(Action::PlayMedia)).is_empty());
    assert!(screen(&draw(&app)).contains("open an article to play its media"));
    app.update(Event::Action(Action::Down));
    app.update(Event::Action(Action::Open));
    let mut episode = article();
    episode.media = vec![
        tidings::model::Media {
            url: "https://cdn.example/cover.jpg".into(),
            mime: Some("image/jpeg".into()),
            bytes: None,
        },
        tidings::model::Media {
            url: "https://cdn.example/ep1.mp3".into(),
            mime: Some("audio/mpeg".into()),
            bytes: Some(42_000_000),
        },
    ];
    app.update(Event::ArticleLoaded(Box::new(episode)));
    let text = screen(&draw(&app));
    assert!(
        text.contains("▶ audio/mpeg, 40.1 MB — p plays (2 files)"),
        "{text}"
    );
    assert_eq!(
        app.update(Event::Action(Action::PlayMedia)),
        [tidings::app::Command::OpenMedia(
            "https://cdn.example/ep1.mp3".into()
        )]
    );
    // An article without files says so.
    app.update(Event::ArticleLoaded(Box::new(article())));
    app.update(Event::Action(Action::PlayMedia));
    assert!(screen(&draw(&app)).contains("this article has no podcast or video"));
}

#[test]
fn colours_from_the_config_are_drawn_and_no_color_keeps_only_attributes() {
    use ratatui::style::Color;
    let mut app = app(80, 24);
    let colors = [
        ("unread".to_string(), "yellow bold".to_string()),
        ("selected".to_string(), "black on cyan".to_string()),
    ]
    .into();
    app.theme = tidings::theme::Theme::from_config(&colors).unwrap();
    // Row 1 holds the highlighted headline; "Why the comet faded" is unread.
    let t = draw(&app);
    let buf = t.backend().buffer();
    let unread_row = (2..buf.area.height)
        .find(|y| screen_row(&t, *y).contains("Why the comet faded"))
        .unwrap();
    assert_eq!(buf[(20, unread_row)].fg, Color::Yellow);
    assert!(buf[(20, unread_row)].modifier.contains(Modifier::BOLD));
    assert_eq!(buf[(20, 1)].bg, Color::Cyan);
    assert_eq!(buf[(20, 1)].fg, Color::Black);

    app.theme = app.theme.clone().without_colors();
    let t = draw(&app);
    let buf = t.backend().buffer();
    assert_eq!(buf[(20, unread_row)].fg, Color::Reset);
    assert!(buf[(20, unread_row)].modifier.contains(Modifier::BOLD));
    assert_eq!(buf[(20, 1)].bg, Color::Reset);
}

#[test]
fn l_lists_the_articles_links_and_enter_opens_the_highlighted_one() {
    let mut app = app(120, 30);
    app.update(Event::Action(Action::Links));
    assert!(app.overlay.is_none());
    assert!(screen(&draw(&app)).contains("open an article to see its links"));
    app.update(Event::Action(Action::Down));
    app.update(Event::Action(Action::Open));
    let mut story = article();
    story.content = "<p>The ferries return, <a href=\"https://example.org/timetable\">the \
        timetable</a> says, with <img src=\"https://example.org/quay.jpg\" alt=\"the quay\">.</p>"
        .into();
    story.media = vec![tidings::model::Media {
        url: "https://cdn.example/ep.mp3".into(),
        mime: Some("audio/mpeg".into()),
        bytes: None,
    }];
    app.update(Event::ArticleLoaded(Box::new(story)));
    app.update(Event::Action(Action::Links));
    let text = screen(&draw(&app));
    assert!(text.contains("Links — Enter opens, y copies"), "{text}");
    for line in [
        "article    https://www.themoscowtimes.com/2015/01/06/syria",
        "[1]        https://example.org/timetable",
        "[2]        https://example.org/quay.jpg",
        "audio/mpeg https://cdn.example/ep.mp3",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    app.update(Event::Action(Action::Down));
    app.update(Event::Action(Action::Down));
    assert_eq!(
        app.update(Event::Action(Action::Open)),
        [tidings::app::Command::OpenUrl(
            "https://example.org/quay.jpg".into()
        )]
    );
    assert!(app.overlay.is_none());
    app.update(Event::Action(Action::Links));
    assert_eq!(
        app.update(Event::Action(Action::CopyLink)),
        [tidings::app::Command::CopyToClipboard(
            "https://www.themoscowtimes.com/2015/01/06/syria".into()
        )]
    );
}

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A panic caught inside third-party code (the feed parser, the extractor, the HTML
    // renderer) becomes that input's error; it is not printed as if tidings had crashed.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !tidings::clean::guard::in_isolated() {
            previous(info);
        }
    }));
    let cli = tidings::cli::Cli::parse();
    match tidings::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if tidings::commands::is_closed_stdout(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tidings: {e:#}");
            ExitCode::from(tidings::commands::exit_code_for(&e))
        }
    }
}

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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

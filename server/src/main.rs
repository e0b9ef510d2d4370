//! `mailportal`: parses the command line and configuration, then runs the command.

use clap::Parser;
use server::{
    cli::{self, Cli, Command},
    config::Config,
    Failure,
};
use std::{future::Future, process::ExitCode};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    // A command against a portal elsewhere reads no configuration file: the portal it
    // calls has its own, and this machine may have none.
    if let Some(url) = cli.url {
        let Some(token) = cli.token else {
            eprintln!("mailportal: --url needs --token (or MAILPORTAL_TOKEN)");
            return ExitCode::from(2);
        };
        let log = std::env::var("MAILPORTAL_LOG").unwrap_or_else(|_| "warn".into());
        log_to_stderr(&log);
        return run(cli::run_remote(command, &url, &token));
    }
    let env = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let config = match Config::load(cli.config.as_deref(), env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mailportal: {e}");
            return ExitCode::from(2);
        }
    };
    log_to_stderr(&config.log);
    run(cli::run(command, &config))
}

fn log_to_stderr(filter: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal; none in journald or a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Runs `command` to its end on a new runtime; how it ended as the exit code.
fn run(command: impl Future<Output = Result<(), Failure>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mailportal: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mailportal: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `signaling` as a library: the service (router, start-up, graceful shutdown) and its admin
//! commands. `main.rs` parses the command line and calls [`run`]; tests build the app in
//! process with [`app::prepare`] and start it with [`app::spawn`].

pub mod admin;
mod agent_download;
mod api_accounts;
mod api_mail;
mod api_queue;
mod api_queue_csr;
mod api_recordings;
mod api_routes;
mod api_sessions;
mod api_snippets;
mod api_survey;
mod api_team;
mod api_teams;
mod api_tokens;
mod api_webhooks;
pub mod app;
mod auth;
mod budget;
mod byte_range;
pub mod client_addr;
pub mod clock;
pub mod config;
mod conn_limit;
mod console;
mod csrf;
mod csv;
pub mod db;
mod edge;
mod error;
mod file_stream;
mod headers;
mod help_page;
mod hub;
mod idempotency;
mod join_page;
mod live_session;
mod login_limits;
mod mail_settings;
mod mail_text;
mod mailer;
pub mod metrics;
mod notices;
mod open_files;
mod openapi;
mod origin;
mod pages;
mod password_checks;
pub mod queue_rules;
mod ratelimit;
mod recording_space;
pub mod secrets;
pub mod state;
mod tls;
mod turn;
mod webhooks;
mod webm;
mod ws;

pub use app::{prepare, serve, spawn, Running, StartError};
pub use clock::{Clock, ManualClock};
pub use config::{Cli, Config, Settings};

use config::Command;
use std::process::ExitCode;

/// Runs what the command line asks for: the service (default) or an admin command.
pub fn run(cli: Cli) -> ExitCode {
    let config = match cli.settings.resolve() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logs(config.json_logs);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            open_files::raise(config.max_connections);
            let state = match app::prepare(config, Clock::System) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: cannot start: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let rt = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let result = rt.block_on(app::serve(state));
            // Work still running (a database call, say) gets a moment, not a wait without end.
            rt.shutdown_timeout(std::time::Duration::from_secs(1));
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Admin { action } => match admin::run(&config, action) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Logs go to standard error, human-readable or JSON; levels come from RUST_LOG.
pub fn init_logs(json: bool) {
    let filter = match std::env::var(tracing_subscriber::EnvFilter::DEFAULT_ENV) {
        Ok(spec) if !spec.trim().is_empty() => tracing_subscriber::EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            eprintln!("warning: RUST_LOG `{spec}` is not valid ({e}); logging at info");
            "info".into()
        }),
        _ => "info".into(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

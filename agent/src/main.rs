//! The customer's side of a support session: `agent` opens the window (Join screen);
//! `agent join <code-or-link> [--server URL]` joins in the terminal.

use agent::events::AgentEvent;
use agent::join::{self, Invitation};
use agent::session::{Options, Session};
use agent::ui::terminal::TerminalUi;
use agent::ui::UiInput;
use agent_core::transfer::Limits;
use clap::{Parser, Subcommand};
use media::audio::MicrophoneFallback;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::io::AsyncBufReadExt;

/// The support agent: join a support session with the code or link your support
/// representative gave you. Nothing on your computer is shared until you allow it.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Without a subcommand: the terminal instead of the window (for computers without a display).
    #[arg(long)]
    terminal: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Join a session.
    Join {
        /// The nine-digit code (spaces allowed, quote it) or the invitation link.
        invitation: String,
        /// The support server (needed with a code; a link already names it).
        #[arg(long, env = "AGENT_SERVER")]
        server: Option<String>,
        /// Your name as the support representative will see it.
        #[arg(long, default_value = "Customer")]
        name: String,
        /// Where offered files are saved [default: ~/Downloads, or the current folder].
        #[arg(long)]
        download_dir: Option<PathBuf>,
        /// The folder a representative may browse and move files in and out of, once you allow
        /// file transfer [default: your home folder].
        #[arg(long)]
        share: Option<PathBuf>,
        /// Largest file accepted, in MiB.
        #[arg(long, default_value_t = 4096)]
        max_file_mib: u64,
        /// Only relay (TURN) connections, never direct ones.
        #[arg(long)]
        relay_only: bool,
        /// When this computer has no microphone: send this WAV file (16-bit PCM, 48 kHz)
        /// instead of silence.
        #[arg(long, conflicts_with = "mic_tone")]
        mic_file: Option<PathBuf>,
        /// When this computer has no microphone: send a tone of this many hertz (for tests).
        #[arg(long)]
        mic_tone: Option<f64>,
        /// In the window instead of the terminal (it joins this invitation at once).
        #[arg(long)]
        window: bool,
    },
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    // With no arguments, a downloaded agent joins the invitation it carries (launch.rs), in
    // the window when there is a display.
    let cli = agent::launch::downloaded_args().map_or_else(Cli::parse, Cli::parse_from);
    let Some(Command::Join { invitation, server, name, download_dir, share, max_file_mib, relay_only, mic_file, mic_tone, window }) =
        cli.command
    else {
        return open_window(cli.terminal);
    };
    let Ok(rt) = tokio::runtime::Runtime::new() else {
        eprintln!("error: cannot start");
        return ExitCode::FAILURE;
    };
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    let download_dir = download_dir.unwrap_or_else(|| {
        let d = home.join("Downloads");
        if d.is_dir() {
            d
        } else {
            PathBuf::from(".")
        }
    });
    let limits = Limits { max_file_bytes: max_file_mib * 1024 * 1024, ..Limits::default() };
    let mic_fallback = match (mic_file, mic_tone) {
        (Some(path), _) => MicrophoneFallback::WavFile(path),
        (None, Some(hz)) => MicrophoneFallback::Tone { frequency_hz: hz, amplitude: 0.3 },
        (None, None) => MicrophoneFallback::Silence,
    };
    let opts =
        Options { download_dir, shared_root: share.unwrap_or(home), limits, bind_ip: [127, 0, 0, 1].into(), relay_only, mic_fallback };
    if window {
        drop(rt);
        let Some(invitation) = Invitation::parse(&invitation) else {
            eprintln!("That is neither a nine-digit code nor an invitation link. Check what your support representative gave you.");
            return ExitCode::from(2);
        };
        return agent::window::run(agent::window::Start { site: server, invitation: Some(invitation), name, options: opts });
    }
    let code = rt.block_on(run(invitation, server, name, opts));
    // The terminal reader blocks on standard input; do not wait for it.
    rt.shutdown_background();
    code
}

async fn run(typed: String, server: Option<String>, name: String, mut opts: Options) -> ExitCode {
    let Some(invitation) = Invitation::parse(&typed) else {
        eprintln!("That is neither a nine-digit code nor an invitation link. Check what your support representative gave you.");
        return ExitCode::from(2);
    };
    let server = match (&invitation, server) {
        (Invitation::Link { server, .. }, _) => server.clone(),
        (Invitation::Code(_), Some(s)) => s,
        (Invitation::Code(_), None) => {
            eprintln!("With a code, also give the support server: agent join CODE --server https://support.example.com");
            return ExitCode::from(2);
        }
    };
    println!("Joining the support session…");
    let seat = match join::join(&server, &invitation, &name).await {
        Ok(seat) => seat,
        Err(e) => {
            eprintln!("Cannot join: {e} (code {})", e.code());
            return ExitCode::FAILURE;
        }
    };
    opts.bind_ip = agent::rtc::route_ip_to_server(&server);

    let (link_tx, events_tx, events_rx) = agent::events::connect(server, seat.token.clone());
    let input = events_tx.clone();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if input.send(AgentEvent::Ui(UiInput::Line(line))).await.is_err() {
                return;
            }
        }
        let _ = input.send(AgentEvent::Ui(UiInput::Closed)).await;
    });
    let session = Session::new(TerminalUi::stdout(), seat.participant_id.as_str().into(), link_tx, events_tx, opts);
    session.run(events_rx).await;
    ExitCode::SUCCESS
}

/// `agent` with no subcommand: the window with its Join screen (the site from `AGENT_SERVER`).
fn open_window(terminal: bool) -> ExitCode {
    if terminal {
        eprintln!("In the terminal, join with: agent join CODE --server https://support.example.com");
        return ExitCode::from(2);
    }
    let site = std::env::var("AGENT_SERVER").ok().filter(|s| !s.trim().is_empty());
    let options = agent::window::default_options();
    agent::window::run(agent::window::Start { site, invitation: None, name: String::new(), options })
}

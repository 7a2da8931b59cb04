//! `agent` in its window: starts the window (`ui::window`) on the main thread and the session
//! side on tokio, which redeems the invitation the window gives (the Join screen, or one already
//! known) and then runs the same `Session` as the terminal with a [`WindowUi`], passing the
//! window's decisions in as customer input.

use crate::events::AgentEvent;
use crate::join;
use crate::join::Invitation;
use crate::session::{Options, Session};
use crate::ui::window::bridge::WindowUi;
use crate::ui::window::model::{Out, ToWindow};
use crate::ui::window::App;
use crate::ui::UiInput;
use std::process::ExitCode;
use std::sync::mpsc::Sender;
use std::time::Duration;
use tokio::sync::mpsc;

/// How the window starts.
pub struct Start {
    /// The support site, when known (`AGENT_SERVER`, or the download's invitation).
    pub site: Option<String>,
    /// An invitation already known (the download's): the window joins it at once.
    pub invitation: Option<Invitation>,
    /// The customer's name as support sees it (the Join screen asks when empty).
    pub name: String,
    pub options: Options,
}

/// Opens the window and runs until it closes; the session is left cleanly before.
pub fn run(start: Start) -> ExitCode {
    let Ok(rt) = tokio::runtime::Runtime::new() else {
        eprintln!("error: cannot start");
        return ExitCode::FAILURE;
    };
    let ctx = egui::Context::default();
    let (to_window, from_session) = std::sync::mpsc::channel();
    let (to_session, outs) = mpsc::unbounded_channel();
    // The session task owns resources that are not `Sync`: it runs on a thread of its own (on
    // the runtime), as under the terminal.
    let (handle, session_ctx, options) = (rt.handle().clone(), ctx.clone(), start.options);
    let app = App::new(start.site, start.name, start.invitation, from_session, to_session);
    let session = Some(std::thread::spawn(move || handle.block_on(drive(outs, to_window, session_ctx, options))));
    let result = crate::ui::window::shell::run(app, ctx);
    // The window closed: the session task says goodbye to signaling before the process ends.
    if let Some(task) = session {
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while !task.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    rt.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Cannot open the window: {e}. Without a display, use `agent join CODE --server URL` (the terminal).");
            ExitCode::FAILURE
        }
    }
}

/// Where files go and what is shared when nothing is said: as `agent join` does.
pub fn default_options() -> Options {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from).unwrap_or_else(|| ".".into());
    let downloads = home.join("Downloads");
    Options {
        download_dir: if downloads.is_dir() { downloads } else { ".".into() },
        shared_root: home,
        limits: agent_core::transfer::Limits { max_file_bytes: 4096 * 1024 * 1024, ..Default::default() },
        bind_ip: [127, 0, 0, 1].into(),
        relay_only: false,
        mic_fallback: media::audio::MicrophoneFallback::Silence,
    }
}

/// Runs until the session is over (or the window is gone before joining).
pub async fn drive(mut outs: mpsc::UnboundedReceiver<Out>, to_window: Sender<ToWindow>, ctx: egui::Context, mut opts: Options) {
    let (server, seat) = loop {
        let Some(out) = outs.recv().await else { return };
        let Out::Join { server, invitation, name } = out else { continue };
        match join::join(&server, &invitation, &name).await {
            Ok(seat) => break (server, seat),
            Err(e) => {
                let _ = to_window.send(ToWindow::JoinFailed(format!("Cannot join: {e}")));
                ctx.request_repaint();
            }
        }
    };
    opts.bind_ip = crate::rtc::route_ip_to_server(&server);
    let (link_tx, events_tx, events_rx) = crate::events::connect(server.clone(), seat.token.clone());
    let input = events_tx.clone();
    let (token, answers, wake) = (seat.token.clone(), to_window.clone(), ctx.clone());
    tokio::spawn(async move {
        while let Some(out) = outs.recv().await {
            match out {
                // Once the session ended (the window stays for the survey) nothing takes them.
                Out::Act(a) => {
                    let _ = input.send(AgentEvent::Ui(UiInput::Action(a))).await;
                }
                Out::Survey { rating, comment } => {
                    let answer = crate::survey::answer(&server, &token, rating, &comment).await;
                    let _ = answers.send(ToWindow::SurveyAnswered(answer));
                    wake.request_repaint();
                }
                _ => {}
            }
        }
        // The window closed without leaving (it was killed): leave now (nothing hears it once the
        // session is over).
        let _ = input.send(AgentEvent::Ui(UiInput::Closed)).await;
    });
    let ui = WindowUi::new(to_window, ctx);
    Session::new(ui, seat.participant_id.as_str().into(), link_tx, events_tx, opts).run(events_rx).await;
}

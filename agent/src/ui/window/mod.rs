//! The customer's window: egui (eframe, OpenGL) with AccessKit, so screen readers and the tests
//! find every control by its name. egui runs on the main thread; the session runs on tokio as
//! with the terminal. They talk over two channels: what to show ([`model::ToWindow`], sent by
//! [`bridge::WindowUi`]) and what the customer decided ([`model::Out`]).
//!
//! `model.rs` holds the window's state without I/O (tested); `app.rs`, `view.rs` and `bar.rs`
//! only draw it; `driver.rs` joins and runs the session.

mod app;
mod bar;
pub mod bridge;
mod driver;
pub mod model;
pub mod picture;
mod view;

use crate::join::Invitation;
use crate::session::Options;
use std::process::ExitCode;
use std::time::Duration;

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
    let native = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("Remote support")
            .with_app_id("remote-support-agent")
            .with_inner_size([560.0, 640.0])
            .with_min_inner_size([380.0, 420.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let mut session = None;
    let result = eframe::run_native(
        "Remote support",
        native,
        Box::new(|cc| {
            let (app, task) = app::App::new(&cc.egui_ctx, start, &rt);
            session = Some(task);
            Ok(Box::new(app))
        }),
    );
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

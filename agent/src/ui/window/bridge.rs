//! The window's side of the session task: [`WindowUi`] is the [`CustomerUi`] the session
//! drives. It passes what to show to the window's thread over a channel and wakes egui; the
//! window's clicks arrive as already-decided actions.

use super::model::ToWindow;
use super::picture;
use crate::ui::{CustomerAction, CustomerUi, GrantView, Notice, UiInput};
use protocol::ParticipantId;
use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// Fewest milliseconds between two camera pictures sent to the window (about 15 a second).
const PICTURE_EVERY: Duration = Duration::from_millis(66);
/// Fewest milliseconds between two pictures of a CSR's screen (5 a second: a screen shown to
/// explain something changes little, and each picture is up to 1280 pixels wide).
const SCREEN_EVERY: Duration = Duration::from_millis(200);

pub struct WindowUi {
    to_window: Sender<ToWindow>,
    ctx: egui::Context,
    last_picture: Option<Instant>,
    last_screen: HashMap<ParticipantId, Instant>,
}

impl WindowUi {
    pub fn new(to_window: Sender<ToWindow>, ctx: egui::Context) -> WindowUi {
        WindowUi { to_window, ctx, last_picture: None, last_screen: HashMap::new() }
    }

    fn send(&self, msg: ToWindow) {
        // The window is gone when this fails: the session is being left anyway.
        let _ = self.to_window.send(msg);
        self.ctx.request_repaint();
    }
}

impl CustomerUi for WindowUi {
    fn show(&mut self, notice: Notice) {
        match notice {
            // Stamped here, as it leaves for the window: the model computes speed from these.
            Notice::Transfer(view) => self.send(ToWindow::Transfer { view, at: Instant::now() }),
            other => self.send(ToWindow::Notice(other)),
        }
    }

    fn interpret(&mut self, input: UiInput) -> Option<CustomerAction> {
        match input {
            UiInput::Action(a) => Some(a),
            UiInput::Closed => Some(CustomerAction::Leave),
            // The window has no command line.
            UiInput::Line(_) => None,
        }
    }

    fn video_frame(&mut self, from: &str, frame: &media::I420Frame) {
        if self.last_picture.is_some_and(|t| t.elapsed() < PICTURE_EVERY) {
            return;
        }
        self.last_picture = Some(Instant::now());
        if let Some(p) = picture::from_i420(from, frame) {
            self.send(ToWindow::Picture(p));
        }
    }

    fn screen_frame(&mut self, csr: &ParticipantId, from: &str, frame: &media::I420Frame) {
        if self.last_screen.get(csr).is_some_and(|t| t.elapsed() < SCREEN_EVERY) {
            return;
        }
        self.last_screen.insert(csr.clone(), Instant::now());
        if let Some(picture) = picture::scaled(from, frame, picture::SCREEN_MAX_WIDTH) {
            self.send(ToWindow::Screen { csr: csr.clone(), picture });
        }
    }

    fn screen_gone(&mut self, csr: &ParticipantId) {
        self.last_screen.remove(csr);
        self.send(ToWindow::ScreenGone(csr.clone()));
    }

    fn wants_own_camera(&self) -> bool {
        true
    }

    fn own_camera(&mut self, frame: Option<&media::I420Frame>) {
        // A malformed picture is skipped, not taken for the camera's end.
        match frame {
            Some(f) => {
                if let Some(p) = picture::from_i420("you", f) {
                    self.send(ToWindow::OwnCamera(Some(p)));
                }
            }
            None => self.send(ToWindow::OwnCamera(None)),
        }
    }

    fn grants(&mut self, now: &[GrantView]) {
        self.send(ToWindow::Grants(now.to_vec()));
    }
}

//! The window's side of the session task: [`WindowUi`] is the [`CustomerUi`] the session
//! drives. It passes what to show to the window's thread over a channel and wakes egui; the
//! window's clicks arrive as already-decided actions.

use super::model::ToWindow;
use super::picture;
use crate::ui::{CustomerAction, CustomerUi, GrantView, Notice, UiInput};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// Fewest milliseconds between two camera pictures sent to the window (about 15 a second).
const PICTURE_EVERY: Duration = Duration::from_millis(66);

pub struct WindowUi {
    to_window: Sender<ToWindow>,
    ctx: eframe::egui::Context,
    last_picture: Option<Instant>,
}

impl WindowUi {
    pub fn new(to_window: Sender<ToWindow>, ctx: eframe::egui::Context) -> WindowUi {
        WindowUi { to_window, ctx, last_picture: None }
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

//! The window's list of file transfers, without I/O: each row is the core's latest
//! [`TransferView`] plus the recent reports it came with, stamped by the bridge when it forwarded
//! them, so speed and time left are computed here without reading the clock.

use crate::ui::size;
use agent_core::customer::{Direction, TransferState, TransferView};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Most rows kept: finished ones stay visible until newer transfers push them out.
pub const MAX_TRANSFERS: usize = 20;

/// Reports older than this (before the newest) no longer count towards the speed.
const SPEED_WINDOW: Duration = Duration::from_secs(3);

/// Shortest stretch of time a speed is computed over: two reports close together say little.
const SPEED_MIN_SPAN: Duration = Duration::from_millis(200);

/// Most reports kept per row (≈ 4 a second over the window, with room to spare).
const MAX_SAMPLES: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct TransferRow {
    pub view: TransferView,
    /// Recent (when forwarded, bytes done) of a running transfer, oldest first.
    samples: VecDeque<(Instant, u64)>,
}

impl TransferRow {
    fn new(view: TransferView) -> Self {
        TransferRow { view, samples: VecDeque::new() }
    }

    fn update(&mut self, view: TransferView, at: Instant) {
        if view.state == TransferState::Running {
            // A report that goes backwards (a transfer started over) restarts the window.
            if self.view.state != TransferState::Running || self.samples.back().is_some_and(|(_, d)| *d > view.done) {
                self.samples.clear();
            }
            self.samples.push_back((at, view.done));
            while self.samples.len() > MAX_SAMPLES
                || self.samples.front().is_some_and(|(t, _)| at.saturating_duration_since(*t) > SPEED_WINDOW)
            {
                self.samples.pop_front();
            }
        } else {
            self.samples.clear();
        }
        self.view = view;
    }

    pub fn finished(&self) -> bool {
        self.view.state != TransferState::Running
    }

    /// Bytes a second over the recent reports; `None` until there is enough to tell.
    pub fn speed(&self) -> Option<f64> {
        let ((t0, d0), (t1, d1)) = (self.samples.front()?, self.samples.back()?);
        let span = t1.saturating_duration_since(*t0);
        (span >= SPEED_MIN_SPAN).then(|| d1.saturating_sub(*d0) as f64 / span.as_secs_f64())
    }

    /// What is left at the current speed; `None` while unknown or stalled.
    pub fn time_left(&self) -> Option<Duration> {
        let speed = self.speed().filter(|s| *s > 0.0)?;
        let left = self.view.total.saturating_sub(self.view.done) as f64;
        Some(Duration::from_secs_f64(left / speed))
    }

    /// How much is done, 0 to 1 (an empty file is done when it is).
    pub fn fraction(&self) -> f32 {
        match (self.view.total, &self.view.state) {
            (_, TransferState::Done) => 1.0,
            (0, _) => 0.0,
            (total, _) => (self.view.done as f64 / total as f64).clamp(0.0, 1.0) as f32,
        }
    }

    /// The row in words: "manual.pdf from Alice: 3.1 MiB of 10.0 MiB, 1.2 MiB/s, about 12 s left",
    /// "manual.pdf from Alice: 10.0 MiB, done", or "…: 3.1 MiB of 10.0 MiB, failed: why".
    pub fn text(&self) -> String {
        let v = &self.view;
        let way = match v.direction {
            Direction::ToYou => "from",
            Direction::FromYou => "to",
        };
        let head = format!("{} {way} {}", v.name, v.csr_name);
        let amount = format!("{} of {}", size(v.done), size(v.total));
        match &v.state {
            TransferState::Done => format!("{head}: {}, done", size(v.total)),
            TransferState::Failed(why) => format!("{head}: {amount}, failed: {why}"),
            TransferState::Running => {
                let mut s = format!("{head}: {amount}");
                if let Some(speed) = self.speed().filter(|s| *s > 0.0) {
                    s += &format!(", {}/s", size(speed as u64));
                }
                if let Some(left) = self.time_left() {
                    s += &format!(", {}", time_left(left));
                }
                s
            }
        }
    }
}

/// "about 12 s left", "about 3 min left", "about 2 h left" (rounded up: never promises too soon).
pub fn time_left(left: Duration) -> String {
    let secs = left.as_secs_f64().ceil().max(1.0) as u64;
    if secs < 60 {
        format!("about {secs} s left")
    } else if secs < 3600 {
        format!("about {} min left", secs.div_ceil(60))
    } else {
        format!("about {} h left", secs.div_ceil(3600))
    }
}

/// The rows, oldest first, at most [`MAX_TRANSFERS`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransferList {
    rows: VecDeque<TransferRow>,
}

impl TransferList {
    /// The core's latest view of a transfer, as forwarded at `at`.
    pub fn apply(&mut self, view: TransferView, at: Instant) {
        if let Some(row) = self.rows.iter_mut().find(|r| r.view.transfer == view.transfer) {
            return row.update(view, at);
        }
        if self.rows.len() >= MAX_TRANSFERS {
            // The oldest finished row goes first; a running one only when all run.
            let oldest = self.rows.iter().position(TransferRow::finished).unwrap_or(0);
            self.rows.remove(oldest);
        }
        let mut row = TransferRow::new(view.clone());
        row.update(view, at);
        self.rows.push_back(row);
    }

    pub fn rows(&self) -> impl Iterator<Item = &TransferRow> {
        self.rows.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

//! The customer's window: egui drawn on the CPU (our own winit shell, no OpenGL) with AccessKit, so screen readers and the tests
//! find every control by its name. egui runs on the main thread; the session runs on tokio as
//! with the terminal (the top-level `window` module starts both). They talk over two channels: what to show
//! ([`model::ToWindow`], sent by [`bridge::WindowUi`]) and what the customer decided
//! ([`model::Out`]).
//!
//! `model.rs` holds the window's state without I/O (tested); `app.rs`, `view.rs` and `bar.rs`
//! only draw it.

mod app;
mod bar;
pub mod bridge;
pub mod model;
pub mod picture;
pub mod shell;
pub mod survey;
pub mod transfer_row;
mod view;

pub use app::App;

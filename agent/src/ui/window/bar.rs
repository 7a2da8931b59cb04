//! The small bar on top of every window while the screen is seen, controlled or recorded: says
//! who does what and has one Stop. A viewport of its own (an OS window, always on top), drawn
//! even while the main window is hidden or minimised.

use super::model::{Model, Out};
use eframe::egui;

const WIDTH: f32 = 460.0;
const HEIGHT: f32 = 40.0;

pub fn draw(ctx: &egui::Context, m: &Model) -> Vec<Out> {
    let Some(bar) = m.bar() else { return vec![] };
    let monitor = ctx.input(|i| i.viewport().monitor_size).unwrap_or(egui::vec2(1280.0, 720.0));
    let builder = egui::ViewportBuilder::default()
        .with_title(format!("Support: {}", bar.text))
        .with_app_id("remote-support-agent-bar")
        .with_inner_size([WIDTH, HEIGHT])
        .with_position([((monitor.x - WIDTH) / 2.0).max(0.0), 0.0])
        .with_decorations(false)
        .with_resizable(false)
        .with_taskbar(false)
        .with_window_level(egui::WindowLevel::AlwaysOnTop);
    ctx.show_viewport_immediate(egui::ViewportId::from_hash_of("watched-bar"), builder, |ui, _| {
        let mut stop = false;
        egui::CentralPanel::default().frame(egui::Frame::new().fill(egui::Color32::from_rgb(0x8a, 0x1c, 0x1c)).inner_margin(8.0)).show(
            ui,
            |ui| {
                ui.horizontal(|ui| {
                    if ui.button(egui::RichText::new("Stop").strong()).clicked() {
                        stop = true;
                    }
                    ui.label(egui::RichText::new(&bar.text).color(egui::Color32::WHITE));
                });
            },
        );
        if stop {
            bar.stops.iter().map(|c| m.stop(*c)).collect()
        } else {
            vec![]
        }
    })
}

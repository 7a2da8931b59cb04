//! The small bar on top of every window while the screen is seen, controlled or recorded: says
//! who does what and has one Stop. An OS window of its own (always on top, opened and closed by
//! the shell as the model says), drawn even while the main window is hidden or minimised.

use super::model::{Model, Out};

pub fn draw(ui: &mut egui::Ui, m: &Model) -> Vec<Out> {
    let Some(bar) = m.bar() else { return vec![] };
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
}

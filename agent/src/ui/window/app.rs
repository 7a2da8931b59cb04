//! The window's application: takes in what the session said, draws the model (main window and the
//! always-on-top bar), hands the customer's decisions to the session, and asks before closing.
//! egui repaints only when something happens (input, or the session waking it).

use super::model::{Model, Out, ToWindow};
use super::{bar, view};
use crate::join::Invitation;
use protocol::ParticipantId;
use std::collections::HashMap;
use std::sync::mpsc::Receiver;
use tokio::sync::mpsc::UnboundedSender;

pub struct App {
    model: Model,
    from_session: Receiver<ToWindow>,
    to_session: UnboundedSender<Out>,
    /// The newest camera picture of each CSR, by name, as a texture.
    pictures: HashMap<String, egui::TextureHandle>,
    /// The newest picture of each screen a CSR shows, by CSR, as a texture.
    screens: HashMap<ParticipantId, egui::TextureHandle>,
    /// The customer's own camera, as a texture, while it is sent.
    own_camera: Option<egui::TextureHandle>,
    closing: bool,
    title: String,
}

impl App {
    /// The window's state: the Join screen for `site`, or joining `invitation` at once; what
    /// the session says arrives on `from_session`, the customer's decisions leave on `to_session`.
    pub fn new(
        site: Option<String>,
        name: String,
        invitation: Option<Invitation>,
        from_session: Receiver<ToWindow>,
        to_session: UnboundedSender<Out>,
    ) -> App {
        let mut model = Model::new(site, name);
        if let Some(invitation) = invitation {
            let server = match &invitation {
                Invitation::Link { server, .. } => server.clone(),
                Invitation::Code(_) => model.site.clone(),
            };
            if !server.is_empty() {
                let _ = to_session.send(model.join_known(server, invitation));
            }
        }
        App {
            model,
            from_session,
            to_session,
            pictures: HashMap::new(),
            screens: HashMap::new(),
            own_camera: None,
            closing: false,
            title: String::new(),
        }
    }

    fn send(&self, outs: Vec<Out>) {
        for o in outs {
            // The session side is gone when this fails: the window is closing anyway.
            let _ = self.to_session.send(o);
        }
    }

    fn take_in(&mut self, ctx: &egui::Context) {
        while let Ok(msg) = self.from_session.try_recv() {
            if let ToWindow::Picture(p) = &msg {
                let image = egui::ColorImage::from_rgba_unmultiplied([p.width as usize, p.height as usize], &p.rgba);
                match self.pictures.get_mut(&p.from) {
                    Some(t) => t.set(image, egui::TextureOptions::LINEAR),
                    None => {
                        let t = ctx.load_texture(format!("camera-{}", p.from), image, egui::TextureOptions::LINEAR);
                        self.pictures.insert(p.from.clone(), t);
                    }
                }
            }
            if let ToWindow::Screen { csr, picture: p } = &msg {
                let image = egui::ColorImage::from_rgba_unmultiplied([p.width as usize, p.height as usize], &p.rgba);
                match self.screens.get_mut(csr) {
                    Some(t) => t.set(image, egui::TextureOptions::LINEAR),
                    None => {
                        let t = ctx.load_texture(format!("screen-{csr}"), image, egui::TextureOptions::LINEAR);
                        self.screens.insert(csr.clone(), t);
                    }
                }
            }
            if let ToWindow::OwnCamera(p) = &msg {
                self.own_camera = p.as_ref().map(|p| {
                    let image = egui::ColorImage::from_rgba_unmultiplied([p.width as usize, p.height as usize], &p.rgba);
                    match self.own_camera.take() {
                        Some(mut t) => {
                            t.set(image, egui::TextureOptions::LINEAR);
                            t
                        }
                        None => ctx.load_texture("own-camera", image, egui::TextureOptions::LINEAR),
                    }
                });
            }
            self.model.apply(msg);
        }
        if self.model.own_camera.is_none() {
            self.own_camera = None;
        }
        let shown: Vec<&String> = self.model.pictures.iter().map(|(n, _)| n).collect();
        self.pictures.retain(|n, _| shown.contains(&n));
        let screens: Vec<&ParticipantId> = self.model.screens.iter().map(|(c, _)| c).collect();
        self.screens.retain(|c, _| screens.contains(&c));
    }
}

impl App {
    /// The customer closes the main window: true when it may close now (otherwise the model
    /// asks first).
    pub fn close_requested(&mut self) -> bool {
        self.closing || self.model.close_requested()
    }

    /// What the bar says while it shows (None: no bar).
    pub fn bar_text(&self) -> Option<String> {
        self.model.bar().map(|b| b.text.clone())
    }

    /// One pass of the main window.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.take_in(&ctx);
        let title = self.model.title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        if self.model.should_close() && !self.closing {
            self.closing = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let textures = view::Textures { pictures: &self.pictures, screens: &self.screens, own_camera: self.own_camera.as_ref() };
        let outs = view::draw(ui, &mut self.model, &textures);
        self.send(outs);
    }

    /// One pass of the always-on-top bar.
    pub fn frame_bar(&mut self, ui: &mut egui::Ui) {
        let outs = bar::draw(ui, &self.model);
        self.send(outs);
    }
}

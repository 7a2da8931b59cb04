//! The window's thin driver: a winit event loop, one egui context and egui-winit state per OS
//! window (the main window and, while watched, the always-on-top bar), drawn by [`Raster`] and
//! shown with softbuffer. Nothing is drawn unless egui asks (input, the session waking it, an
//! animation), so an idle window costs no CPU.

use super::App;
use egui_winit::accesskit_winit;
use egui_winit::winit;
use std::num::NonZeroU32;
use std::rc::Rc;
use std::time::Instant;
use window_raster::{Frame, Raster};
use winit::application::ApplicationHandler;
use winit::event::{StartCause, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::window::{Window, WindowId};

const BAR_WIDTH: f32 = 460.0;
const BAR_HEIGHT: f32 = 40.0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Main,
    Bar,
}

enum UserEvent {
    /// egui asked `kind`'s window to be drawn again at `when`.
    Repaint {
        kind: Kind,
        when: Instant,
    },
    AccessKit(accesskit_winit::Event),
}

impl From<accesskit_winit::Event> for UserEvent {
    fn from(e: accesskit_winit::Event) -> UserEvent {
        UserEvent::AccessKit(e)
    }
}

struct Surface {
    window: Rc<Window>,
    ctx: egui::Context,
    state: egui_winit::State,
    surface: softbuffer::Surface<Rc<Window>, Rc<Window>>,
    raster: Raster,
    /// When egui wants this window drawn next (None: only on input).
    due: Option<Instant>,
    shown: bool,
}

impl Surface {
    fn open(
        event_loop: &ActiveEventLoop,
        proxy: &EventLoopProxy<UserEvent>,
        kind: Kind,
        ctx: egui::Context,
        attributes: winit::window::WindowAttributes,
    ) -> Result<Surface, String> {
        let window = Rc::new(event_loop.create_window(attributes.with_visible(false)).map_err(|e| e.to_string())?);
        let waker = proxy.clone();
        ctx.set_request_repaint_callback(move |info| {
            let _ = waker.send_event(UserEvent::Repaint { kind, when: Instant::now() + info.delay });
        });
        let mut state =
            egui_winit::State::new(ctx.clone(), egui::ViewportId::ROOT, event_loop, Some(window.scale_factor() as f32), None, None);
        state.init_accesskit(event_loop, &window, proxy.clone());
        let context = softbuffer::Context::new(window.clone()).map_err(|e| e.to_string())?;
        let surface = softbuffer::Surface::new(&context, window.clone()).map_err(|e| e.to_string())?;
        Ok(Surface { window, ctx, state, surface, raster: Raster::new(), due: Some(Instant::now()), shown: false })
    }

    /// Runs one egui pass with `ui` and shows the result; returns the viewport commands.
    fn draw(&mut self, mut ui: impl FnMut(&mut egui::Ui)) -> Vec<egui::ViewportCommand> {
        self.due = None;
        let mut input = self.state.take_egui_input(&self.window);
        if let Some(info) = input.viewports.get_mut(&egui::ViewportId::ROOT) {
            egui_winit::update_viewport_info(info, &self.ctx, &self.window, !self.shown);
        }
        let output = self.ctx.run_ui(input, |u| ui(u));
        self.state.handle_platform_output(&self.window, output.platform_output);
        let primitives = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        self.raster.set_textures(&output.textures_delta);
        let size = self.window.inner_size();
        if let (Some(w), Some(h)) = (NonZeroU32::new(size.width), NonZeroU32::new(size.height)) {
            if self.surface.resize(w, h).is_ok() {
                if let Ok(mut buffer) = self.surface.buffer_mut() {
                    let background = self.ctx.global_style().visuals.panel_fill;
                    let bg = (background.r() as u32) << 16 | (background.g() as u32) << 8 | background.b() as u32;
                    let mut frame = Frame { pixels: &mut buffer, width: w.get() as usize, height: h.get() as usize };
                    self.raster.paint(&mut frame, bg, output.pixels_per_point, &primitives);
                    let _ = buffer.present();
                }
            }
        }
        self.raster.free_textures(output.textures_delta);
        if !self.shown {
            self.shown = true;
            self.window.set_visible(true);
        }
        output.viewport_output.into_values().flat_map(|v| v.commands).collect()
    }
}

struct Shell {
    app: App,
    /// The main window's context (the session wakes it).
    ctx: egui::Context,
    proxy: EventLoopProxy<UserEvent>,
    main: Option<Surface>,
    bar: Option<Surface>,
    bar_text: String,
    error: Option<String>,
}

impl Shell {
    fn surface(&mut self, id: WindowId) -> Option<(Kind, &mut Surface)> {
        if self.main.as_ref().is_some_and(|s| s.window.id() == id) {
            return self.main.as_mut().map(|s| (Kind::Main, s));
        }
        if self.bar.as_ref().is_some_and(|s| s.window.id() == id) {
            return self.bar.as_mut().map(|s| (Kind::Bar, s));
        }
        None
    }

    fn draw_main(&mut self, event_loop: &ActiveEventLoop) {
        let Some(main) = self.main.as_mut() else { return };
        let app = &mut self.app;
        let commands = main.draw(|ui| app.frame(ui));
        if commands.iter().any(|c| matches!(c, egui::ViewportCommand::Close)) {
            event_loop.exit();
            return;
        }
        let mut info = egui::ViewportInfo::default();
        egui_winit::process_viewport_commands(&main.ctx, &mut info, commands, &main.window, &mut Vec::new());
        self.sync_bar(event_loop);
    }

    /// Opens, redraws or closes the bar as the model says.
    fn sync_bar(&mut self, event_loop: &ActiveEventLoop) {
        match self.app.bar_text() {
            None => {
                self.bar = None;
                self.bar_text.clear();
            }
            Some(text) if self.bar.is_none() => {
                let monitor = event_loop.primary_monitor().or_else(|| event_loop.available_monitors().next());
                let width = monitor.map(|m| m.size().width as f64 / m.scale_factor()).unwrap_or(1280.0);
                let attributes = Window::default_attributes()
                    .with_title(format!("Support: {text}"))
                    .with_inner_size(winit::dpi::LogicalSize::new(BAR_WIDTH, BAR_HEIGHT))
                    .with_position(winit::dpi::LogicalPosition::new(((width - BAR_WIDTH as f64) / 2.0).max(0.0), 0.0))
                    .with_decorations(false)
                    .with_resizable(false)
                    .with_window_level(winit::window::WindowLevel::AlwaysOnTop);
                let attributes = with_app_id(attributes, "remote-support-agent-bar");
                match Surface::open(event_loop, &self.proxy, Kind::Bar, egui::Context::default(), attributes) {
                    Ok(s) => {
                        self.bar = Some(s);
                        self.bar_text = text;
                    }
                    Err(e) => tracing::warn!("cannot open the bar: {e}"),
                }
            }
            Some(text) => {
                if text != self.bar_text {
                    if let Some(bar) = &self.bar {
                        bar.window.set_title(&format!("Support: {text}"));
                        bar.window.request_redraw();
                    }
                    self.bar_text = text;
                }
            }
        }
    }
}

fn with_app_id(attributes: winit::window::WindowAttributes, id: &str) -> winit::window::WindowAttributes {
    let attributes = winit::platform::x11::WindowAttributesExtX11::with_name(attributes, id, id);
    winit::platform::wayland::WindowAttributesExtWayland::with_name(attributes, id, id)
}

impl ApplicationHandler<UserEvent> for Shell {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.main.is_some() {
            return;
        }
        let attributes = Window::default_attributes()
            .with_title("Remote support")
            .with_inner_size(winit::dpi::LogicalSize::new(560.0, 640.0))
            .with_min_inner_size(winit::dpi::LogicalSize::new(380.0, 420.0));
        match Surface::open(event_loop, &self.proxy, Kind::Main, self.ctx.clone(), with_app_id(attributes, "remote-support-agent")) {
            Ok(s) => self.main = Some(s),
            Err(e) => {
                self.error = Some(e);
                event_loop.exit();
            }
        }
    }

    fn new_events(&mut self, _event_loop: &ActiveEventLoop, cause: StartCause) {
        if let StartCause::ResumeTimeReached { .. } = cause {
            let now = Instant::now();
            for s in [self.main.as_ref(), self.bar.as_ref()].into_iter().flatten() {
                if s.due.is_some_and(|d| d <= now) {
                    s.window.request_redraw();
                }
            }
        }
    }

    fn user_event(&mut self, _event_loop: &ActiveEventLoop, event: UserEvent) {
        match event {
            UserEvent::Repaint { kind, when } => {
                let s = match kind {
                    Kind::Main => self.main.as_mut(),
                    Kind::Bar => self.bar.as_mut(),
                };
                let Some(s) = s else { return };
                if when <= Instant::now() {
                    s.window.request_redraw();
                } else {
                    s.due = Some(s.due.map_or(when, |d| d.min(when)));
                }
            }
            UserEvent::AccessKit(accesskit_winit::Event { window_id, window_event }) => {
                let Some((_, s)) = self.surface(window_id) else { return };
                match window_event {
                    accesskit_winit::WindowEvent::InitialTreeRequested => {
                        s.ctx.enable_accesskit();
                        s.window.request_redraw();
                    }
                    accesskit_winit::WindowEvent::ActionRequested(request) => {
                        s.state.on_accesskit_action_request(request);
                        s.window.request_redraw();
                    }
                    accesskit_winit::WindowEvent::AccessibilityDeactivated => s.ctx.disable_accesskit(),
                }
            }
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, id: WindowId, event: WindowEvent) {
        let Some((kind, _)) = self.surface(id) else { return };
        if let WindowEvent::RedrawRequested = event {
            match kind {
                Kind::Main => self.draw_main(event_loop),
                Kind::Bar => {
                    let app = &mut self.app;
                    if let Some(bar) = self.bar.as_mut() {
                        bar.draw(|ui| app.frame_bar(ui));
                    }
                    // A Stop changes the model the main window shows.
                    if let Some(main) = &self.main {
                        main.window.request_redraw();
                    }
                }
            }
            return;
        }
        if let WindowEvent::CloseRequested = event {
            if kind == Kind::Main {
                if self.app.close_requested() {
                    event_loop.exit();
                } else if let Some(main) = &self.main {
                    main.window.set_visible(true);
                    main.window.focus_window();
                    main.window.request_redraw();
                }
            }
            return;
        }
        let Some((_, s)) = self.surface(id) else { return };
        let response = s.state.on_window_event(&s.window, &event);
        if response.repaint {
            s.window.request_redraw();
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        let due = [self.main.as_ref(), self.bar.as_ref()].into_iter().flatten().filter_map(|s| s.due).min();
        event_loop.set_control_flow(match due {
            Some(d) => ControlFlow::WaitUntil(d),
            None => ControlFlow::Wait,
        });
    }
}

/// Runs the window until it closes; `ctx` is the main window's context.
pub fn run(app: App, ctx: egui::Context) -> Result<(), String> {
    let event_loop = EventLoop::<UserEvent>::with_user_event().build().map_err(|e| e.to_string())?;
    let proxy = event_loop.create_proxy();
    let mut shell = Shell { app, ctx, proxy, main: None, bar: None, bar_text: String::new(), error: None };
    event_loop.run_app(&mut shell).map_err(|e| e.to_string())?;
    match shell.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

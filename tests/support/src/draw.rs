//! Draws known patterns on a test X server with plain X requests, as an application would.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ChangeGCAux, ConnectionExt, CreateGCAux, CreateWindowAux, EventMask, PropMode, Rectangle, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// A colour as 0xRRGGBB.
pub type Rgb = u32;

/// Quadrant colours of the test pattern: red, green, blue, white.
pub const QUADRANTS: [Rgb; 4] = [0xff0000, 0x00ff00, 0x0000ff, 0xffffff];

pub struct Painter {
    pub conn: RustConnection,
    pub root: u32,
}

impl Painter {
    pub fn connect(display: &str) -> Painter {
        let (conn, screen) = x11rb::connect(Some(display)).expect("connect to the test X server");
        let root = conn.setup().roots[screen].root;
        Painter { conn, root }
    }

    /// Fills `(x, y, w, h)` of `drawable` with `rgb`.
    pub fn fill(&self, drawable: u32, x: i16, y: i16, w: u16, h: u16, rgb: Rgb) {
        let gc = self.conn.generate_id().unwrap();
        self.conn.create_gc(gc, drawable, &CreateGCAux::new().foreground(rgb)).unwrap();
        self.conn.change_gc(gc, &ChangeGCAux::new().foreground(rgb)).unwrap();
        self.conn.poly_fill_rectangle(drawable, gc, &[Rectangle { x, y, width: w, height: h }]).unwrap();
        self.conn.free_gc(gc).unwrap();
        self.sync();
    }

    /// Four quadrants of [`QUADRANTS`] over `(x, y, w, h)` of `drawable`.
    pub fn quadrants(&self, drawable: u32, x: i16, y: i16, w: u16, h: u16) {
        let (hw, hh) = (w / 2, h / 2);
        self.fill(drawable, x, y, hw, hh, QUADRANTS[0]);
        self.fill(drawable, x + hw as i16, y, w - hw, hh, QUADRANTS[1]);
        self.fill(drawable, x, y + hh as i16, hw, h - hh, QUADRANTS[2]);
        self.fill(drawable, x + hw as i16, y + hh as i16, w - hw, h - hh, QUADRANTS[3]);
    }

    /// A mapped top-level window with a title and a background colour.
    pub fn window(&self, title: &str, x: i16, y: i16, w: u16, h: u16, rgb: Rgb) -> u32 {
        let id = self.conn.generate_id().unwrap();
        let aux = CreateWindowAux::new().background_pixel(rgb).event_mask(EventMask::EXPOSURE);
        self.conn.create_window(24, id, self.root, x, y, w, h, 0, WindowClass::INPUT_OUTPUT, 0, &aux).unwrap();
        self.conn.change_property8(PropMode::REPLACE, id, AtomEnum::WM_NAME, AtomEnum::STRING, title.as_bytes()).unwrap();
        self.conn.map_window(id).unwrap();
        self.sync();
        id
    }

    /// `count` small rectangles of pseudo-random colours and places over `(0, 0, w, h)` of the
    /// root window: busy content that costs an encoder as many bits as it is given. `seed`
    /// picks the pattern.
    pub fn confetti(&self, seed: u64, count: usize, w: u16, h: u16) {
        let gc = self.conn.generate_id().unwrap();
        self.conn.create_gc(gc, self.root, &CreateGCAux::new()).unwrap();
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..count {
            let (r, c) = (next(), next());
            let (x, y) = ((r % w as u64) as i16, ((r >> 20) % h as u64) as i16);
            self.conn.change_gc(gc, &ChangeGCAux::new().foreground((c & 0xff_ffff) as u32)).unwrap();
            self.conn
                .poly_fill_rectangle(
                    self.root,
                    gc,
                    &[Rectangle { x, y, width: 3 + (c >> 32) as u16 % 24, height: 3 + (c >> 48) as u16 % 16 }],
                )
                .unwrap();
        }
        self.conn.free_gc(gc).unwrap();
        self.sync();
    }

    /// Waits until the server has carried out everything sent so far.
    pub fn sync(&self) {
        self.conn.get_input_focus().unwrap().reply().unwrap();
    }
}

/// A screen as busy as a video: [`Painter::confetti`] of 400 rectangles over `(0, 0, w, h)`
/// 60 times a second, from its own connection and thread, until dropped.
pub struct BusyScreen {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BusyScreen {
    pub fn start(display: &str, w: u16, h: u16) -> BusyScreen {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (display, flag) = (display.to_owned(), stop.clone());
        let thread = std::thread::spawn(move || {
            let p = Painter::connect(&display);
            let mut seed = 0;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                seed += 1;
                p.confetti(seed, 400, w, h);
                std::thread::sleep(std::time::Duration::from_millis(16));
            }
        });
        BusyScreen { stop, thread: Some(thread) }
    }
}

impl Drop for BusyScreen {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Scrolls a browser-sized region of a `w`×`h` screen (two thirds of the width, eight tenths of
/// the height, right of centre) up by 4 px per step at `hz` steps/s, drawing a new line of
/// word-like blocks at its bottom every fourth step — what a customer scrolling a web page looks
/// like — until `stop`; returns the steps drawn. Used by the screen benchmarks of `media` and
/// `e2e`.
pub fn scroll_page(
    display: &str,
    w: u16,
    h: u16,
    hz: f64,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<u64> {
    let display = display.to_owned();
    std::thread::spawn(move || {
        let p = Painter::connect(&display);
        let (rx, ry, rw, rh) = ((w / 6) as i16, (h / 10) as i16, w * 2 / 3, h * 8 / 10);
        p.fill(p.root, rx, ry, rw, rh, 0xffffff);
        let gc = |rgb: u32| {
            let id = p.conn.generate_id().unwrap();
            p.conn.create_gc(id, p.root, &CreateGCAux::new().foreground(rgb)).unwrap();
            id
        };
        let (ink, paper) = (gc(0x202020), gc(0xffffff));
        let (mut steps, mut seed) = (0u64, 12345u32);
        let start = std::time::Instant::now();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            p.conn.copy_area(p.root, p.root, ink, rx, ry + 4, rx, ry, rw, rh - 4).unwrap();
            let line_y = ry + rh as i16 - 4;
            p.conn.poly_fill_rectangle(p.root, paper, &[Rectangle { x: rx, y: line_y, width: rw, height: 4 }]).unwrap();
            if steps % 4 == 0 {
                let mut x = rx + 20;
                let mut words = Vec::new();
                while x < rx + rw as i16 - 80 {
                    seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
                    let len = 12 + (seed >> 16) % 60;
                    words.push(Rectangle { x, y: line_y, width: len as u16, height: 4 });
                    x += len as i16 + 8;
                }
                p.conn.poly_fill_rectangle(p.root, ink, &words).unwrap();
            }
            p.sync();
            steps += 1;
            let due = start + std::time::Duration::from_secs_f64(steps as f64 / hz);
            if let Some(wait) = due.checked_duration_since(std::time::Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        steps
    })
}

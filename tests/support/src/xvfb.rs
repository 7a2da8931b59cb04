//! A private X server for tests: Xvfb on a display number it picks itself (`-displayfd`, so
//! tests running in parallel never collide), optionally with the test pattern the browser
//! tests look for, and application windows for application sharing; stopped on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ChangeGCAux, ConnectionExt, CreateGCAux, CreateWindowAux, PropMode, Rectangle, WindowClass};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// The four colours of the test pattern, quadrant by quadrant (top left, top right, bottom
/// left, bottom right); `tests/e2e/scenarios/lib.mjs` checks the console's video against them.
pub const PATTERN: [u32; 4] = [0xE0_20_20, 0x20_C0_20, 0x20_40_E0, 0xF0_F0_F0];

/// Colour of the application window [`Xvfb::open_window`] puts up; the browser scenarios
/// check the console's video against it.
pub const APP_WINDOW_COLOUR: u32 = 0x80_40_C0;

/// A running Xvfb.
pub struct Xvfb {
    child: Child,
    /// `:N`, for `x11rb::connect(Some(..))` or `DISPLAY`.
    pub display: String,
}

impl Xvfb {
    /// Starts `Xvfb -screen 0 WxHx24` with MIT-SHM and waits until it accepts connections.
    pub fn start(width: u16, height: u16) -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", &format!("{width}x{height}x24"), "-nolisten", "tcp", "-noreset"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed by ./tests/run.sh (Debian package xvfb)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut line).expect("Xvfb prints its display number");
        let n: u32 = line.trim().parse().unwrap_or_else(|_| panic!("Xvfb printed {line:?} instead of a display number"));
        let x = Xvfb { child, display: format!(":{n}") };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if x11rb::connect(Some(&x.display)).is_ok() {
                return x;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("Xvfb on {} did not accept connections", x.display);
    }

    /// As [`Xvfb::start`], with [`PATTERN`] on the root window's quadrants.
    pub fn with_pattern(width: u16, height: u16) -> Xvfb {
        let x = Xvfb::start(width, height);
        let (conn, screen) = x11rb::connect(Some(&x.display)).expect("connect to Xvfb");
        draw_pattern(&conn, screen, width, height).expect("pattern drawn");
        x
    }

    /// Opens a 480×320 window titled `title` at (200, 150), filled with [`APP_WINDOW_COLOUR`]
    /// (its background, so no drawing client is needed), for the agent to offer as an
    /// application (S10, S12).
    pub fn open_window(&self, title: &str) -> AppWindow {
        let (conn, screen) = x11rb::connect(Some(&self.display)).expect("connect to Xvfb");
        let root = conn.setup().roots[screen].root;
        let open = || -> Result<(), Box<dyn std::error::Error>> {
            let id = conn.generate_id()?;
            let aux = CreateWindowAux::new().background_pixel(APP_WINDOW_COLOUR);
            conn.create_window(x11rb::COPY_DEPTH_FROM_PARENT, id, root, 200, 150, 480, 320, 0, WindowClass::INPUT_OUTPUT, 0, &aux)?;
            conn.change_property8(PropMode::REPLACE, id, AtomEnum::WM_NAME, AtomEnum::STRING, title.as_bytes())?;
            conn.map_window(id)?;
            conn.flush()?;
            x11rb::wrapper::ConnectionExt::sync(&conn)?;
            Ok(())
        };
        open().expect("application window opened");
        AppWindow { _conn: conn }
    }
}

/// An application window on the test X server, open until dropped (its connection closes).
pub struct AppWindow {
    _conn: RustConnection,
}

/// Fills the root window's quadrants with [`PATTERN`].
fn draw_pattern(conn: &impl Connection, screen: usize, width: u16, height: u16) -> Result<(), Box<dyn std::error::Error>> {
    let root = conn.setup().roots[screen].root;
    let gc = conn.generate_id()?;
    conn.create_gc(gc, root, &CreateGCAux::new())?;
    let (w, h) = (width / 2, height / 2);
    let quads = [(0, 0), (w, 0), (0, h), (w, h)];
    for (colour, (x, y)) in PATTERN.iter().zip(quads) {
        conn.change_gc(gc, &ChangeGCAux::new().foreground(*colour))?;
        conn.poly_fill_rectangle(root, gc, &[Rectangle { x: x as i16, y: y as i16, width: w, height: h }])?;
    }
    conn.flush()?;
    x11rb::wrapper::ConnectionExt::sync(conn)?;
    Ok(())
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

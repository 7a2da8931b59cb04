//! The customer's side of the input tests: a second X client with a window that records the
//! pointer and key events the X server delivers to it, and read-backs of pointer and keyboard state.
#![allow(dead_code)]

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    ConnectionExt as _, CreateWindowAux, EventMask, InputFocus, KeyButMask, Keycode, Keysym, Window, WindowClass,
};
use x11rb::protocol::Event;
use x11rb::rust_connection::RustConnection;
use x11rb::{COPY_DEPTH_FROM_PARENT, CURRENT_TIME};

/// What a window received, in the terms a test asserts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    ButtonPress { button: u8, x: i16, y: i16 },
    ButtonRelease { button: u8, x: i16, y: i16 },
    KeyPress { keycode: Keycode, shift: bool },
    KeyRelease { keycode: Keycode },
}

/// A mapped, focused window of an application on the customer's desktop.
pub struct AppWindow {
    pub conn: RustConnection,
    pub root: Window,
    pub window: Window,
}

impl AppWindow {
    /// Maps a `width`×`height` window at (`x`, `y`) of the root, focused, selecting button and key events.
    pub fn open(display: &str, x: i16, y: i16, width: u16, height: u16) -> AppWindow {
        let (conn, screen) = x11rb::connect(Some(display)).expect("connect the test client");
        let screen = &conn.setup().roots[screen];
        let (root, visual) = (screen.root, screen.root_visual);
        let window = conn.generate_id().expect("window id");
        let events = EventMask::BUTTON_PRESS | EventMask::BUTTON_RELEASE | EventMask::KEY_PRESS | EventMask::KEY_RELEASE;
        let aux = CreateWindowAux::new().override_redirect(1).event_mask(events).background_pixel(screen.white_pixel);
        conn.create_window(COPY_DEPTH_FROM_PARENT, window, root, x, y, width, height, 0, WindowClass::INPUT_OUTPUT, visual, &aux)
            .expect("send CreateWindow");
        conn.map_window(window).expect("send MapWindow");
        conn.set_input_focus(InputFocus::POINTER_ROOT, window, CURRENT_TIME).expect("send SetInputFocus");
        conn.get_input_focus().expect("send GetInputFocus").reply().expect("window mapped and focused");
        AppWindow { conn, root, window }
    }

    /// Every pointer and key event delivered so far (after a round trip, so nothing is in flight).
    pub fn seen(&self) -> Vec<Seen> {
        self.conn.get_input_focus().expect("send GetInputFocus").reply().expect("round trip");
        let mut seen = Vec::new();
        while let Some(event) = self.conn.poll_for_event().expect("read events") {
            match event {
                Event::ButtonPress(e) => seen.push(Seen::ButtonPress { button: e.detail, x: e.event_x, y: e.event_y }),
                Event::ButtonRelease(e) => seen.push(Seen::ButtonRelease { button: e.detail, x: e.event_x, y: e.event_y }),
                Event::KeyPress(e) => seen.push(Seen::KeyPress { keycode: e.detail, shift: e.state.contains(KeyButMask::SHIFT) }),
                Event::KeyRelease(e) => seen.push(Seen::KeyRelease { keycode: e.detail }),
                _ => {}
            }
        }
        seen
    }

    /// The keysym a key press means under the server's keyboard mapping now.
    pub fn keysym(&self, keycode: Keycode, shift: bool) -> Keysym {
        let reply = self.conn.get_keyboard_mapping(keycode, 1).expect("send GetKeyboardMapping").reply().expect("keyboard mapping");
        let level = usize::from(shift);
        match reply.keysyms.get(level).copied() {
            // The core protocol's rule: a lone letter stands for both cases.
            Some(0) if shift => char::from_u32(reply.keysyms[0]).map_or(0, |c| u32::from(c.to_ascii_uppercase())),
            other => other.unwrap_or(0),
        }
    }

    /// The characters typed into the window: key presses other than modifiers, as keysyms.
    pub fn typed_keysyms(&self, seen: &[Seen]) -> Vec<Keysym> {
        seen.iter()
            .filter_map(|s| match *s {
                Seen::KeyPress { keycode, shift } => Some(self.keysym(keycode, shift)),
                _ => None,
            })
            .filter(|&k| !(0xffe1..=0xffee).contains(&k))
            .collect()
    }
}

/// Where the pointer is on the root window, and which buttons and modifiers are down.
pub fn pointer(display: &str) -> (i16, i16, KeyButMask) {
    let (conn, screen) = x11rb::connect(Some(display)).expect("connect the read-back client");
    let root = conn.setup().roots[screen].root;
    let reply = conn.query_pointer(root).expect("send QueryPointer").reply().expect("pointer position");
    (reply.root_x, reply.root_y, reply.mask)
}

/// Puts the pointer at (x, y) as the customer's own mouse would.
pub fn warp_pointer(display: &str, x: i16, y: i16) {
    let (conn, screen) = x11rb::connect(Some(display)).expect("connect the warping client");
    let root = conn.setup().roots[screen].root;
    conn.warp_pointer(x11rb::NONE, root, 0, 0, 0, 0, x, y).expect("send WarpPointer");
    conn.get_input_focus().expect("send GetInputFocus").reply().expect("round trip");
}

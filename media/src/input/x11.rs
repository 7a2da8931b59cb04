//! The X11 backend of [`InputInjector`]: XTEST fake input on the default screen's root window.
//!
//! Keys are found through the server's keyboard mapping. A character the layout lacks (most of
//! Unicode) is bound to a keycode with no keysyms (ChangeKeyboardMapping), as xdotool does.
//! Bindings are lent least-recently-first and restored when the injector is dropped rather than right after
//! the key press: the receiving client looks the keycode up when it processes the event, which can
//! be after we would have restored it, and would then type the wrong character.

use std::collections::BTreeSet;

use x11rb::connection::{Connection, RequestConnection};
use x11rb::cookie::VoidCookie;
use x11rb::errors::{ConnectionError, ReplyError};
use x11rb::protocol::xproto::{self, ConnectionExt as _, Keycode, Keysym, Mapping, Window};
use x11rb::protocol::xtest::{self, ConnectionExt as _};
use x11rb::protocol::Event;
use x11rb::rust_connection::RustConnection;
use x11rb::CURRENT_TIME;

use super::keymap::{self, KEYSYM_SHIFT_L};
use super::{Action, Button, InputError, InputInjector};

/// `NoSymbol`: an empty slot of the keyboard mapping.
const NO_SYMBOL: Keysym = 0;

/// Injects the gate's actions into an X server through XTEST.
pub struct X11Injector {
    conn: RustConnection,
    root: Window,
    keys: Keyboard,
}

impl X11Injector {
    /// Connects to `display` (`None`: `$DISPLAY`) and checks that it offers XTEST.
    pub fn connect(display: Option<&str>) -> Result<X11Injector, InputError> {
        let shown = display.map(str::to_owned).or_else(|| std::env::var("DISPLAY").ok()).unwrap_or_else(|| "(DISPLAY unset)".into());
        let (conn, screen) = x11rb::connect(display).map_err(|e| InputError::Connect { display: shown, detail: e.to_string() })?;
        if conn.extension_information(xtest::X11_EXTENSION_NAME).map_err(lost)?.is_none() {
            return Err(InputError::NoXTest);
        }
        conn.xtest_get_version(2, 2).map_err(lost)?.reply().map_err(refused("XTestGetVersion"))?;
        let root = conn.setup().roots.get(screen).map(|s| s.root).ok_or_else(|| InputError::Connect {
            display: display.unwrap_or_default().to_owned(),
            detail: format!("the server has no screen {screen}"),
        })?;
        let keys = Keyboard::load(&conn, Vec::new())?;
        Ok(X11Injector { conn, root, keys })
    }

    /// Gives every keycode lent to a character back its empty mapping.
    pub fn restore_keyboard(&mut self) -> Result<(), InputError> {
        let mut batch = Batch::new(&self.conn);
        for (keycode, _) in std::mem::take(&mut self.keys.lent) {
            let empty = vec![NO_SYMBOL; self.keys.per_keycode];
            batch.push("ChangeKeyboardMapping", self.conn.change_keyboard_mapping(1, keycode, self.keys.per_keycode as u8, &empty))?;
            self.keys.set_row(keycode, &empty);
        }
        batch.finish()
    }

    /// Reloads the keyboard mapping when the server announced a change (another layout chosen).
    fn drain_events(&mut self) -> Result<(), InputError> {
        let mut reload = false;
        while let Some(event) = self.conn.poll_for_event().map_err(lost)? {
            if let Event::MappingNotify(n) = event {
                reload |= n.request == Mapping::KEYBOARD;
            }
        }
        if reload {
            let lent = std::mem::take(&mut self.keys.lent);
            self.keys = Keyboard::load(&self.conn, lent)?;
        }
        Ok(())
    }

    fn motion<'c>(&'c self, batch: &mut Batch<'c>, (x, y): (i32, i32)) -> Result<(), InputError> {
        let clamp = |v: i32| v.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        // detail 0: absolute coordinates on `root`
        batch.push(
            "XTestFakeInput (motion)",
            self.conn.xtest_fake_input(xproto::MOTION_NOTIFY_EVENT, 0, CURRENT_TIME, self.root, clamp(x), clamp(y), 0),
        )
    }

    fn button<'c>(&'c self, batch: &mut Batch<'c>, button: u8, down: bool) -> Result<(), InputError> {
        let kind = if down { xproto::BUTTON_PRESS_EVENT } else { xproto::BUTTON_RELEASE_EVENT };
        batch.push("XTestFakeInput (button)", self.conn.xtest_fake_input(kind, button, CURRENT_TIME, self.root, 0, 0, 0))
    }

    fn wheel<'c>(&'c self, batch: &mut Batch<'c>, dx: i32, dy: i32) -> Result<(), InputError> {
        for (steps, negative, positive) in [(dy, 4, 5), (dx, 6, 7)] {
            let button = if steps < 0 { negative } else { positive };
            for _ in 0..steps.unsigned_abs() {
                self.button(batch, button, true)?;
                self.button(batch, button, false)?;
            }
        }
        Ok(())
    }

    fn key(&mut self, keysym: Keysym, down: bool) -> Result<(), InputError> {
        let keycode = match self.keys.find(keysym, 0..self.keys.per_keycode) {
            Some((keycode, _)) => keycode,
            None => self.keys.lend(&self.conn, keysym)?.ok_or_else(|| InputError::NoFreeKeycode(format!("keysym {keysym:#x}")))?,
        };
        if down {
            self.keys.held.insert(keycode);
        } else {
            self.keys.held.remove(&keycode);
        }
        let mut batch = Batch::new(&self.conn);
        press(&self.conn, &mut batch, keycode, down)?;
        batch.finish()
    }

    fn text(&mut self, text: &str) -> Result<(), InputError> {
        let shift = self.keys.find(KEYSYM_SHIFT_L, 0..1).map(|(keycode, _)| keycode);
        for c in text.chars() {
            let Some(keysym) = keymap::keysym_for_char(c) else { continue };
            let csr_holds_shift = self.keys.holds_shift();
            let found = match self.keys.find(keysym, 0..2) {
                // A key held by the CSR would change the level; a lent key types the same on both.
                Some((keycode, 0)) if !csr_holds_shift => Some((keycode, false)),
                Some((keycode, 1)) if !csr_holds_shift && shift.is_some() => Some((keycode, true)),
                _ => None,
            };
            let (keycode, shifted) = match found {
                Some(found) => found,
                None => (self.keys.lend(&self.conn, keysym)?.ok_or_else(|| InputError::NoFreeKeycode(format!("{c:?}")))?, false),
            };
            let mut batch = Batch::new(&self.conn);
            if let (true, Some(shift)) = (shifted, shift) {
                press(&self.conn, &mut batch, shift, true)?;
            }
            press(&self.conn, &mut batch, keycode, true)?;
            press(&self.conn, &mut batch, keycode, false)?;
            if let (true, Some(shift)) = (shifted, shift) {
                press(&self.conn, &mut batch, shift, false)?;
            }
            batch.finish()?;
        }
        Ok(())
    }
}

impl InputInjector for X11Injector {
    fn inject(&mut self, action: &Action) -> Result<(), InputError> {
        self.drain_events()?;
        match *action {
            Action::MoveTo { x, y } => {
                let mut batch = Batch::new(&self.conn);
                self.motion(&mut batch, (x, y))?;
                batch.finish()
            }
            Action::Button { at, button, down } => {
                let mut batch = Batch::new(&self.conn);
                if let Some(at) = at {
                    self.motion(&mut batch, at)?;
                }
                self.button(&mut batch, button_number(button), down)?;
                batch.finish()
            }
            Action::Wheel { x, y, dx, dy } => {
                let mut batch = Batch::new(&self.conn);
                self.motion(&mut batch, (x, y))?;
                self.wheel(&mut batch, dx, dy)?;
                batch.finish()
            }
            Action::Key { keysym, down } => self.key(keysym, down),
            Action::Text(ref text) => self.text(text),
        }
    }
}

impl Drop for X11Injector {
    fn drop(&mut self) {
        // Nothing to report to on drop; a broken connection has no mapping left to restore.
        let _ = self.restore_keyboard();
    }
}

/// X's core button numbers; 4–7 are the wheel.
fn button_number(button: Button) -> u8 {
    match button {
        Button::Left => 1,
        Button::Middle => 2,
        Button::Right => 3,
        Button::Back => 8,
        Button::Forward => 9,
    }
}

fn press<'c>(conn: &'c RustConnection, batch: &mut Batch<'c>, keycode: Keycode, down: bool) -> Result<(), InputError> {
    let kind = if down { xproto::KEY_PRESS_EVENT } else { xproto::KEY_RELEASE_EVENT };
    batch.push("XTestFakeInput (key)", conn.xtest_fake_input(kind, keycode, CURRENT_TIME, x11rb::NONE, 0, 0, 0))
}

/// The server's keyboard mapping, and which of its empty keycodes we lent to characters.
struct Keyboard {
    min_keycode: Keycode,
    per_keycode: usize,
    keysyms: Vec<Keysym>,
    /// Keycodes with no keysyms of their own, which we lend to characters.
    spare: Vec<Keycode>,
    /// Spare keycodes bound now, and to what, oldest first.
    lent: Vec<(Keycode, Keysym)>,
    /// Keycodes the CSR holds down through key actions; never re-lent while held.
    held: BTreeSet<Keycode>,
}

impl Keyboard {
    fn load(conn: &RustConnection, lent: Vec<(Keycode, Keysym)>) -> Result<Keyboard, InputError> {
        let setup = conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let reply = conn.get_keyboard_mapping(min, max - min + 1).map_err(lost)?.reply().map_err(refused("GetKeyboardMapping"))?;
        let per_keycode = usize::from(reply.keysyms_per_keycode).max(1);
        let mut keyboard =
            Keyboard { min_keycode: min, per_keycode, keysyms: reply.keysyms, spare: Vec::new(), lent, held: BTreeSet::new() };
        keyboard.spare = (min..=max)
            .filter(|&kc| keyboard.row(kc).iter().all(|&k| k == NO_SYMBOL) || keyboard.lent.iter().any(|&(lent, _)| lent == kc))
            .collect();
        Ok(keyboard)
    }

    fn row(&self, keycode: Keycode) -> &[Keysym] {
        let start = usize::from(keycode - self.min_keycode) * self.per_keycode;
        self.keysyms.get(start..start + self.per_keycode).unwrap_or(&[])
    }

    fn set_row(&mut self, keycode: Keycode, row: &[Keysym]) {
        let start = usize::from(keycode - self.min_keycode) * self.per_keycode;
        if let Some(slots) = self.keysyms.get_mut(start..start + self.per_keycode) {
            slots.copy_from_slice(row);
        }
    }

    /// The first keycode carrying `keysym` at one of `levels`, and the level.
    fn find(&self, keysym: Keysym, levels: std::ops::Range<usize>) -> Option<(Keycode, usize)> {
        let count = self.keysyms.len() / self.per_keycode;
        levels.clone().find_map(|level| {
            (0..count).find_map(|i| {
                let keycode = self.min_keycode + i as u8;
                (level_keysym(self.row(keycode), level) == keysym).then_some((keycode, level))
            })
        })
    }

    fn holds_shift(&self) -> bool {
        self.held.iter().any(|&kc| self.row(kc).iter().any(|&k| k == KEYSYM_SHIFT_L || k == KEYSYM_SHIFT_L + 1))
    }

    /// Binds `keysym` to a spare keycode (or finds it still bound); `None` when none is free.
    fn lend(&mut self, conn: &RustConnection, keysym: Keysym) -> Result<Option<Keycode>, InputError> {
        if let Some(&(keycode, _)) = self.lent.iter().find(|&&(_, k)| k == keysym) {
            return Ok(Some(keycode));
        }
        // A keycode never lent yet, else the one lent longest ago (`lent` is in lending order), so
        // a binding lasts as long as possible for clients that look it up late.
        let never_lent = self.spare.iter().copied().find(|kc| !self.lent.iter().any(|(lent, _)| lent == kc));
        let oldest = || self.lent.iter().map(|&(kc, _)| kc).find(|kc| !self.held.contains(kc));
        let Some(keycode) = never_lent.or_else(oldest) else { return Ok(None) };
        let mut row = vec![NO_SYMBOL; self.per_keycode];
        // The same keysym on the plain and shifted level, so a held Shift does not matter.
        for slot in row.iter_mut().take(2) {
            *slot = keysym;
        }
        conn.change_keyboard_mapping(1, keycode, self.per_keycode as u8, &row)
            .map_err(lost)?
            .check()
            .map_err(refused("ChangeKeyboardMapping"))?;
        self.set_row(keycode, &row);
        self.lent.retain(|&(kc, _)| kc != keycode);
        self.lent.push((keycode, keysym));
        Ok(Some(keycode))
    }
}

/// The keysym at `level` of a mapping row, with the core protocol's rule that a lone letter at
/// level 0 stands for its lowercase and uppercase forms.
fn level_keysym(row: &[Keysym], level: usize) -> Keysym {
    let first = row.first().copied().unwrap_or(NO_SYMBOL);
    let second = row.get(1).copied().unwrap_or(NO_SYMBOL);
    let letter = char::from_u32(first).filter(char::is_ascii_alphabetic);
    match (level, second, letter) {
        (0 | 1, NO_SYMBOL, Some(c)) => u32::from(if level == 0 { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() }),
        (1, NO_SYMBOL, None) => first,
        _ => row.get(level).copied().unwrap_or(NO_SYMBOL),
    }
}

/// The requests of one action; checked together so a refusal surfaces with its request's name.
struct Batch<'c> {
    conn: &'c RustConnection,
    sent: Vec<(&'static str, VoidCookie<'c, RustConnection>)>,
}

impl<'c> Batch<'c> {
    fn new(conn: &'c RustConnection) -> Batch<'c> {
        Batch { conn, sent: Vec::new() }
    }

    fn push(&mut self, request: &'static str, sent: Result<VoidCookie<'c, RustConnection>, ConnectionError>) -> Result<(), InputError> {
        self.sent.push((request, sent.map_err(lost)?));
        Ok(())
    }

    /// Flushes and waits for the server's verdict on every request.
    fn finish(self) -> Result<(), InputError> {
        self.conn.flush().map_err(lost)?;
        for (request, cookie) in self.sent {
            cookie.check().map_err(refused(request))?;
        }
        Ok(())
    }
}

fn lost(e: ConnectionError) -> InputError {
    InputError::ConnectionLost(e.to_string())
}

fn refused(request: &'static str) -> impl Fn(ReplyError) -> InputError {
    move |e| match e {
        ReplyError::ConnectionError(e) => lost(e),
        ReplyError::X11Error(e) => InputError::X11 {
            request,
            detail: format!("{:?} (bad value {:#x}, opcode {}.{})", e.error_kind, e.bad_value, e.major_opcode, e.minor_opcode),
        },
    }
}

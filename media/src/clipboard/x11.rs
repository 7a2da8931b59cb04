//! The X11 backend of [`Clipboard`]: a thread owning its own connection and a hidden window.
//!
//! - Setting text takes ownership of the CLIPBOARD selection and answers other applications'
//!   SelectionRequests (TARGETS, UTF8_STRING, STRING) until one of them takes it (SelectionClear).
//! - XFIXES tells the thread when another application takes the selection; it then converts the
//!   selection to UTF8_STRING (STRING as a fallback) and reports the text.
//!
//! No INCR transfers either way: text beyond one X request (several MiB with BIG-REQUESTS, more
//! than [`MAX_CLIPBOARD_BYTES`] anyway) is refused, and an owner that answers with INCR is ignored.
//!
//! The handle talks to the thread through a channel and wakes it with a zero-length property
//! append on the hidden window, sent over a second connection; the PropertyNotify it causes also
//! carries the server timestamp that ICCCM asks SetSelectionOwner to use.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use x11rb::connection::{Connection, RequestConnection};
use x11rb::errors::{ConnectionError, ReplyError};
use x11rb::protocol::xfixes::{self, ConnectionExt as _, SelectionEventMask};
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ConnectionExt as _, CreateWindowAux, EventMask, PropMode, PropertyNotifyEvent, SelectionNotifyEvent,
    SelectionRequestEvent, Timestamp, Window, WindowClass, SELECTION_NOTIFY_EVENT,
};
use x11rb::protocol::Event;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;
use x11rb::{COPY_DEPTH_FROM_PARENT, NONE};

use super::{Clipboard, ClipboardError, MAX_CLIPBOARD_BYTES};

/// How long `set_text` waits for the clipboard thread.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

x11rb::atom_manager! {
    Atoms: AtomsCookie {
        CLIPBOARD,
        UTF8_STRING,
        TARGETS,
        INCR,
        RECEIVED: b"_REMOTE_SUPPORT_CLIPBOARD",
        WAKE: b"_REMOTE_SUPPORT_WAKE",
    }
}

enum Command {
    SetText(String, Sender<Result<(), ClipboardError>>),
    Quit,
}

/// The customer's X clipboard, served and watched by a thread of its own.
pub struct X11Clipboard {
    /// A second connection, only to wake the thread.
    waker: RustConnection,
    window: Window,
    atoms: Atoms,
    commands: Sender<Command>,
    changes: Receiver<String>,
    thread: Option<JoinHandle<()>>,
}

impl X11Clipboard {
    /// Connects twice to `display` (`None`: `$DISPLAY`) and starts the clipboard thread.
    pub fn open(display: Option<&str>) -> Result<X11Clipboard, ClipboardError> {
        let connect = || {
            x11rb::connect(display).map_err(|e| ClipboardError::Connect {
                display: display.map(str::to_owned).or_else(|| std::env::var("DISPLAY").ok()).unwrap_or_default(),
                detail: e.to_string(),
            })
        };
        let (conn, screen) = connect()?;
        let (waker, _) = connect()?;
        if conn.extension_information(xfixes::X11_EXTENSION_NAME).map_err(stopped)?.is_none() {
            return Err(ClipboardError::NoXFixes);
        }
        conn.xfixes_query_version(5, 0).map_err(stopped)?.reply().map_err(refused("XFixesQueryVersion"))?;
        let atoms = Atoms::new(&conn).map_err(stopped)?.reply().map_err(refused("InternAtom"))?;
        let root = conn.setup().roots.get(screen).map(|s| s.root).ok_or_else(|| ClipboardError::Stopped(format!("no screen {screen}")))?;

        let window = conn.generate_id().map_err(|e| ClipboardError::Stopped(e.to_string()))?;
        let aux = CreateWindowAux::new().event_mask(EventMask::PROPERTY_CHANGE);
        conn.create_window(COPY_DEPTH_FROM_PARENT, window, root, -10, -10, 1, 1, 0, WindowClass::INPUT_OUTPUT, 0, &aux)
            .map_err(stopped)?
            .check()
            .map_err(refused("CreateWindow"))?;
        let events = SelectionEventMask::SET_SELECTION_OWNER
            | SelectionEventMask::SELECTION_WINDOW_DESTROY
            | SelectionEventMask::SELECTION_CLIENT_CLOSE;
        conn.xfixes_select_selection_input(window, atoms.CLIPBOARD, events)
            .map_err(stopped)?
            .check()
            .map_err(refused("XFixesSelectSelectionInput"))?;

        let (commands, inbox) = mpsc::channel();
        let (report, changes) = mpsc::channel();
        let worker = Worker { conn, window, atoms, inbox, report, owned: None, asked: None };
        let thread = std::thread::Builder::new()
            .name("x11-clipboard".into())
            .spawn(move || worker.run())
            .map_err(|e| ClipboardError::Stopped(format!("cannot start the clipboard thread: {e}")))?;
        Ok(X11Clipboard { waker, window, atoms, commands, changes, thread: Some(thread) })
    }

    fn wake(&self) -> Result<(), ClipboardError> {
        self.waker.change_property8(PropMode::APPEND, self.window, self.atoms.WAKE, AtomEnum::INTEGER, &[]).map_err(stopped)?;
        self.waker.flush().map_err(stopped)
    }

    fn send(&self, command: Command) -> Result<(), ClipboardError> {
        self.commands.send(command).map_err(|_| ClipboardError::Stopped("the clipboard thread has ended".into()))?;
        self.wake()
    }
}

impl Clipboard for X11Clipboard {
    fn set_text(&mut self, text: &str) -> Result<(), ClipboardError> {
        if text.len() > MAX_CLIPBOARD_BYTES {
            return Err(ClipboardError::TooLarge { bytes: text.len() });
        }
        let (reply, answer) = mpsc::channel();
        self.send(Command::SetText(text.to_owned(), reply))?;
        match answer.recv_timeout(REPLY_TIMEOUT) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(ClipboardError::Stopped("the clipboard thread did not answer".into())),
            Err(RecvTimeoutError::Disconnected) => Err(ClipboardError::Stopped("the clipboard thread has ended".into())),
        }
    }

    fn poll_change(&mut self) -> Result<Option<String>, ClipboardError> {
        let mut latest = None;
        loop {
            match self.changes.try_recv() {
                Ok(text) => latest = Some(text),
                Err(TryRecvError::Empty) => return Ok(latest),
                // Changes reported before the thread ended still count.
                Err(TryRecvError::Disconnected) if latest.is_some() => return Ok(latest),
                Err(TryRecvError::Disconnected) => return Err(ClipboardError::Stopped("the clipboard thread has ended".into())),
            }
        }
    }
}

impl Drop for X11Clipboard {
    fn drop(&mut self) {
        // A thread that already ended needs no wake-up; nothing to report on drop.
        if self.send(Command::Quit).is_ok() {
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

/// The clipboard thread's state.
struct Worker {
    conn: RustConnection,
    window: Window,
    atoms: Atoms,
    inbox: Receiver<Command>,
    report: Sender<String>,
    /// The text we serve while we own CLIPBOARD.
    owned: Option<String>,
    /// The target of the ConvertSelection we await, after another application copied.
    asked: Option<Atom>,
}

impl Worker {
    fn run(mut self) {
        // The thread ends when the connection breaks or the handle says quit; the handle sees the
        // closed channels.
        while let Ok(event) = self.conn.wait_for_event() {
            let handled = match event {
                Event::PropertyNotify(e) => self.on_wake(&e),
                Event::SelectionRequest(e) => self.on_request(&e).map(|()| true),
                Event::SelectionClear(e) if e.selection == self.atoms.CLIPBOARD => {
                    self.owned = None;
                    Ok(true)
                }
                Event::XfixesSelectionNotify(e) => self.on_new_owner(&e).map(|()| true),
                Event::SelectionNotify(e) => self.on_converted(&e).map(|()| true),
                _ => Ok(true),
            };
            if !matches!(handled, Ok(true)) {
                return;
            }
        }
    }

    /// Runs the handle's commands; `Ok(false)` to quit.
    fn on_wake(&mut self, e: &PropertyNotifyEvent) -> Result<bool, ConnectionError> {
        if e.window != self.window || e.atom != self.atoms.WAKE {
            return Ok(true);
        }
        while let Ok(command) = self.inbox.try_recv() {
            match command {
                Command::SetText(text, reply) => {
                    let result = self.take_ownership(text, e.time);
                    let _ = reply.send(result);
                }
                Command::Quit => return Ok(false),
            }
        }
        Ok(true)
    }

    fn take_ownership(&mut self, text: String, time: Timestamp) -> Result<(), ClipboardError> {
        self.conn.set_selection_owner(self.window, self.atoms.CLIPBOARD, time).map_err(stopped)?;
        let owner = self.conn.get_selection_owner(self.atoms.CLIPBOARD).map_err(stopped)?.reply().map_err(refused("GetSelectionOwner"))?;
        if owner.owner != self.window {
            return Err(ClipboardError::NotOwner);
        }
        self.owned = Some(text);
        Ok(())
    }

    /// Answers another application's paste; refuses (property None) what we cannot give.
    fn on_request(&mut self, e: &SelectionRequestEvent) -> Result<(), ConnectionError> {
        // Obsolete clients name no property and expect the target's name to be used.
        let property = if e.property == NONE { e.target } else { e.property };
        let served = match &self.owned {
            Some(text) if e.selection == self.atoms.CLIPBOARD => self.serve(e.requestor, property, e.target, text)?,
            _ => false,
        };
        let notify = SelectionNotifyEvent {
            response_type: SELECTION_NOTIFY_EVENT,
            sequence: 0,
            time: e.time,
            requestor: e.requestor,
            selection: e.selection,
            target: e.target,
            property: if served { property } else { NONE },
        };
        self.conn.send_event(false, e.requestor, EventMask::NO_EVENT, notify)?;
        self.conn.flush()
    }

    fn serve(&self, requestor: Window, property: Atom, target: Atom, text: &str) -> Result<bool, ConnectionError> {
        let a = &self.atoms;
        let sent = if target == a.TARGETS {
            self.conn.change_property32(
                PropMode::REPLACE,
                requestor,
                property,
                AtomEnum::ATOM,
                &[a.TARGETS, a.UTF8_STRING, AtomEnum::STRING.into()],
            )?
        } else if target == a.UTF8_STRING || target == Atom::from(AtomEnum::STRING) {
            let bytes = if target == a.UTF8_STRING { text.as_bytes().to_vec() } else { latin1(text) };
            // Without INCR the text must fit one request.
            if bytes.len() + 64 > self.conn.maximum_request_bytes() {
                return Ok(false);
            }
            self.conn.change_property8(PropMode::REPLACE, requestor, property, target, &bytes)?
        } else {
            return Ok(false);
        };
        // The requestor may have gone away meanwhile; then there is no one to answer.
        Ok(sent.check().is_ok())
    }

    fn on_new_owner(&mut self, e: &xfixes::SelectionNotifyEvent) -> Result<(), ConnectionError> {
        if e.selection != self.atoms.CLIPBOARD || e.owner == NONE || e.owner == self.window {
            return Ok(());
        }
        self.ask(self.atoms.UTF8_STRING, e.selection_timestamp)
    }

    fn ask(&mut self, target: Atom, time: Timestamp) -> Result<(), ConnectionError> {
        self.asked = Some(target);
        self.conn.convert_selection(self.window, self.atoms.CLIPBOARD, target, self.atoms.RECEIVED, time)?;
        self.conn.flush()
    }

    fn on_converted(&mut self, e: &SelectionNotifyEvent) -> Result<(), ConnectionError> {
        if e.requestor != self.window || e.selection != self.atoms.CLIPBOARD || self.asked != Some(e.target) {
            return Ok(());
        }
        self.asked = None;
        if e.property == NONE {
            // The owner cannot give UTF-8; plain Latin-1 is the older form of text.
            if e.target == self.atoms.UTF8_STRING {
                self.ask(AtomEnum::STRING.into(), e.time)?;
            }
            return Ok(());
        }
        let longs = MAX_CLIPBOARD_BYTES.div_ceil(4) as u32;
        let Ok(reply) = self.conn.get_property(true, self.window, e.property, AtomEnum::ANY, 0, longs)?.reply() else {
            return Ok(());
        };
        if reply.type_ == self.atoms.INCR || reply.bytes_after > 0 || reply.format != 8 {
            // INCR (large transfers) is not supported; too large or malformed text is ignored.
            self.conn.delete_property(self.window, e.property)?;
            return self.conn.flush();
        }
        let text = if reply.type_ == self.atoms.UTF8_STRING {
            String::from_utf8_lossy(&reply.value).into_owned()
        } else {
            reply.value.iter().map(|&b| char::from(b)).collect()
        };
        // The handle may be gone; then no one wants the text.
        let _ = self.report.send(text);
        Ok(())
    }
}

/// `text` as ISO Latin-1 (the STRING target); characters beyond it become '?'.
fn latin1(text: &str) -> Vec<u8> {
    text.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect()
}

fn stopped(e: ConnectionError) -> ClipboardError {
    ClipboardError::Stopped(e.to_string())
}

fn refused(request: &'static str) -> impl Fn(ReplyError) -> ClipboardError {
    move |e| match e {
        ReplyError::ConnectionError(e) => stopped(e),
        ReplyError::X11Error(e) => ClipboardError::X11 {
            request,
            detail: format!("{:?} (bad value {:#x}, opcode {}.{})", e.error_kind, e.bad_value, e.major_opcode, e.minor_opcode),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::latin1;

    #[test]
    fn latin1_keeps_latin1_and_replaces_the_rest() {
        assert_eq!(latin1("Grüße ✓"), b"Gr\xfc\xdfe ?".to_vec());
    }
}

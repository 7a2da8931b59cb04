//! Clipboard text moves both ways: what the CSR copies can be pasted by the customer's
//! applications, and what the customer copies in an application reaches the agent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use media::clipboard::{open_clipboard, Clipboard};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ConnectionExt as _, CreateWindowAux, EventMask, PropMode, SelectionNotifyEvent, Window, WindowClass,
    SELECTION_NOTIFY_EVENT,
};
use x11rb::protocol::Event;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;
use x11rb::{COPY_DEPTH_FROM_PARENT, CURRENT_TIME, NONE};

/// Another application on the customer's desktop that copies and pastes through CLIPBOARD.
struct OtherApp {
    conn: RustConnection,
    window: Window,
    clipboard: Atom,
    utf8: Atom,
    targets: Atom,
}

impl OtherApp {
    fn open(display: &str) -> OtherApp {
        let (conn, screen) = x11rb::connect(Some(display)).expect("connect the other application");
        let root = conn.setup().roots[screen].root;
        let window = conn.generate_id().expect("window id");
        let aux = CreateWindowAux::new().event_mask(EventMask::PROPERTY_CHANGE);
        conn.create_window(COPY_DEPTH_FROM_PARENT, window, root, 0, 0, 1, 1, 0, WindowClass::INPUT_OUTPUT, 0, &aux)
            .expect("send CreateWindow");
        let atom = |name: &str| conn.intern_atom(false, name.as_bytes()).expect("send InternAtom").reply().expect("atom").atom;
        let (clipboard, utf8, targets) = (atom("CLIPBOARD"), atom("UTF8_STRING"), atom("TARGETS"));
        OtherApp { conn, window, clipboard, utf8, targets }
    }

    /// Pastes: converts CLIPBOARD to `target` and reads the answer (None if the owner refused).
    fn paste(&self, target: Atom) -> Option<(Atom, Vec<u8>)> {
        let property = self.conn.intern_atom(false, b"PASTED").expect("send InternAtom").reply().expect("atom").atom;
        self.conn.convert_selection(self.window, self.clipboard, target, property, CURRENT_TIME).expect("send ConvertSelection");
        self.conn.flush().expect("flush");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match self.conn.poll_for_event().expect("read events") {
                Some(Event::SelectionNotify(e)) if e.property == NONE => return None,
                Some(Event::SelectionNotify(e)) => {
                    let reply =
                        self.conn.get_property(true, self.window, e.property, AtomEnum::ANY, 0, u32::MAX / 4).expect("send GetProperty");
                    let reply = reply.reply().expect("pasted property");
                    return Some((reply.type_, reply.value));
                }
                Some(_) => {}
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        panic!("no answer to ConvertSelection within 5 s");
    }

    /// Copies `text`: owns CLIPBOARD and answers paste requests on a thread until the app closes.
    fn copy(self, text: &'static str) -> std::thread::JoinHandle<()> {
        self.conn.set_selection_owner(self.window, self.clipboard, CURRENT_TIME).expect("send SetSelectionOwner");
        self.conn.flush().expect("flush");
        std::thread::spawn(move || self.serve(text))
    }

    fn serve(self, text: &str) {
        // Serves until the X server goes away at the end of the test.
        while let Ok(event) = self.conn.wait_for_event() {
            let Event::SelectionRequest(e) = event else { continue };
            let served = if e.target == self.utf8 {
                let _ = self.conn.change_property8(PropMode::REPLACE, e.requestor, e.property, self.utf8, text.as_bytes());
                e.property
            } else {
                NONE
            };
            let notify = SelectionNotifyEvent {
                response_type: SELECTION_NOTIFY_EVENT,
                sequence: 0,
                time: e.time,
                requestor: e.requestor,
                selection: e.selection,
                target: e.target,
                property: served,
            };
            let _ = self.conn.send_event(false, e.requestor, EventMask::NO_EVENT, notify);
            let _ = self.conn.flush();
        }
    }
}

fn wait_for_change(clipboard: &mut dyn Clipboard) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Some(text) = clipboard.poll_change().expect("clipboard thread alive") {
            return Some(text);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[test]
fn text_the_csr_copies_is_pasted_by_the_customers_applications() {
    let x = test_support::Xvfb::start(640, 480);
    let mut clipboard = open_clipboard(Some(&x.display)).expect("X11 clipboard");
    let app = OtherApp::open(&x.display);

    clipboard.set_text("Grüße ✓ 42").expect("set clipboard text");

    let (kind, bytes) = app.paste(app.utf8).expect("UTF8_STRING served");
    assert_eq!((kind, String::from_utf8(bytes).expect("UTF-8")), (app.utf8, "Grüße ✓ 42".to_owned()));
    let (kind, bytes) = app.paste(AtomEnum::STRING.into()).expect("STRING served");
    assert_eq!((kind, bytes), (Atom::from(AtomEnum::STRING), b"Gr\xfc\xdfe ? 42".to_vec()));
    let (_, targets) = app.paste(app.targets).expect("TARGETS served");
    let targets: Vec<u32> = targets.chunks_exact(4).map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect();
    assert!(targets.contains(&app.utf8) && targets.contains(&u32::from(AtomEnum::STRING)), "{targets:?}");

    // Setting the clipboard ourselves is not reported back as the customer copying.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(clipboard.poll_change().expect("clipboard thread alive"), None);
}

#[test]
fn text_the_customer_copies_reaches_the_agent() {
    let x = test_support::Xvfb::start(640, 480);
    let mut clipboard = open_clipboard(Some(&x.display)).expect("X11 clipboard");
    clipboard.set_text("from the CSR").expect("set clipboard text");

    let copying = OtherApp::open(&x.display).copy("copied by the customer — ok");

    assert_eq!(wait_for_change(clipboard.as_mut()).as_deref(), Some("copied by the customer — ok"));
    // Once the customer copied, our old text is no longer what applications paste.
    let app = OtherApp::open(&x.display);
    let (_, bytes) = app.paste(app.utf8).expect("the customer's application serves its text");
    assert_eq!(bytes, "copied by the customer — ok".as_bytes());
    drop(app);
    drop(x);
    copying.join().expect("the customer's application ends with the X server");
}

#[test]
fn oversized_text_is_refused() {
    let x = test_support::Xvfb::start(640, 480);
    let mut clipboard = open_clipboard(Some(&x.display)).expect("X11 clipboard");
    let err = clipboard.set_text(&"x".repeat(media::clipboard::MAX_CLIPBOARD_BYTES + 1)).expect_err("too large");
    assert_eq!(err.code(), "clipboard_too_large");
}

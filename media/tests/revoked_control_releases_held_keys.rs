//! When the customer revokes control (or the share stops) while the CSR holds keys or buttons
//! down, they are released at once: no Shift or mouse button left stuck on the customer's side.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod input_harness;

use input_harness::{pointer, AppWindow, Seen};
use media::input::{open_injector, Action, ControlGrants, InputGate, InputInjector, Surface, Verdict};
use protocol::media::{InputEvent, Modifiers, PointerButton};
use x11rb::protocol::xproto::KeyButMask;

const MONITOR: Surface = Surface { x: 0, y: 0, width: 1024, height: 768, application: false };

fn press_and_hold(gate: &mut InputGate, injector: &mut dyn InputInjector) {
    let events = [
        InputEvent::Key { code: "ShiftLeft".into(), down: true, modifiers: Modifiers::default() },
        InputEvent::Key { code: "ControlLeft".into(), down: true, modifiers: Modifiers { shift: true, ..Modifiers::default() } },
        InputEvent::PointerButton { x: 0.2, y: 0.35, button: PointerButton::Left, down: true },
    ];
    for event in events {
        let Verdict::Inject(action) = gate.handle(&event) else { panic!("{event:?} dropped") };
        injector.inject(&action).expect("inject");
    }
}

fn inject_all(injector: &mut dyn InputInjector, actions: &[Action]) {
    for action in actions {
        injector.inject(action).expect("inject release");
    }
}

#[test]
fn revoking_control_releases_held_shift_control_and_button() {
    let x = test_support::Xvfb::start(1024, 768);
    let window = AppWindow::open(&x.display, 100, 200, 400, 300);
    let mut injector = open_injector(Some(&x.display)).expect("XTEST injector");
    let mut gate = InputGate::new();
    let _ = gate.set_surface(Some(MONITOR));
    let _ = gate.set_grants(ControlGrants::DESKTOP);

    press_and_hold(&mut gate, injector.as_mut());
    let held = pointer(&x.display).2;
    assert!(held.contains(KeyButMask::SHIFT | KeyButMask::CONTROL | KeyButMask::BUTTON1), "{held:?}");

    let releases = gate.set_grants(ControlGrants::NONE);
    assert_eq!(releases.len(), 3);
    inject_all(injector.as_mut(), &releases);

    let after = pointer(&x.display).2;
    assert!(!after.intersects(KeyButMask::SHIFT | KeyButMask::CONTROL | KeyButMask::BUTTON1), "{after:?}");
    let seen = window.seen();
    assert!(seen.contains(&Seen::ButtonRelease { button: 1, x: 104, y: 68 }), "{seen:?}");
    let presses = seen.iter().filter(|s| matches!(s, Seen::KeyPress { .. })).count();
    let releases = seen.iter().filter(|s| matches!(s, Seen::KeyRelease { .. })).count();
    assert_eq!((presses, releases), (2, 2), "{seen:?}");
}

#[test]
fn stopping_the_share_releases_held_keys() {
    let x = test_support::Xvfb::start(1024, 768);
    let mut injector = open_injector(Some(&x.display)).expect("XTEST injector");
    let mut gate = InputGate::new();
    let _ = gate.set_surface(Some(MONITOR));
    let _ = gate.set_grants(ControlGrants::DESKTOP);

    press_and_hold(&mut gate, injector.as_mut());
    inject_all(injector.as_mut(), &gate.set_surface(None));

    let after = pointer(&x.display).2;
    assert!(!after.intersects(KeyButMask::SHIFT | KeyButMask::CONTROL | KeyButMask::BUTTON1), "{after:?}");
}

//! Without a control grant (S21) the CSR's input changes nothing on the customer's computer:
//! the pointer stays, applications receive no events, and the gate counts what it dropped.
//! Application control does not reach outside the shared window.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod input_harness;

use input_harness::{pointer, warp_pointer, AppWindow};
use media::input::{open_injector, ControlGrants, DropReason, InputGate, InputInjector, Surface, Verdict};
use protocol::media::{InputEvent, Modifiers, PointerButton};

const WINDOW: Surface = Surface { x: 100, y: 200, width: 400, height: 300, application: true };

/// Feeds `events` through the gate and injects whatever it lets through.
fn run_all(gate: &mut InputGate, injector: &mut dyn InputInjector, events: &[InputEvent]) {
    for event in events {
        if let Verdict::Inject(action) = gate.handle(event) {
            injector.inject(&action).expect("inject");
        }
    }
}

fn attempts() -> Vec<InputEvent> {
    vec![
        InputEvent::PointerMove { x: 0.5, y: 0.5 },
        InputEvent::PointerButton { x: 0.5, y: 0.5, button: PointerButton::Left, down: true },
        InputEvent::PointerButton { x: 0.5, y: 0.5, button: PointerButton::Left, down: false },
        InputEvent::Wheel { x: 0.5, y: 0.5, dx: 0, dy: 3 },
        InputEvent::Key { code: "KeyA".into(), down: true, modifiers: Modifiers::default() },
        InputEvent::Key { code: "KeyA".into(), down: false, modifiers: Modifiers::default() },
        InputEvent::Text { text: "rm -rf".into() },
    ]
}

#[test]
fn without_a_grant_the_pointer_stays_and_the_window_receives_nothing() {
    let x = test_support::Xvfb::start(1024, 768);
    let window = AppWindow::open(&x.display, 100, 200, 400, 300);
    warp_pointer(&x.display, 150, 250);
    let mut injector = open_injector(Some(&x.display)).expect("XTEST injector");
    let mut gate = InputGate::new();
    let _ = gate.set_surface(Some(WINDOW));

    run_all(&mut gate, injector.as_mut(), &attempts());

    assert_eq!(gate.dropped(), 7);
    assert_eq!(gate.dropped_for(DropReason::NoGrant), 7);
    let (px, py, _) = pointer(&x.display);
    assert_eq!((px, py), (150, 250));
    assert_eq!(window.seen(), vec![]);
}

#[test]
fn a_revoked_grant_stops_input_at_once() {
    let x = test_support::Xvfb::start(1024, 768);
    let window = AppWindow::open(&x.display, 100, 200, 400, 300);
    warp_pointer(&x.display, 150, 250);
    let mut injector = open_injector(Some(&x.display)).expect("XTEST injector");
    let mut gate = InputGate::new();
    let _ = gate.set_surface(Some(WINDOW));
    let _ = gate.set_grants(ControlGrants::APPLICATION);
    let _ = gate.set_grants(ControlGrants::NONE);

    run_all(&mut gate, injector.as_mut(), &attempts());

    assert_eq!(gate.dropped_for(DropReason::NoGrant), 7);
    assert_eq!((pointer(&x.display).0, pointer(&x.display).1), (150, 250));
    assert_eq!(window.seen(), vec![]);
}

#[test]
fn application_control_drops_a_click_outside_the_window() {
    let x = test_support::Xvfb::start(1024, 768);
    let window = AppWindow::open(&x.display, 100, 200, 400, 300);
    // Another application beside the shared one.
    let other = AppWindow::open(&x.display, 600, 200, 200, 200);
    warp_pointer(&x.display, 150, 250);
    let mut injector = open_injector(Some(&x.display)).expect("XTEST injector");
    let mut gate = InputGate::new();
    let _ = gate.set_surface(Some(WINDOW));
    let _ = gate.set_grants(ControlGrants::APPLICATION);

    // x = 1.5 of the shared window is x = 700 of the root: inside the other application.
    let outside = [
        InputEvent::PointerMove { x: 1.5, y: 0.5 },
        InputEvent::PointerButton { x: 1.5, y: 0.5, button: PointerButton::Left, down: true },
        InputEvent::PointerButton { x: 1.5, y: 0.5, button: PointerButton::Left, down: false },
        InputEvent::Wheel { x: 0.5, y: -0.1, dx: 0, dy: 1 },
    ];
    run_all(&mut gate, injector.as_mut(), &outside);

    assert_eq!(gate.dropped_for(DropReason::OutsideSurface), 4);
    assert_eq!((pointer(&x.display).0, pointer(&x.display).1), (150, 250));
    assert_eq!(other.seen(), vec![]);
    assert_eq!(window.seen(), vec![]);
}

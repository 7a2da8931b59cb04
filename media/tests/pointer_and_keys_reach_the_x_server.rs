//! With control granted, the CSR's pointer moves, clicks, wheel, keys and typed text reach the
//! customer's X server where and as the CSR meant them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod input_harness;

use input_harness::{pointer, AppWindow, Seen};
use media::input::{open_injector, ControlGrants, InputGate, InputInjector, Surface, Verdict};
use protocol::media::{InputEvent, Modifiers, PointerButton};

fn run(gate: &mut InputGate, injector: &mut dyn InputInjector, event: InputEvent) {
    match gate.handle(&event) {
        Verdict::Inject(action) => injector.inject(&action).unwrap_or_else(|e| panic!("{action:?}: {e}")),
        Verdict::Drop(reason) => panic!("{event:?} dropped: {reason:?}"),
    }
}

fn key(code: &str, down: bool) -> InputEvent {
    InputEvent::Key { code: code.into(), down, modifiers: Modifiers::default() }
}

#[test]
fn pointer_moves_land_where_asked_on_a_monitor_and_on_a_window() {
    let x = test_support::Xvfb::start(2048, 768);
    let mut injector = open_injector(Some(&x.display)).expect("XTEST injector");

    // The right-hand monitor of two side by side.
    let mut gate = InputGate::new();
    let _ = gate.set_surface(Some(Surface { x: 1024, y: 0, width: 1024, height: 768, application: false }));
    let _ = gate.set_grants(ControlGrants::DESKTOP);
    run(&mut gate, injector.as_mut(), InputEvent::PointerMove { x: 0.25, y: 0.5 });
    assert_eq!(pointer(&x.display).0, 1024 + 256);
    assert_eq!(pointer(&x.display).1, 384);
    run(&mut gate, injector.as_mut(), InputEvent::PointerMove { x: 1.0, y: 1.0 });
    assert_eq!((pointer(&x.display).0, pointer(&x.display).1), (2047, 767));

    // An application window at an offset, under application control.
    let _window = AppWindow::open(&x.display, 100, 200, 400, 300);
    let mut gate = InputGate::new();
    let _ = gate.set_surface(Some(Surface { x: 100, y: 200, width: 400, height: 300, application: true }));
    let _ = gate.set_grants(ControlGrants::APPLICATION);
    run(&mut gate, injector.as_mut(), InputEvent::PointerMove { x: 0.5, y: 0.5 });
    assert_eq!((pointer(&x.display).0, pointer(&x.display).1), (300, 350));
}

#[test]
fn clicks_wheel_keys_and_text_reach_the_window_under_application_control() {
    let x = test_support::Xvfb::start(1024, 768);
    let window = AppWindow::open(&x.display, 100, 200, 400, 300);
    let mut injector = open_injector(Some(&x.display)).expect("XTEST injector");
    let mut gate = InputGate::new();
    let _ = gate.set_surface(Some(Surface { x: 100, y: 200, width: 400, height: 300, application: true }));
    let _ = gate.set_grants(ControlGrants::APPLICATION);

    for down in [true, false] {
        run(&mut gate, injector.as_mut(), InputEvent::PointerButton { x: 0.25, y: 0.5, button: PointerButton::Left, down });
    }
    run(&mut gate, injector.as_mut(), InputEvent::PointerButton { x: 0.5, y: 0.5, button: PointerButton::Right, down: true });
    run(&mut gate, injector.as_mut(), InputEvent::PointerButton { x: 0.5, y: 0.5, button: PointerButton::Right, down: false });
    run(&mut gate, injector.as_mut(), InputEvent::Wheel { x: 0.5, y: 0.5, dx: 0, dy: -2 });
    assert_eq!(
        window.seen(),
        vec![
            Seen::ButtonPress { button: 1, x: 100, y: 150 },
            Seen::ButtonRelease { button: 1, x: 100, y: 150 },
            Seen::ButtonPress { button: 3, x: 200, y: 150 },
            Seen::ButtonRelease { button: 3, x: 200, y: 150 },
            Seen::ButtonPress { button: 4, x: 200, y: 150 },
            Seen::ButtonRelease { button: 4, x: 200, y: 150 },
            Seen::ButtonPress { button: 4, x: 200, y: 150 },
            Seen::ButtonRelease { button: 4, x: 200, y: 150 },
        ]
    );

    run(&mut gate, injector.as_mut(), key("KeyA", true));
    run(&mut gate, injector.as_mut(), key("KeyA", false));
    let seen = window.seen();
    let [Seen::KeyPress { keycode, shift: false }, Seen::KeyRelease { keycode: released }] = seen[..] else {
        panic!("expected one key press and release, saw {seen:?}");
    };
    assert_eq!(keycode, released);
    assert_eq!(window.keysym(keycode, false), u32::from('a'));

    // Shift held by the CSR through its own key events changes the level, as on a real keyboard.
    for event in [key("ShiftLeft", true), key("KeyB", true), key("KeyB", false), key("ShiftLeft", false)] {
        run(&mut gate, injector.as_mut(), event);
    }
    assert_eq!(window.typed_keysyms(&window.seen()), vec![u32::from('B')]);
}

#[test]
fn typed_text_arrives_as_its_keysyms_including_characters_the_layout_lacks() {
    let x = test_support::Xvfb::start(1024, 768);
    let window = AppWindow::open(&x.display, 0, 0, 400, 300);
    let mut injector = open_injector(Some(&x.display)).expect("XTEST injector");
    let mut gate = InputGate::new();
    let _ = gate.set_surface(Some(Surface { x: 0, y: 0, width: 1024, height: 768, application: false }));
    let _ = gate.set_grants(ControlGrants::DESKTOP);

    run(&mut gate, injector.as_mut(), InputEvent::PointerMove { x: 0.1, y: 0.1 });
    run(&mut gate, injector.as_mut(), InputEvent::Text { text: "Hé!".into() });
    // é is Latin-1 (0xe9); € has no Latin-1 keysym and travels as 0x0100_0000 + U+20AC.
    run(&mut gate, injector.as_mut(), InputEvent::Text { text: "a€\n".into() });
    let seen = window.seen();
    assert_eq!(window.typed_keysyms(&seen), vec![0x48, 0xe9, 0x21, 0x61, 0x0100_20ac, 0xff0d], "{seen:?}");
    // Every press was released, and Shift is not left down.
    let presses = seen.iter().filter(|s| matches!(s, Seen::KeyPress { .. })).count();
    let releases = seen.iter().filter(|s| matches!(s, Seen::KeyRelease { .. })).count();
    assert_eq!(presses, releases);
    assert!(!input_harness::pointer(&x.display).2.contains(x11rb::protocol::xproto::KeyButMask::SHIFT));

    // The keycodes lent to é and € go back to empty once the injector closes.
    let lent: Vec<u8> = seen
        .iter()
        .filter_map(|s| match *s {
            Seen::KeyPress { keycode, shift } if [0xe9, 0x0100_20ac].contains(&window.keysym(keycode, shift)) => Some(keycode),
            _ => None,
        })
        .collect();
    assert_eq!(lent.len(), 2);
    drop(injector);
    for keycode in lent {
        assert_eq!(window.keysym(keycode, false), 0, "keycode {keycode} still bound");
    }
}

use protocol::media::{InputEvent, Modifiers, PointerButton};

use super::*;

const MONITOR: Surface = Surface { x: 0, y: 0, width: 1920, height: 1080, application: false };
const WINDOW: Surface = Surface { x: 100, y: 200, width: 400, height: 300, application: true };

fn gate(surface: Surface, grants: ControlGrants) -> InputGate {
    let mut gate = InputGate::new();
    assert!(gate.set_surface(Some(surface)).is_empty());
    assert!(gate.set_grants(grants).is_empty());
    gate
}

fn key(code: &str, down: bool) -> InputEvent {
    InputEvent::Key { code: code.into(), down, modifiers: Modifiers::default() }
}

fn click(x: f64, y: f64, down: bool) -> InputEvent {
    InputEvent::PointerButton { x, y, button: PointerButton::Left, down }
}

#[test]
fn a_new_gate_drops_everything_for_lack_of_a_grant() {
    let mut gate = InputGate::new();
    assert_eq!(gate.handle(&InputEvent::PointerMove { x: 0.5, y: 0.5 }), Verdict::Drop(DropReason::NoGrant));
    assert_eq!(gate.handle(&key("KeyA", true)), Verdict::Drop(DropReason::NoGrant));
    assert_eq!(gate.dropped(), 2);
    assert_eq!(gate.dropped_for(DropReason::NoGrant), 2);
}

#[test]
fn a_grant_without_a_share_drops_for_lack_of_a_surface() {
    let mut gate = InputGate::new();
    assert!(gate.set_grants(ControlGrants::DESKTOP).is_empty());
    assert_eq!(gate.handle(&InputEvent::PointerMove { x: 0.5, y: 0.5 }), Verdict::Drop(DropReason::NoSurface));
}

#[test]
fn desktop_control_maps_fractions_onto_the_monitor() {
    let mut gate = gate(Surface { x: 1920, ..MONITOR }, ControlGrants::DESKTOP);
    assert_eq!(gate.handle(&InputEvent::PointerMove { x: 0.5, y: 0.25 }), Verdict::Inject(Action::MoveTo { x: 1920 + 960, y: 270 }));
    assert_eq!(gate.handle(&InputEvent::PointerMove { x: 0.0, y: 0.0 }), Verdict::Inject(Action::MoveTo { x: 1920, y: 0 }));
    // The far edge is the last pixel, not one past it.
    assert_eq!(gate.handle(&InputEvent::PointerMove { x: 1.0, y: 1.0 }), Verdict::Inject(Action::MoveTo { x: 1920 + 1919, y: 1079 }));
}

#[test]
fn application_control_maps_fractions_onto_the_window_at_its_offset() {
    let mut gate = gate(WINDOW, ControlGrants::APPLICATION);
    assert_eq!(
        gate.handle(&click(0.5, 0.5, true)),
        Verdict::Inject(Action::Button { at: Some((300, 350)), button: Button::Left, down: true })
    );
}

#[test]
fn positions_outside_the_surface_are_dropped() {
    for grants in [ControlGrants::APPLICATION, ControlGrants::DESKTOP] {
        let mut gate = gate(WINDOW, grants);
        for (x, y) in [(-0.01, 0.5), (1.01, 0.5), (0.5, -0.5), (0.5, 2.0)] {
            assert_eq!(gate.handle(&click(x, y, true)), Verdict::Drop(DropReason::OutsideSurface), "{grants:?} ({x}, {y})");
        }
        assert_eq!(gate.dropped_for(DropReason::OutsideSurface), 4);
    }
}

#[test]
fn nan_and_infinite_coordinates_are_dropped() {
    let mut gate = gate(MONITOR, ControlGrants::DESKTOP);
    for (x, y) in [(f64::NAN, 0.5), (0.5, f64::INFINITY), (f64::NEG_INFINITY, f64::NAN)] {
        assert_eq!(gate.handle(&InputEvent::Wheel { x, y, dx: 0, dy: 1 }), Verdict::Drop(DropReason::InvalidCoordinates));
    }
    assert_eq!(gate.dropped(), 3);
}

#[test]
fn application_control_does_not_reach_a_shared_monitor() {
    let mut gate = gate(MONITOR, ControlGrants::APPLICATION);
    assert!(!gate.controls());
    assert_eq!(gate.handle(&InputEvent::PointerMove { x: 0.5, y: 0.5 }), Verdict::Drop(DropReason::NoGrant));
    assert_eq!(gate.handle(&InputEvent::Text { text: "hi".into() }), Verdict::Drop(DropReason::NoGrant));
}

#[test]
fn desktop_control_also_covers_a_shared_window() {
    let gate = gate(WINDOW, ControlGrants::DESKTOP);
    assert!(gate.controls());
}

#[test]
fn keys_map_to_keysyms_and_unknown_codes_are_dropped() {
    let mut gate = gate(MONITOR, ControlGrants::DESKTOP);
    assert_eq!(gate.handle(&key("KeyQ", true)), Verdict::Inject(Action::Key { keysym: u32::from('q'), down: true }));
    assert_eq!(gate.handle(&key("KeyQ", false)), Verdict::Inject(Action::Key { keysym: u32::from('q'), down: false }));
    assert_eq!(gate.handle(&key("LaunchMail", true)), Verdict::Drop(DropReason::UnknownKey));
    assert_eq!(gate.dropped_for(DropReason::UnknownKey), 1);
}

#[test]
fn modifiers_in_key_events_do_not_press_anything_extra() {
    let mut gate = gate(MONITOR, ControlGrants::DESKTOP);
    let shifted_a = InputEvent::Key { code: "KeyA".into(), down: true, modifiers: Modifiers { shift: true, ..Modifiers::default() } };
    assert_eq!(gate.handle(&shifted_a), Verdict::Inject(Action::Key { keysym: u32::from('a'), down: true }));
    assert_eq!(gate.held(), (vec![u32::from('a')], vec![]));
}

#[test]
fn releasing_a_key_the_csr_never_pressed_is_dropped() {
    let mut gate = gate(MONITOR, ControlGrants::DESKTOP);
    assert_eq!(gate.handle(&key("ShiftLeft", false)), Verdict::Drop(DropReason::NotPressed));
}

#[test]
fn text_must_be_non_empty_short_and_free_of_control_characters() {
    let mut gate = gate(MONITOR, ControlGrants::DESKTOP);
    let text = |t: String| InputEvent::Text { text: t };
    assert_eq!(gate.handle(&text(String::new())), Verdict::Drop(DropReason::EmptyText));
    assert_eq!(gate.handle(&text("é".repeat(MAX_TEXT_CHARS + 1))), Verdict::Drop(DropReason::TextTooLong));
    assert_eq!(gate.handle(&text("a\u{1b}b".into())), Verdict::Drop(DropReason::ControlCharacter));
    let longest = "é".repeat(MAX_TEXT_CHARS);
    assert_eq!(gate.handle(&text(longest.clone())), Verdict::Inject(Action::Text(longest)));
    assert_eq!(gate.handle(&text("line\n\tnext".into())), Verdict::Inject(Action::Text("line\n\tnext".into())));
}

#[test]
fn wheel_steps_are_clamped() {
    let mut gate = gate(MONITOR, ControlGrants::DESKTOP);
    assert_eq!(
        gate.handle(&InputEvent::Wheel { x: 0.0, y: 0.0, dx: -1000, dy: i32::MAX }),
        Verdict::Inject(Action::Wheel { x: 0, y: 0, dx: -MAX_WHEEL_STEPS, dy: MAX_WHEEL_STEPS })
    );
}

#[test]
fn revoking_control_releases_held_keys_and_buttons() {
    let mut gate = gate(MONITOR, ControlGrants::DESKTOP);
    for event in [key("ShiftLeft", true), key("KeyA", true), click(0.5, 0.5, true)] {
        assert!(matches!(gate.handle(&event), Verdict::Inject(_)));
    }
    let releases = gate.set_grants(ControlGrants::NONE);
    assert_eq!(
        releases,
        vec![
            Action::Button { at: None, button: Button::Left, down: false },
            Action::Key { keysym: 0xffe1, down: false },
            Action::Key { keysym: u32::from('a'), down: false },
        ]
    );
    assert_eq!(gate.held(), (vec![], vec![]));
    // The browser's late key-up finds no grant and releases nothing twice.
    assert_eq!(gate.handle(&key("ShiftLeft", false)), Verdict::Drop(DropReason::NoGrant));
}

#[test]
fn stopping_the_share_releases_held_keys() {
    let mut gate = gate(WINDOW, ControlGrants::APPLICATION);
    assert!(matches!(gate.handle(&key("ControlLeft", true)), Verdict::Inject(_)));
    assert_eq!(gate.set_surface(None), vec![Action::Key { keysym: 0xffe3, down: false }]);
}

#[test]
fn a_moved_window_keeps_keys_held() {
    let mut gate = gate(WINDOW, ControlGrants::APPLICATION);
    assert!(matches!(gate.handle(&key("ControlLeft", true)), Verdict::Inject(_)));
    assert!(gate.set_surface(Some(Surface { x: 0, ..WINDOW })).is_empty());
    assert_eq!(gate.held(), (vec![0xffe3], vec![]));
}

#[test]
fn a_drag_released_outside_the_window_lets_go_at_the_edge() {
    let mut gate = gate(WINDOW, ControlGrants::APPLICATION);
    assert!(matches!(gate.handle(&click(0.5, 0.5, true)), Verdict::Inject(_)));
    assert_eq!(
        gate.handle(&click(1.5, 0.5, false)),
        Verdict::Inject(Action::Button { at: Some((499, 350)), button: Button::Left, down: false })
    );
    // Not held any more: a second release outside is dropped.
    assert_eq!(gate.handle(&click(1.5, 0.5, false)), Verdict::Drop(DropReason::OutsideSurface));
}

#[test]
fn random_events_never_inject_outside_the_surface() {
    // A small deterministic generator: no dependency, the same sequence every run.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let fraction = |r: u64| match r % 8 {
        0 => f64::NAN,
        1 => -0.5,
        2 => 1.5,
        _ => (r >> 11) as f64 / (1u64 << 53) as f64,
    };
    let mut gate = gate(WINDOW, ControlGrants::APPLICATION);
    let inside = |x: i32, y: i32| (100..500).contains(&x) && (200..500).contains(&y);
    for _ in 0..10_000 {
        let (x, y) = (fraction(next()), fraction(next()));
        let event = match next() % 3 {
            0 => InputEvent::PointerMove { x, y },
            1 => click(x, y, next() % 2 == 0),
            _ => InputEvent::Wheel { x, y, dx: 1, dy: -1 },
        };
        match gate.handle(&event) {
            Verdict::Inject(Action::MoveTo { x, y } | Action::Wheel { x, y, .. } | Action::Button { at: Some((x, y)), .. }) => {
                assert!(inside(x, y), "{event:?} -> ({x}, {y})");
            }
            Verdict::Inject(Action::Button { at: None, down: false, .. }) | Verdict::Drop(_) => {}
            other => panic!("{event:?} -> {other:?}"),
        }
    }
}

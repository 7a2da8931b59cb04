//! The browser's layout-independent key names (`KeyboardEvent.code`) as X keysyms, and the keysym
//! a typed character stands for. Keysym values are those of X11's `keysymdef.h`; other backends
//! translate keysyms into their own key codes.

/// `XK_Return`, `XK_Tab`: what a newline or tab in typed text presses.
pub const KEYSYM_RETURN: u32 = 0xff0d;
pub const KEYSYM_TAB: u32 = 0xff09;
/// `XK_Shift_L`, held for characters on the shifted level of a key.
pub const KEYSYM_SHIFT_L: u32 = 0xffe1;

/// Keys without a regular pattern, by `KeyboardEvent.code`.
const NAMED: &[(&str, u32)] = &[
    ("Enter", KEYSYM_RETURN),
    ("Escape", 0xff1b),
    ("Backspace", 0xff08),
    ("Tab", KEYSYM_TAB),
    ("Space", 0x0020),
    ("Minus", 0x002d),
    ("Equal", 0x003d),
    ("BracketLeft", 0x005b),
    ("BracketRight", 0x005d),
    ("Backslash", 0x005c),
    ("IntlBackslash", 0x003c),
    ("Semicolon", 0x003b),
    ("Quote", 0x0027),
    ("Backquote", 0x0060),
    ("Comma", 0x002c),
    ("Period", 0x002e),
    ("Slash", 0x002f),
    ("CapsLock", 0xffe5),
    ("PrintScreen", 0xff61),
    ("ScrollLock", 0xff14),
    ("Pause", 0xff13),
    ("Insert", 0xff63),
    ("Home", 0xff50),
    ("PageUp", 0xff55),
    ("Delete", 0xffff),
    ("End", 0xff57),
    ("PageDown", 0xff56),
    ("ArrowLeft", 0xff51),
    ("ArrowUp", 0xff52),
    ("ArrowRight", 0xff53),
    ("ArrowDown", 0xff54),
    ("NumLock", 0xff7f),
    ("NumpadDivide", 0xffaf),
    ("NumpadMultiply", 0xffaa),
    ("NumpadSubtract", 0xffad),
    ("NumpadAdd", 0xffab),
    ("NumpadEnter", 0xff8d),
    ("NumpadDecimal", 0xffae),
    ("NumpadComma", 0xffac),
    ("NumpadEqual", 0xffbd),
    ("ShiftLeft", KEYSYM_SHIFT_L),
    ("ShiftRight", 0xffe2),
    ("ControlLeft", 0xffe3),
    ("ControlRight", 0xffe4),
    ("AltLeft", 0xffe9),
    ("AltRight", 0xffea),
    ("MetaLeft", 0xffeb),
    ("MetaRight", 0xffec),
    ("ContextMenu", 0xff67),
];

/// The keysym of the physical key the browser names `code`, or `None` for a key we do not know.
///
/// The keysym only identifies the key: the injector presses that key as it is, so the customer's
/// layout and the modifiers already held decide what it types, as with a local keyboard.
pub fn keysym_for_code(code: &str) -> Option<u32> {
    if let Some(letter) = code.strip_prefix("Key") {
        return single_char(letter).filter(char::is_ascii_uppercase).map(|c| u32::from(c.to_ascii_lowercase()));
    }
    if let Some(digit) = code.strip_prefix("Digit") {
        return single_char(digit).filter(char::is_ascii_digit).map(u32::from);
    }
    if let Some(digit) = code.strip_prefix("Numpad").and_then(single_char).filter(char::is_ascii_digit) {
        // XK_KP_0 .. XK_KP_9
        return Some(0xffb0 + (u32::from(digit) - u32::from('0')));
    }
    if let Some(n) = code.strip_prefix('F').and_then(|n| n.parse::<u32>().ok()).filter(|n| (1..=24).contains(n)) {
        // XK_F1 .. XK_F24 are consecutive
        return Some(0xffbe + n - 1);
    }
    NAMED.iter().find(|(name, _)| *name == code).map(|&(_, keysym)| keysym)
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// The keysym that types `c`: ASCII and Latin-1 keysyms equal their code point, every other
/// Unicode character is `0x0100_0000 + code point` (the X convention xdotool also relies on).
/// Newline and tab press Return and Tab; other control characters have no keysym.
pub fn keysym_for_char(c: char) -> Option<u32> {
    match c {
        '\n' | '\r' => Some(KEYSYM_RETURN),
        '\t' => Some(KEYSYM_TAB),
        c if c.is_control() => None,
        ' '..='~' | '\u{a0}'..='\u{ff}' => Some(u32::from(c)),
        c => Some(0x0100_0000 + u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_digits_map_to_their_unshifted_keysyms() {
        assert_eq!(keysym_for_code("KeyA"), Some(u32::from('a')));
        assert_eq!(keysym_for_code("KeyZ"), Some(u32::from('z')));
        assert_eq!(keysym_for_code("Digit0"), Some(u32::from('0')));
        assert_eq!(keysym_for_code("Digit9"), Some(u32::from('9')));
    }

    #[test]
    fn function_numpad_and_named_keys_map_to_x_keysyms() {
        assert_eq!(keysym_for_code("F1"), Some(0xffbe));
        assert_eq!(keysym_for_code("F12"), Some(0xffc9));
        assert_eq!(keysym_for_code("Numpad7"), Some(0xffb7));
        assert_eq!(keysym_for_code("ShiftLeft"), Some(KEYSYM_SHIFT_L));
        assert_eq!(keysym_for_code("PageDown"), Some(0xff56));
        assert_eq!(keysym_for_code("ContextMenu"), Some(0xff67));
    }

    #[test]
    fn unknown_or_malformed_codes_have_no_keysym() {
        for code in ["", "Key", "Keya", "KeyAB", "Digit10", "F0", "F25", "Fx", "Numpad", "Launch"] {
            assert_eq!(keysym_for_code(code), None, "{code:?}");
        }
    }

    #[test]
    fn characters_map_to_latin1_or_unicode_keysyms() {
        assert_eq!(keysym_for_char('H'), Some(0x48));
        assert_eq!(keysym_for_char('é'), Some(0xe9));
        assert_eq!(keysym_for_char('€'), Some(0x0100_20ac));
        assert_eq!(keysym_for_char('\n'), Some(KEYSYM_RETURN));
        assert_eq!(keysym_for_char('\u{7}'), None);
    }
}

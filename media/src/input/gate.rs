//! [`InputGate`]: which of the CSR's input events may reach the customer's computer (S10, S21), and
//! where. No I/O and no clock: the agent feeds it the shared surface, the live control grants and
//! each event, and hands the resulting [`Action`]s to an [`InputInjector`](super::InputInjector).

use std::collections::BTreeSet;

use protocol::media::{InputEvent, PointerButton};

use super::keymap;

/// Longest [`InputEvent::Text`] the gate passes on, in characters.
pub const MAX_TEXT_CHARS: usize = 4096;
/// Wheel notches per event beyond which the gate clamps, so one event cannot scroll for minutes.
pub const MAX_WHEEL_STEPS: i32 = 50;

/// The shared surface in root-window pixels: a monitor, or an application window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Surface {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    /// An application window (S10 "view/control application") rather than a monitor.
    pub application: bool,
}

/// The control grants the customer has given and not revoked, from the agent's consent gate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ControlGrants {
    /// `Capability::RemoteControl`: the whole desktop.
    pub remote_control: bool,
    /// `Capability::ApplicationControl`: only the shared application window.
    pub application_control: bool,
}

impl ControlGrants {
    /// No control at all.
    pub const NONE: ControlGrants = ControlGrants { remote_control: false, application_control: false };
    /// Desktop control.
    pub const DESKTOP: ControlGrants = ControlGrants { remote_control: true, application_control: false };
    /// Control of the shared application only.
    pub const APPLICATION: ControlGrants = ControlGrants { remote_control: false, application_control: true };
}

/// A pointer button as the injector presses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Button {
    Left,
    Middle,
    Right,
    Back,
    Forward,
}

impl From<PointerButton> for Button {
    fn from(b: PointerButton) -> Button {
        match b {
            PointerButton::Left => Button::Left,
            PointerButton::Middle => Button::Middle,
            PointerButton::Right => Button::Right,
            PointerButton::Back => Button::Back,
            PointerButton::Forward => Button::Forward,
        }
    }
}

/// What the injector does, in absolute root-window pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Move the pointer to (x, y).
    MoveTo { x: i32, y: i32 },
    /// Move to `at` when given, then press or release `button`.
    Button { at: Option<(i32, i32)>, button: Button, down: bool },
    /// Move to (x, y), then scroll: positive `dy` down, positive `dx` right, in notches.
    Wheel { x: i32, y: i32, dx: i32, dy: i32 },
    /// Press or release the physical key that carries `keysym` (see [`keymap::keysym_for_code`]).
    Key { keysym: u32, down: bool },
    /// Type `text` character by character.
    Text(String),
}

/// Why the gate dropped an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// No live control grant covers the shared surface.
    NoGrant,
    /// Nothing is shared, so coordinates mean nothing.
    NoSurface,
    /// The position lies outside 0..=1 of the shared surface.
    OutsideSurface,
    /// A coordinate is NaN or infinite.
    InvalidCoordinates,
    /// Text with no characters.
    EmptyText,
    /// Text longer than [`MAX_TEXT_CHARS`].
    TextTooLong,
    /// Text with a control character other than newline or tab.
    ControlCharacter,
    /// A `KeyboardEvent.code` the keymap does not know.
    UnknownKey,
    /// The release of a key the CSR never pressed, which could only lift a key the customer holds.
    NotPressed,
}

impl DropReason {
    /// Every reason, in the order [`InputGate::dropped_for`] counts them.
    pub const ALL: [DropReason; 9] = [
        DropReason::NoGrant,
        DropReason::NoSurface,
        DropReason::OutsideSurface,
        DropReason::InvalidCoordinates,
        DropReason::EmptyText,
        DropReason::TextTooLong,
        DropReason::ControlCharacter,
        DropReason::UnknownKey,
        DropReason::NotPressed,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// The gate's answer to one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Inject(Action),
    Drop(DropReason),
}

/// Decides, for each of the CSR's input events, whether it may act on the customer's computer and
/// where; remembers what the CSR holds down so that losing control releases it.
#[derive(Debug, Default)]
pub struct InputGate {
    surface: Option<Surface>,
    grants: ControlGrants,
    held_keys: BTreeSet<u32>,
    held_buttons: BTreeSet<Button>,
    dropped: [u64; DropReason::ALL.len()],
}

impl InputGate {
    /// A gate with nothing shared and no grant: it drops everything.
    pub fn new() -> InputGate {
        InputGate::default()
    }

    /// The share changed (`None`: sharing stopped). Returns the releases to inject when control
    /// lapses with keys or buttons still held; a surface that only moved keeps them held.
    #[must_use = "inject the returned releases, or keys stay stuck down"]
    pub fn set_surface(&mut self, surface: Option<Surface>) -> Vec<Action> {
        self.surface = surface;
        self.release_if_lapsed()
    }

    /// The grants changed (a grant given or revoked). Returns the releases to inject when control
    /// lapses with keys or buttons still held.
    #[must_use = "inject the returned releases, or keys stay stuck down"]
    pub fn set_grants(&mut self, grants: ControlGrants) -> Vec<Action> {
        self.grants = grants;
        self.release_if_lapsed()
    }

    /// Releases for every key and button the CSR holds, forgetting them (for shutdown).
    #[must_use = "inject the returned releases, or keys stay stuck down"]
    pub fn release_all(&mut self) -> Vec<Action> {
        let buttons = std::mem::take(&mut self.held_buttons).into_iter().map(|button| Action::Button { at: None, button, down: false });
        let keys = std::mem::take(&mut self.held_keys).into_iter().rev().map(|keysym| Action::Key { keysym, down: false });
        buttons.chain(keys).collect()
    }

    /// Whether the CSR may control the current surface now.
    pub fn controls(&self) -> bool {
        match self.surface {
            None => false,
            Some(s) => self.grants.remote_control || (self.grants.application_control && s.application),
        }
    }

    /// Events dropped so far, for every reason.
    pub fn dropped(&self) -> u64 {
        self.dropped.iter().sum()
    }

    /// Events dropped so far for `reason`.
    pub fn dropped_for(&self, reason: DropReason) -> u64 {
        self.dropped[reason.index()]
    }

    /// Keys (by keysym) and buttons the CSR holds down now.
    pub fn held(&self) -> (Vec<u32>, Vec<Button>) {
        (self.held_keys.iter().copied().collect(), self.held_buttons.iter().copied().collect())
    }

    /// Judges one event from the CSR's console.
    pub fn handle(&mut self, event: &InputEvent) -> Verdict {
        match self.judge(event) {
            Ok(action) => {
                self.remember(&action);
                Verdict::Inject(action)
            }
            Err(reason) => {
                self.dropped[reason.index()] += 1;
                Verdict::Drop(reason)
            }
        }
    }

    fn judge(&self, event: &InputEvent) -> Result<Action, DropReason> {
        let Some(surface) = self.surface else {
            let any_grant = self.grants.remote_control || self.grants.application_control;
            return Err(if any_grant { DropReason::NoSurface } else { DropReason::NoGrant });
        };
        if !self.controls() {
            return Err(DropReason::NoGrant);
        }
        match event {
            InputEvent::PointerMove { x, y } => {
                let (x, y) = locate(surface, *x, *y)?;
                Ok(Action::MoveTo { x, y })
            }
            InputEvent::PointerButton { x, y, button, down } => {
                let button = Button::from(*button);
                match locate(surface, *x, *y) {
                    Ok(at) => Ok(Action::Button { at: Some(at), button, down: *down }),
                    // A drag that ends outside must still let go, or the button stays stuck
                    // down; it lets go at the nearest edge (or where the pointer is).
                    Err(_) if !*down && self.held_buttons.contains(&button) => {
                        Ok(Action::Button { at: clamp_locate(surface, *x, *y), button, down: false })
                    }
                    Err(reason) => Err(reason),
                }
            }
            InputEvent::Wheel { x, y, dx, dy } => {
                let (x, y) = locate(surface, *x, *y)?;
                let clamp = |d: i32| d.clamp(-MAX_WHEEL_STEPS, MAX_WHEEL_STEPS);
                Ok(Action::Wheel { x, y, dx: clamp(*dx), dy: clamp(*dy) })
            }
            // `modifiers` is informational: the browser sends modifier keys as key events of
            // their own, so pressing them here too would press them twice.
            InputEvent::Key { code, down, modifiers: _ } => {
                let keysym = keymap::keysym_for_code(code).ok_or(DropReason::UnknownKey)?;
                if !*down && !self.held_keys.contains(&keysym) {
                    return Err(DropReason::NotPressed);
                }
                Ok(Action::Key { keysym, down: *down })
            }
            InputEvent::Text { text } => {
                check_text(text)?;
                Ok(Action::Text(text.clone()))
            }
        }
    }

    fn remember(&mut self, action: &Action) {
        match *action {
            Action::Button { button, down: true, .. } => {
                self.held_buttons.insert(button);
            }
            Action::Button { button, down: false, .. } => {
                self.held_buttons.remove(&button);
            }
            Action::Key { keysym, down: true } => {
                self.held_keys.insert(keysym);
            }
            Action::Key { keysym, down: false } => {
                self.held_keys.remove(&keysym);
            }
            Action::MoveTo { .. } | Action::Wheel { .. } | Action::Text(_) => {}
        }
    }

    fn release_if_lapsed(&mut self) -> Vec<Action> {
        if self.controls() {
            Vec::new()
        } else {
            self.release_all()
        }
    }
}

fn check_text(text: &str) -> Result<(), DropReason> {
    if text.is_empty() {
        return Err(DropReason::EmptyText);
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(DropReason::TextTooLong);
    }
    if text.chars().any(|c| keymap::keysym_for_char(c).is_none()) {
        return Err(DropReason::ControlCharacter);
    }
    Ok(())
}

/// Maps a surface fraction to a root pixel; 1.0 lands on the last pixel row or column.
fn locate(surface: Surface, fx: f64, fy: f64) -> Result<(i32, i32), DropReason> {
    if !fx.is_finite() || !fy.is_finite() {
        return Err(DropReason::InvalidCoordinates);
    }
    if !(0.0..=1.0).contains(&fx) || !(0.0..=1.0).contains(&fy) {
        return Err(DropReason::OutsideSurface);
    }
    Ok((axis(surface.x, surface.width, fx), axis(surface.y, surface.height, fy)))
}

/// Like [`locate`] but pulls an outside position onto the nearest edge; `None` for NaN or infinity.
fn clamp_locate(surface: Surface, fx: f64, fy: f64) -> Option<(i32, i32)> {
    if !fx.is_finite() || !fy.is_finite() {
        return None;
    }
    Some((axis(surface.x, surface.width, fx.clamp(0.0, 1.0)), axis(surface.y, surface.height, fy.clamp(0.0, 1.0))))
}

fn axis(origin: i32, extent: u32, fraction: f64) -> i32 {
    let last = i64::from(extent.max(1)) - 1;
    // `fraction` is within 0..=1, so the product fits; the cast saturates anyway.
    let offset = ((fraction * f64::from(extent)).floor() as i64).clamp(0, last);
    (i64::from(origin) + offset).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;

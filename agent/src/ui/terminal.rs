//! The terminal UI: prompts and messages on standard output, answers and commands typed on
//! standard input, one per line. Works answered by a person at the prompt (or by a program
//! writing to the agent's standard input, as the tests do).

use super::{grant_line, size, Answer, CustomerAction, CustomerUi, Hint, Notice, Person, UiInput};
use protocol::peer::TransferId;
use protocol::{Capability, RequestId};
use std::collections::VecDeque;
use std::io::Write;

/// A question waiting for a yes or no, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Question {
    Consent(RequestId),
    File(TransferId),
    Report,
}

pub struct TerminalUi<W: Write + Send> {
    out: W,
    questions: VecDeque<Question>,
    people: Vec<Person>,
    offers: Vec<(TransferId, String)>,
    /// The last `grants` list shown, so `revoke 2` means its second line.
    last_grants: Vec<Capability>,
}

pub const HELP: &str = "Commands:
  y / n                 answer the oldest open question (Enter alone means no);
                        for a permission, y allows it for this session
  once                  allow the oldest permission question once (until that activity stops)
  grants                list what you allowed, to whom
  revoke <what>         take a permission back at once, e.g. `revoke screen_view` or `revoke 1`
  revoke all            stop everything and take every permission back
  camera on / off       share your camera with support on your own, or stop it
  chat <text>           message everyone;  @Name <text> messages one person
  accept <n> / refuse <n>   download or refuse offered file number n
  leave                 leave the session (the agent closes)
  help                  this list";

impl TerminalUi<std::io::Stdout> {
    pub fn stdout() -> Self {
        Self::new(std::io::stdout())
    }
}

impl<W: Write + Send> TerminalUi<W> {
    pub fn new(out: W) -> Self {
        Self { out, questions: VecDeque::new(), people: vec![], offers: vec![], last_grants: vec![] }
    }

    /// Writes one line. Everything shown was made safe by the agent's core; control characters
    /// are removed here once more, so nothing can drive the terminal.
    fn say(&mut self, text: &str) {
        let _ = writeln!(self.out, "{}", protocol::policy::displayable(text, true));
        let _ = self.out.flush();
    }

    fn answer(&mut self, yes: bool, once: bool) -> Option<CustomerAction> {
        if once && !matches!(self.questions.front(), Some(Question::Consent(_))) {
            self.say("`once` answers a permission question; there is none open.");
            return None;
        }
        let Some(q) = self.questions.pop_front() else {
            self.say("There is no open question. Type `help` for commands.");
            return None;
        };
        let answer = match (yes, once) {
            (false, _) => Answer::Deny,
            (true, true) => Answer::Once,
            (true, false) => Answer::ForSession,
        };
        Some(match q {
            Question::Consent(request) => CustomerAction::Answer { request, answer },
            Question::File(t) if yes => CustomerAction::AcceptFile(t),
            Question::File(t) => CustomerAction::DeclineFile(t),
            Question::Report => CustomerAction::SendReport(yes),
        })
    }

    fn offer(&mut self, arg: &str, accept: bool) -> Option<CustomerAction> {
        let n: usize = arg.trim().parse().ok()?;
        let (t, _) = self.offers.get(n.checked_sub(1)?)?.clone();
        self.questions.retain(|q| q != &Question::File(t.clone()));
        Some(if accept { CustomerAction::AcceptFile(t) } else { CustomerAction::DeclineFile(t) })
    }

    fn chat_to_one(&mut self, rest: &str) -> Option<CustomerAction> {
        chat_to_one(&self.people, rest)
    }
}

/// "@Alice text" or "@Frida hello" (a first name is enough): the longest full name that
/// matches wins, so "Ann Lee" beats "Ann"; then a unique first name. Names are compared
/// character by character without case, never by byte offsets of a lowercased copy.
pub fn chat_to_one(people: &[Person], rest: &str) -> Option<CustomerAction> {
    let others: Vec<&Person> = people.iter().filter(|p| !p.you).collect();
    let after = |name: &str| -> Option<String> {
        let mut text = rest.chars();
        for n in name.chars() {
            let t = text.next()?;
            if t.to_lowercase().next() != n.to_lowercase().next() {
                return None;
            }
        }
        let tail: String = text.collect();
        (tail.is_empty() || tail.starts_with(char::is_whitespace)).then(|| tail.trim().to_owned())
    };
    let mut full: Vec<(&Person, String)> = others.iter().filter_map(|p| after(&p.name).map(|t| (*p, t))).collect();
    full.sort_by_key(|(p, _)| std::cmp::Reverse(p.name.chars().count()));
    let found = full.into_iter().next().or_else(|| {
        let first = |p: &Person| p.name.split_whitespace().next().map(str::to_owned);
        let mut by_first: Vec<(&Person, String)> = others.iter().filter_map(|p| after(&first(p)?).map(|t| (*p, t))).collect();
        (by_first.len() == 1).then(|| by_first.remove(0))
    });
    let (p, text) = found?;
    (!text.is_empty()).then(|| CustomerAction::Chat { to: vec![p.id.clone()], text })
}

/// Reads `screen_view`, `screen`, `control`, … or a number from the `grants` list.
pub fn parse_capability(word: &str, granted: &[Capability]) -> Option<Capability> {
    if let Ok(n) = word.parse::<usize>() {
        return granted.get(n.checked_sub(1)?).copied();
    }
    let w = word.trim().to_lowercase().replace([' ', '-'], "_");
    let alias = match w.as_str() {
        "screen" => Some(Capability::ScreenView),
        "control" => Some(Capability::RemoteControl),
        "app" | "application" => Some(Capability::ApplicationView),
        "files" | "file_transfer" => Some(Capability::AdvancedFileTransfer),
        "system" | "sysinfo" => Some(Capability::SystemInfo),
        "camera" => Some(Capability::Camera),
        "microphone" | "mic" => Some(Capability::Microphone),
        _ => None,
    };
    alias.or_else(|| serde_json::from_value(serde_json::Value::String(w)).ok())
}

impl<W: Write + Send> CustomerUi for TerminalUi<W> {
    fn show(&mut self, notice: Notice) {
        match notice {
            Notice::Joined { session } => self.say(&format!("Connected to support session {session}. Type `help` for commands.")),
            Notice::People(people) => {
                let list: Vec<String> = people
                    .iter()
                    .filter(|p| !p.you)
                    .map(|p| format!("{} ({}{})", p.name, p.kind(), if p.online { "" } else { ", away" }))
                    .collect();
                self.people = people;
                self.say(&format!("In this session: {}", if list.is_empty() { "only you".into() } else { list.join(", ") }));
            }
            Notice::Ask { request, text, .. } => {
                self.questions.push_back(Question::Consent(request));
                self.say(&format!("{text} Allow? [y] for this session, [once] until it stops, [N]o"));
            }
            Notice::Withdrawn { request, text } => {
                self.questions.retain(|q| q != &Question::Consent(request.clone()));
                self.say(&text);
            }
            Notice::Chat { from, to, text } => {
                let to = if to.is_empty() { "everyone".to_owned() } else { to.join(", ") };
                self.say(&format!("[chat] {from} → {to}: {text}"));
            }
            Notice::FileOffered { transfer, from, name, size: bytes, save_to } => {
                self.offers.push((transfer.clone(), name.clone()));
                self.questions.push_back(Question::File(transfer));
                let n = self.offers.len();
                self.say(&format!("{from} (support) offers file {n}: {name} ({}), saved to {save_to}. Download it? [y/N]", size(bytes)));
            }
            Notice::ConfirmReport { summary } => {
                self.questions.push_back(Question::Report);
                self.say(&format!("This system information will be sent:\n{summary}\nSend it? [y/N]"));
            }
            Notice::Grants(gs) if gs.is_empty() => self.say("You have not allowed anything."),
            Notice::Grants(gs) => {
                self.last_grants = gs.iter().map(|g| g.capability).collect();
                let lines: Vec<String> = gs.iter().enumerate().map(|(i, g)| format!("  {}. {}", i + 1, grant_line(g))).collect();
                self.say(&format!(
                    "You allowed:\n{}\nType `revoke <number>` to take one back, `revoke all` to stop everything.",
                    lines.join("\n")
                ));
            }
            // The start and the end are told in words already; a terminal shows no progress bars.
            Notice::Transfer(_) => {}
            Notice::Info(text) => self.say(&text),
            Notice::Told { text, hint } => self.say(&format!("{text} {}", typed(hint))),
            Notice::Problem(text) => self.say(&format!("Problem: {text}")),
            Notice::Ended(text) => self.say(&text),
            // The terminal ends with the session: the survey is answered in the window or the page.
            Notice::SurveyOffered => {}
        }
    }

    fn interpret(&mut self, input: UiInput) -> Option<CustomerAction> {
        let line = match input {
            UiInput::Action(a) => return Some(a),
            UiInput::Closed => return Some(CustomerAction::Leave),
            UiInput::Line(l) => l,
        };
        let line = line.trim();
        let (cmd, rest) = line.split_once(' ').map(|(c, r)| (c, r.trim())).unwrap_or((line, ""));
        let action = match cmd.to_lowercase().as_str() {
            "" | "n" | "no" => self.answer(false, false),
            "y" | "yes" => self.answer(true, false),
            "o" | "once" => self.answer(true, true),
            "revoke" if rest.eq_ignore_ascii_case("all") => Some(CustomerAction::RevokeAll),
            "grants" => Some(CustomerAction::ShowGrants),
            "revoke" => match parse_capability(rest, &self.last_grants) {
                Some(c) => Some(CustomerAction::Revoke(c)),
                None => {
                    self.say("Revoke what? Type `grants` to see the list, then `revoke <number>`.");
                    None
                }
            },
            "camera" if rest.eq_ignore_ascii_case("on") => Some(CustomerAction::ShareCamera),
            "camera" if rest.eq_ignore_ascii_case("off") => Some(CustomerAction::Revoke(Capability::Camera)),
            "chat" if !rest.is_empty() => Some(CustomerAction::Chat { to: vec![], text: rest.to_owned() }),
            "accept" => self.offer(rest, true),
            "refuse" => self.offer(rest, false),
            "leave" | "quit" | "exit" => Some(CustomerAction::Leave),
            "help" => {
                self.say(HELP);
                None
            }
            c if c.starts_with('@') => {
                let a = self.chat_to_one(&line[1..]);
                if a.is_none() {
                    self.say("No one of that name is in the session.");
                }
                a
            }
            _ => {
                self.say("Not understood. Type `help` for commands.");
                None
            }
        };
        action
    }
}

/// What to type to act on a [`Notice::Told`].
fn typed(hint: Hint) -> &'static str {
    match hint {
        Hint::Revoke => "Type `revoke` to take it back at any moment.",
        Hint::RevokeRecording => "Type `revoke recording` to stop it.",
        Hint::RevokeCamera => "Type `revoke camera` to stop it at any moment.",
        Hint::ShareCamera => "Share your camera back? Type `camera on`.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::rules::Role;

    fn person(id: &str, name: &str) -> Person {
        Person { id: id.into(), name: name.into(), role: Role::Csr, online: true, you: false, observer: false }
    }

    fn to(a: Option<CustomerAction>) -> Option<(String, String)> {
        match a? {
            CustomerAction::Chat { to, text } => Some((to[0].to_string(), text)),
            _ => None,
        }
    }

    #[test]
    fn chat_to_a_name_whose_lowercase_is_longer_does_not_panic() {
        let people = vec![person("i", "İlker"), person("a", "Ann"), person("al", "Ann Lee")];
        assert_eq!(to(chat_to_one(&people, "İlker hello")), Some(("i".into(), "hello".into())));
        assert_eq!(to(chat_to_one(&people, "ilker hello")), Some(("i".into(), "hello".into())));
        assert_eq!(to(chat_to_one(&people, "ann lee hi")), Some(("al".into(), "hi".into())));
        assert_eq!(to(chat_to_one(&people, "ann hi")), Some(("a".into(), "hi".into())));
    }

    #[test]
    fn chat_to_a_first_name_finds_the_full_name() {
        let people = vec![person("f", "Frida Foreign"), person("b", "Bob")];
        assert_eq!(to(chat_to_one(&people, "Frida hello")), Some(("f".into(), "hello".into())));
        assert_eq!(to(chat_to_one(&people, "Fridahello")), None);
    }

    #[test]
    fn terminal_escapes_in_chat_never_reach_the_terminal() {
        let mut ui = TerminalUi::new(Vec::new());
        ui.show(Notice::Chat { from: "Eve\u{1b}[2J".into(), to: vec![], text: "\u{1b}[31mred\u{1b}]0;pwned\u{7} \u{202E}txt".into() });
        let out = String::from_utf8(ui.out.clone()).unwrap();
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert!(!out.contains('\u{202E}'));
    }
}

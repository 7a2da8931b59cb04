//! The terminal UI: prompts and messages on standard output, answers and commands typed on
//! standard input, one per line. Works answered by a person at the prompt (or by a program
//! writing to the agent's standard input, as the tests do).

use super::{size, CustomerAction, CustomerUi, Notice, Person, UiInput};
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
  y / n                 answer the oldest open question (Enter alone means no)
  grants                list what you allowed
  revoke <what>         take a permission back at once, e.g. `revoke screen_view` or `revoke 1`
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

    fn say(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    fn answer(&mut self, yes: bool) -> Option<CustomerAction> {
        let Some(q) = self.questions.pop_front() else {
            self.say("There is no open question. Type `help` for commands.");
            return None;
        };
        Some(match q {
            Question::Consent(request) => CustomerAction::Answer { request, granted: yes },
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
        // "@Alice text" — the longest matching name wins, so "Ann Lee" beats "Ann".
        let mut people: Vec<&Person> = self.people.iter().filter(|p| !p.you).collect();
        people.sort_by_key(|p| std::cmp::Reverse(p.name.len()));
        let p = people.into_iter().find(|p| rest.to_lowercase().starts_with(&p.name.to_lowercase()))?;
        let text = rest[p.name.len()..].trim();
        (!text.is_empty()).then(|| CustomerAction::Chat { to: vec![p.id.clone()], text: text.to_owned() })
    }
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
                    .map(|p| {
                        format!(
                            "{} ({}{})",
                            p.name,
                            if p.role == protocol::rules::Role::Csr { "support" } else { "customer" },
                            if p.online { "" } else { ", away" }
                        )
                    })
                    .collect();
                self.people = people;
                self.say(&format!("In this session: {}", if list.is_empty() { "only you".into() } else { list.join(", ") }));
            }
            Notice::Ask { request, text, .. } => {
                self.questions.push_back(Question::Consent(request));
                self.say(&text);
            }
            Notice::Chat { from, to, text } => {
                let to = if to.is_empty() { "everyone".to_owned() } else { to.join(", ") };
                self.say(&format!("[chat] {from} → {to}: {text}"));
            }
            Notice::FileOffered { transfer, from, name, size: bytes } => {
                self.offers.push((transfer.clone(), name.clone()));
                self.questions.push_back(Question::File(transfer));
                let n = self.offers.len();
                self.say(&format!("{from} (support) offers file {n}: {name} ({}). Download it? [y/N]", size(bytes)));
            }
            Notice::ConfirmReport { summary } => {
                self.questions.push_back(Question::Report);
                self.say(&format!("This system information will be sent:\n{summary}\nSend it? [y/N]"));
            }
            Notice::Grants(gs) if gs.is_empty() => self.say("You have not allowed anything."),
            Notice::Grants(gs) => {
                self.last_grants = gs.clone();
                let lines: Vec<String> = gs
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        format!(
                            "  {}. {}",
                            i + 1,
                            serde_json::to_value(g).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                        )
                    })
                    .collect();
                self.say(&format!("You allowed:\n{}\nType `revoke <number>` to take one back.", lines.join("\n")));
            }
            Notice::Info(text) => self.say(&text),
            Notice::Problem(text) => self.say(&format!("Problem: {text}")),
            Notice::Ended(text) => self.say(&text),
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
            "" | "n" | "no" => self.answer(false),
            "y" | "yes" => self.answer(true),
            "grants" => Some(CustomerAction::ShowGrants),
            "revoke" => match parse_capability(rest, &self.last_grants) {
                Some(c) => Some(CustomerAction::Revoke(c)),
                None => {
                    self.say("Revoke what? Type `grants` to see the list, then `revoke <number>`.");
                    None
                }
            },
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

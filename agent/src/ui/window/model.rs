//! The window's state without I/O: what the session task says ([`ToWindow`]) goes in, the
//! customer's clicks come out as [`Out`]s. The egui layer (`view.rs`, `bar.rs`) only draws it
//! and calls these methods, so everything the customer can see and do is tested here.

use super::picture::Picture;
use super::transfer_row::TransferList;
use crate::join::Invitation;
use crate::ui::{size, Answer, CustomerAction, GrantView, Hint, Notice, Person};
use agent_core::customer::TransferView;
use protocol::policy::GrantScope;
use protocol::{Capability, ParticipantId, RequestId};
use std::collections::VecDeque;
use std::time::Instant;

/// What the session side tells the window.
#[derive(Debug, Clone, PartialEq)]
pub enum ToWindow {
    Notice(Notice),
    /// The grants in force and whether each is in use, after every change.
    Grants(Vec<GrantView>),
    /// Redeeming the invitation failed; the text says what to do.
    JoinFailed(String),
    /// A picture of a CSR's camera.
    Picture(Picture),
    /// S10: a picture of the screen the CSR `csr` shows (only while the customer allows it).
    Screen {
        csr: ParticipantId,
        picture: Picture,
    },
    /// That CSR's screen is no longer shown.
    ScreenGone(ParticipantId),
    /// A transfer's row (the core's `Notice::Transfer`), stamped by the bridge when forwarded:
    /// the model computes speed and time left from these instants, never from the clock.
    Transfer {
        view: TransferView,
        at: Instant,
    },
    /// The newest picture of the customer's own camera while it is sent; `None` once it stops.
    OwnCamera(Option<Picture>),
    /// How posting the satisfaction survey went (issue 16).
    SurveyAnswered(super::survey::SurveyAnswer),
}

/// What the window asks of the session side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// Redeem this invitation at `server` and start the session.
    Join { server: String, invitation: Invitation, name: String },
    /// A decision of the customer, for the session task.
    Act(CustomerAction),
    /// The satisfaction survey's answer, to post with the seat's token (issue 16).
    Survey { rating: u8, comment: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// The Join screen: code, site, name.
    Join,
    /// Redeeming the invitation and connecting.
    Joining,
    InSession,
    /// The session is over for this customer; the text says why.
    Ended(String),
}

/// A question the customer answers in a dialog, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    Consent { request: RequestId, text: String },
    File { transfer: String, from: String, name: String, size: u64, save_to: String },
    Report { summary: String },
}

impl Question {
    /// The dialog's title.
    pub fn title(&self) -> &'static str {
        match self {
            Question::Consent { .. } => "Permission asked",
            Question::File { .. } => "File offered",
            Question::Report { .. } => "System information",
        }
    }

    /// The dialog's text, in plain words.
    pub fn text(&self) -> String {
        match self {
            Question::Consent { text, .. } => text.clone(),
            Question::File { from, name, size: bytes, save_to, .. } => {
                format!("{from} (support) offers you a file.\nName: {name}\nSize: {}\nSaved to: {save_to}", size(*bytes))
            }
            Question::Report { summary } => format!("This will be sent. Nothing else is read.\n{summary}"),
        }
    }
}

/// How a line of the activity list looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Who joined, left or took over: shown stronger.
    People,
    Info,
    Problem,
    Chat,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    pub text: String,
}

/// The always-on-top bar: what is seen or controlled now, and what Stop takes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub text: String,
    pub stops: Vec<Capability>,
}

/// Most lines kept in the activity list and the chat.
const MAX_LINES: usize = 500;

/// Capabilities that show or record what is on the screen: while one is in use, the bar shows.
const WATCHING: [Capability; 5] =
    [Capability::RemoteControl, Capability::ScreenView, Capability::ApplicationControl, Capability::ApplicationView, Capability::Recording];

#[derive(Debug)]
pub struct Model {
    pub phase: Phase,
    /// Join form.
    pub site: String,
    /// The site came with the invitation (or the command line): shown, not asked.
    pub site_known: bool,
    pub code: String,
    pub name: String,
    pub join_error: Option<String>,
    pub session: Option<String>,
    pub people: Vec<Person>,
    pub questions: VecDeque<Question>,
    pub grants: Vec<GrantView>,
    pub lines: VecDeque<Line>,
    pub chat_draft: String,
    /// Chat goes to everyone (`None`) or to one person.
    pub chat_to: Option<ParticipantId>,
    /// The newest picture of each CSR's camera, by name.
    pub pictures: Vec<(String, Picture)>,
    /// S10: the newest picture of each screen a CSR shows the customer.
    pub screens: Vec<(ParticipantId, Picture)>,
    /// What the customer's own camera sends, while it is sent.
    pub own_camera: Option<Picture>,
    /// Transfers in both directions, finished ones included (bounded).
    pub transfers: TransferList,
    /// "Leave the session?" is open.
    pub confirm_leave: bool,
    /// The customer asked to leave: the window closes once the session says it ended.
    leaving: bool,
    /// The satisfaction survey, once support ended the session (issue 16).
    pub survey: super::survey::Survey,
}

impl Model {
    /// A Join screen; `site` is the support site when already known.
    pub fn new(site: Option<String>, name: String) -> Model {
        Model {
            phase: Phase::Join,
            site_known: site.is_some(),
            site: site.unwrap_or_default(),
            code: String::new(),
            name,
            join_error: None,
            session: None,
            people: vec![],
            questions: VecDeque::new(),
            grants: vec![],
            lines: VecDeque::new(),
            chat_draft: String::new(),
            chat_to: None,
            pictures: vec![],
            screens: vec![],
            own_camera: None,
            transfers: TransferList::default(),
            confirm_leave: false,
            survey: super::survey::Survey::None,
            leaving: false,
        }
    }

    /// The site's name as the customer reads it ("help.example.com").
    pub fn site_name(&self) -> String {
        let s = self.site.trim();
        let rest = s.split("://").nth(1).unwrap_or(s);
        rest.split('/').next().unwrap_or(rest).to_owned()
    }

    /// The window's title: tells in the task bar whether a session is on.
    pub fn title(&self) -> String {
        match self.phase {
            Phase::InSession => format!("Remote support — {}", self.site_name()),
            Phase::Ended(_) => "Remote support — session over".into(),
            Phase::Join | Phase::Joining => "Remote support".into(),
        }
    }

    /// The Join button: checks what was typed and asks to join, or says what is wrong.
    pub fn join(&mut self) -> Option<Out> {
        if self.phase != Phase::Join {
            return None;
        }
        let Some(invitation) = Invitation::parse(&self.code) else {
            self.join_error = Some("Type the nine-digit code your support representative gave you.".into());
            return None;
        };
        let server = match &invitation {
            Invitation::Link { server, .. } => server.clone(),
            Invitation::Code(_) => {
                let site = self.site.trim();
                if !(site.starts_with("https://") || site.starts_with("http://")) {
                    self.join_error = Some("Type the support site's address, e.g. https://help.example.com".into());
                    return None;
                }
                site.trim_end_matches('/').to_owned()
            }
        };
        self.site = server.clone();
        Some(self.joining(server, invitation))
    }

    /// An invitation already known (the download names it): join without asking.
    pub fn join_known(&mut self, server: String, invitation: Invitation) -> Out {
        self.site = server.clone();
        self.site_known = true;
        self.joining(server, invitation)
    }

    fn joining(&mut self, server: String, invitation: Invitation) -> Out {
        self.join_error = None;
        self.phase = Phase::Joining;
        let name = match self.name.trim() {
            "" => "Customer".to_owned(),
            n => n.to_owned(),
        };
        Out::Join { server, invitation, name }
    }

    pub fn apply(&mut self, msg: ToWindow) {
        match msg {
            ToWindow::Notice(n) => self.notice(n),
            ToWindow::Grants(g) => self.grants = g,
            ToWindow::JoinFailed(text) => {
                self.phase = Phase::Join;
                self.join_error = Some(text);
            }
            ToWindow::Picture(p) => {
                let from = p.from.clone();
                match self.pictures.iter_mut().find(|(n, _)| *n == from) {
                    Some(slot) => slot.1 = p,
                    None => self.pictures.push((from, p)),
                }
            }
            ToWindow::Screen { csr, picture } => {
                if self.phase != Phase::InSession {
                    return;
                }
                match self.screens.iter_mut().find(|(c, _)| *c == csr) {
                    Some(slot) => slot.1 = picture,
                    None => self.screens.push((csr, picture)),
                }
            }
            ToWindow::ScreenGone(csr) => self.screens.retain(|(c, _)| *c != csr),
            ToWindow::Transfer { view, at } => self.transfers.apply(view, at),
            ToWindow::OwnCamera(p) => self.own_camera = p.filter(|_| self.phase == Phase::InSession),
            ToWindow::SurveyAnswered(answer) => self.survey.answered(answer),
        }
    }

    /// "Send" under the survey: what to post, once a rating is chosen.
    pub fn send_survey(&mut self) -> Option<Out> {
        self.survey.send().map(|(rating, comment)| Out::Survey { rating, comment })
    }

    fn notice(&mut self, n: Notice) {
        match n {
            Notice::Joined { session } => {
                self.phase = Phase::InSession;
                self.session = Some(session);
                self.line(LineKind::Info, format!("You joined the support session at {}.", self.site_name()));
            }
            Notice::People(people) => self.people_changed(people),
            Notice::Ask { request, text, .. } => self.questions.push_back(Question::Consent { request, text }),
            Notice::Withdrawn { request, text } => {
                self.questions.retain(|q| !matches!(q, Question::Consent { request: r, .. } if *r == request));
                self.line(LineKind::Info, text);
            }
            Notice::Chat { from, to, text } => {
                let to = if to.is_empty() { "everyone".to_owned() } else { to.join(", ") };
                self.line(LineKind::Chat, format!("{from} to {to}: {text}"));
            }
            Notice::FileOffered { transfer, from, name, size, save_to } => {
                self.questions.push_back(Question::File { transfer, from, name, size, save_to })
            }
            // The bridge forwards these stamped, as `ToWindow::Transfer`.
            Notice::Transfer(_) => {}
            Notice::ConfirmReport { summary } => self.questions.push_back(Question::Report { summary }),
            Notice::Grants(g) => self.grants = g,
            Notice::Told { text, hint } => self.line(LineKind::Info, format!("{text} {}", pressed(hint))),
            Notice::Info(text) if text.contains("has taken over") => self.line(LineKind::People, text),
            Notice::Info(text) => self.line(LineKind::Info, text),
            Notice::Problem(text) => self.line(LineKind::Problem, text),
            Notice::SurveyOffered => self.survey.offered(),
            Notice::Ended(text) => {
                self.line(LineKind::Info, text.clone());
                self.phase = Phase::Ended(text);
                self.questions.clear();
                self.grants.clear();
                self.pictures.clear();
                self.screens.clear();
                self.own_camera = None;
                self.confirm_leave = false;
            }
        }
    }

    /// A clear line for each person who joined, left, went away or came back.
    fn people_changed(&mut self, now: Vec<Person>) {
        let label = |p: &Person| format!("{} ({})", p.name, p.kind());
        let mut said = vec![];
        for p in now.iter().filter(|p| !p.you) {
            match self.people.iter().find(|o| o.id == p.id) {
                None if p.observer => said.push(format!("{} joined to observe: they see this session and its chat.", label(p))),
                None => said.push(format!("{} joined.", label(p))),
                Some(o) if o.online && !p.online => said.push(format!("{} is away.", label(p))),
                Some(o) if !o.online && p.online => said.push(format!("{} is back.", label(p))),
                Some(_) => {}
            }
        }
        for o in self.people.iter().filter(|o| !o.you && !now.iter().any(|p| p.id == o.id)) {
            said.push(format!("{} left.", label(o)));
        }
        let gone: Vec<String> = self.people.iter().filter(|o| !now.iter().any(|p| p.id == o.id)).map(|o| o.name.clone()).collect();
        self.pictures.retain(|(n, _)| !gone.contains(n));
        self.screens.retain(|(c, _)| now.iter().any(|p| &p.id == c));
        if self.chat_to.as_ref().is_some_and(|t| !now.iter().any(|p| &p.id == t)) {
            self.chat_to = None;
        }
        self.people = now;
        for s in said {
            self.line(LineKind::People, s);
        }
    }

    fn line(&mut self, kind: LineKind, text: String) {
        if self.lines.len() >= MAX_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(Line { kind, text });
    }

    /// The oldest open question and how many wait behind it.
    pub fn question(&self) -> Option<(&Question, usize)> {
        self.questions.front().map(|q| (q, self.questions.len() - 1))
    }

    /// Answers the oldest permission question.
    pub fn answer(&mut self, answer: Answer) -> Option<Out> {
        let Some(Question::Consent { request, .. }) = self.questions.front().cloned() else { return None };
        self.questions.pop_front();
        Some(Out::Act(CustomerAction::Answer { request, answer }))
    }

    /// Downloads or refuses the oldest file offer.
    pub fn file(&mut self, accept: bool) -> Option<Out> {
        let Some(Question::File { transfer, .. }) = self.questions.front().cloned() else { return None };
        self.questions.pop_front();
        Some(Out::Act(if accept { CustomerAction::AcceptFile(transfer) } else { CustomerAction::DeclineFile(transfer) }))
    }

    /// Sends the system report shown, or not.
    pub fn report(&mut self, send: bool) -> Option<Out> {
        let Some(Question::Report { .. }) = self.questions.front() else { return None };
        self.questions.pop_front();
        Some(Out::Act(CustomerAction::SendReport(send)))
    }

    /// Stop for one grant: takes the capability back from everyone.
    pub fn stop(&self, capability: Capability) -> Out {
        Out::Act(CustomerAction::Revoke(capability))
    }

    pub fn stop_everything(&self) -> Out {
        Out::Act(CustomerAction::RevokeAll)
    }

    /// "Close the screen": the customer no longer wants to see what support shows (S10).
    pub fn close_screen(&self) -> Out {
        Out::Act(CustomerAction::Revoke(Capability::CsrScreenShare))
    }

    pub fn share_camera(&self) -> Out {
        Out::Act(CustomerAction::ShareCamera)
    }

    /// Whether the microphone is allowed now (its Stop mutes it).
    pub fn microphone_on(&self) -> bool {
        self.grants.iter().any(|g| g.capability == Capability::Microphone)
    }

    /// The grants as the customer reads them, each with what its Stop takes back.
    pub fn allowed(&self) -> Vec<(String, Capability)> {
        self.grants.iter().map(|g| (allowed_line(g), g.capability)).collect()
    }

    /// The bar shown on top of everything while the screen is seen, controlled or recorded.
    pub fn bar(&self) -> Option<Bar> {
        let mut parts = vec![];
        let mut stops = vec![];
        for cap in WATCHING {
            for g in self.grants.iter().filter(|g| g.running && g.capability == cap) {
                let what = match cap {
                    Capability::RemoteControl => "sees and controls your screen",
                    Capability::ScreenView => "sees your screen",
                    Capability::ApplicationControl => "sees and controls a window",
                    Capability::ApplicationView => "sees a window",
                    _ => "records this session",
                };
                parts.push(format!("{} {what}", g.csr_name));
                if !stops.contains(&cap) {
                    stops.push(cap);
                }
            }
        }
        (!parts.is_empty()).then(|| Bar { text: parts.join("; "), stops })
    }

    /// Sends the chat draft to everyone or to the one chosen.
    pub fn send_chat(&mut self) -> Option<Out> {
        let text = self.chat_draft.trim().to_owned();
        if text.is_empty() || self.phase != Phase::InSession {
            return None;
        }
        self.chat_draft.clear();
        let to = self.chat_to.iter().cloned().collect();
        Some(Out::Act(CustomerAction::Chat { to, text }))
    }

    /// Who chat can go to: everyone else in the session.
    pub fn chat_targets(&self) -> Vec<(ParticipantId, String)> {
        self.people.iter().filter(|p| !p.you).map(|p| (p.id.clone(), format!("{} ({})", p.name, p.kind()))).collect()
    }

    /// The window's close button (or Leave): asks first while in a session. True when the
    /// window may close now.
    pub fn close_requested(&mut self) -> bool {
        match self.phase {
            Phase::InSession if !self.leaving => {
                self.confirm_leave = true;
                false
            }
            Phase::InSession => false,
            // Still joining: the session side leaves at once when it finds the window gone.
            Phase::Join | Phase::Joining | Phase::Ended(_) => true,
        }
    }

    /// "Leave" in the confirmation: leaves the session cleanly; the window closes once it ended.
    pub fn leave(&mut self) -> Option<Out> {
        self.confirm_leave = false;
        if self.leaving || self.phase != Phase::InSession {
            return None;
        }
        self.leaving = true;
        Some(Out::Act(CustomerAction::Leave))
    }

    /// The customer chose to leave and the session has ended: close the window.
    pub fn should_close(&self) -> bool {
        self.leaving && matches!(self.phase, Phase::Ended(_))
    }
}

/// Where in the window to act on a [`Notice::Told`].
fn pressed(hint: Hint) -> &'static str {
    match hint {
        Hint::Revoke | Hint::RevokeCamera => "Stop it under “Allowed now” at any moment.",
        Hint::RevokeRecording => "Stop it on the bar or under “Allowed now”.",
        Hint::ShareCamera => "To share your camera back, press “Share my camera”.",
    }
}

/// "Alice may see your screen — for this session, in use now".
pub fn allowed_line(g: &GrantView) -> String {
    let scope = match g.scope {
        GrantScope::Once => "until it stops",
        GrantScope::Session => "for this session",
    };
    format!("{} may {} — {scope}{}", g.csr_name, g.capability.asks_to(), if g.running { ", in use now" } else { "" })
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;

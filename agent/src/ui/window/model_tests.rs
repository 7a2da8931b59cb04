use super::*;
use crate::ui::GrantView;
use protocol::rules::Role;

fn person(id: &str, name: &str, role: Role, you: bool) -> Person {
    Person { id: id.into(), name: name.into(), role, online: true, you, observer: false }
}

fn in_session() -> Model {
    let mut m = Model::new(Some("https://help.example.com".into()), "Dana".into());
    m.apply(ToWindow::Notice(Notice::Joined { session: "s1".into() }));
    m.apply(ToWindow::Notice(Notice::People(vec![person("me", "Dana", Role::Customer, true), person("a", "Alice", Role::Csr, false)])));
    m
}

fn grant(cap: Capability, running: bool) -> GrantView {
    GrantView { csr_name: "Alice".into(), capability: cap, scope: GrantScope::Once, running }
}

fn texts(m: &Model) -> Vec<String> {
    m.lines.iter().map(|l| l.text.clone()).collect()
}

#[test]
fn a_typed_code_joins_the_site_given_and_junk_is_refused_with_a_reason() {
    let mut m = Model::new(Some("https://help.example.com/".into()), String::new());
    assert_eq!(m.site_name(), "help.example.com");
    m.code = "12345".into();
    assert_eq!(m.join(), None);
    assert!(m.join_error.as_deref().unwrap_or("").contains("nine-digit code"));
    m.code = "123 456 789".into();
    let out = m.join();
    assert_eq!(
        out,
        Some(Out::Join {
            server: "https://help.example.com".into(),
            invitation: Invitation::Code("123456789".into()),
            name: "Customer".into()
        })
    );
    assert_eq!(m.phase, Phase::Joining);
    assert_eq!(m.join(), None, "one join at a time");
}

#[test]
fn a_code_without_a_site_asks_for_the_site_and_a_failed_join_returns_to_the_form() {
    let mut m = Model::new(None, "Dana".into());
    m.code = "123456789".into();
    assert_eq!(m.join(), None);
    assert!(m.join_error.as_deref().unwrap_or("").contains("support site"));
    m.site = "http://127.0.0.1:8080".into();
    assert!(matches!(m.join(), Some(Out::Join { name, .. }) if name == "Dana"));
    m.apply(ToWindow::JoinFailed("Cannot join: the code has expired".into()));
    assert_eq!(m.phase, Phase::Join);
    assert_eq!(m.join_error.as_deref(), Some("Cannot join: the code has expired"));
}

#[test]
fn a_known_invitation_joins_without_the_form() {
    let mut m = Model::new(None, String::new());
    let out = m.join_known("https://help.example.com".into(), Invitation::Code("123456789".into()));
    assert!(matches!(out, Out::Join { .. }));
    assert!(m.site_known);
    assert_eq!(m.phase, Phase::Joining);
    m.apply(ToWindow::Notice(Notice::Joined { session: "s".into() }));
    assert_eq!(m.phase, Phase::InSession);
}

#[test]
fn people_joining_leaving_going_away_and_taking_over_each_get_a_clear_line() {
    let mut m = in_session();
    let me = person("me", "Dana", Role::Customer, true);
    let alice = person("a", "Alice", Role::Csr, false);
    let bob = person("b", "Bob", Role::Csr, false);
    m.apply(ToWindow::Notice(Notice::People(vec![me.clone(), alice.clone(), bob.clone()])));
    m.apply(ToWindow::Notice(Notice::Info("Bob (support) has taken over the session from Alice.".into())));
    let away = Person { online: false, ..bob.clone() };
    m.apply(ToWindow::Notice(Notice::People(vec![me.clone(), alice.clone(), away])));
    m.apply(ToWindow::Notice(Notice::People(vec![me, bob])));
    let people: Vec<String> = m.lines.iter().filter(|l| l.kind == LineKind::People).map(|l| l.text.clone()).collect();
    assert_eq!(
        people,
        [
            "Alice (support) joined.",
            "Bob (support) joined.",
            "Bob (support) has taken over the session from Alice.",
            "Bob (support) is away.",
            "Bob (support) is back.",
            "Alice (support) left."
        ]
    );
}

#[test]
fn a_team_lead_who_joins_to_observe_is_announced_and_listed_as_observing() {
    let mut m = in_session();
    let me = person("me", "Dana", Role::Customer, true);
    let alice = person("a", "Alice", Role::Csr, false);
    m.apply(ToWindow::Notice(Notice::People(vec![me.clone(), alice.clone()])));
    let lee = Person { observer: true, ..person("l", "Lee", Role::Csr, false) };
    m.apply(ToWindow::Notice(Notice::People(vec![me, alice, lee])));
    let last = m.lines.iter().rev().find(|l| l.kind == LineKind::People).map(|l| l.text.clone());
    assert_eq!(last.as_deref(), Some("Lee (support, observing) joined to observe: they see this session and its chat."));
    assert!(m.chat_targets().iter().any(|(_, label)| label == "Lee (support, observing)"));
}

#[test]
fn a_permission_question_is_answered_once_for_the_session_or_denied_oldest_first() {
    let mut m = in_session();
    for (r, t) in [("r1", "Alice (support) asks to see your screen."), ("r2", "Alice (support) asks to turn on your camera.")] {
        m.apply(ToWindow::Notice(Notice::Ask { request: r.into(), capabilities: vec![], text: t.into() }));
    }
    let (q, more) = m.question().expect("a question");
    assert_eq!(q.text(), "Alice (support) asks to see your screen.");
    assert_eq!(more, 1);
    assert_eq!(m.answer(Answer::Once), Some(Out::Act(CustomerAction::Answer { request: "r1".into(), answer: Answer::Once })));
    assert_eq!(m.file(true), None, "the open question is not a file");
    assert_eq!(m.answer(Answer::Deny), Some(Out::Act(CustomerAction::Answer { request: "r2".into(), answer: Answer::Deny })));
    assert_eq!(m.answer(Answer::ForSession), None);
}

#[test]
fn a_withdrawn_question_disappears_with_its_reason() {
    let mut m = in_session();
    m.apply(ToWindow::Notice(Notice::Ask { request: "r1".into(), capabilities: vec![], text: "asks".into() }));
    m.apply(ToWindow::Notice(Notice::Withdrawn { request: "r1".into(), text: "A question was withdrawn.".into() }));
    assert!(m.question().is_none());
    assert!(texts(&m).contains(&"A question was withdrawn.".to_owned()));
}

#[test]
fn a_file_offer_shows_name_size_and_where_it_is_saved() {
    let mut m = in_session();
    m.apply(ToWindow::Notice(Notice::FileOffered {
        transfer: "t1".into(),
        from: "Alice".into(),
        name: "report.pdf".into(),
        size: 2 * 1024 * 1024,
        save_to: "/home/dana/Downloads/report.pdf".into(),
    }));
    let text = m.question().expect("an offer").0.text();
    assert!(text.contains("Alice (support) offers you a file"), "{text}");
    assert!(text.contains("report.pdf") && text.contains("2.0 MiB") && text.contains("/home/dana/Downloads/report.pdf"), "{text}");
    assert_eq!(m.file(true), Some(Out::Act(CustomerAction::AcceptFile("t1".into()))));
}

#[test]
fn the_system_report_is_shown_before_it_is_sent() {
    let mut m = in_session();
    m.apply(ToWindow::Notice(Notice::ConfirmReport { summary: "For Alice:\n  CPU: x".into() }));
    assert!(m.question().expect("a question").0.text().contains("CPU: x"));
    assert_eq!(m.report(false), Some(Out::Act(CustomerAction::SendReport(false))));
}

#[test]
fn the_bar_shows_only_while_the_screen_is_seen_controlled_or_recorded() {
    let mut m = in_session();
    m.apply(ToWindow::Grants(vec![grant(Capability::ScreenView, false), grant(Capability::SystemInfo, true)]));
    assert_eq!(m.bar(), None, "allowed but not in use, and system information is not watching");
    m.apply(ToWindow::Grants(vec![grant(Capability::ScreenView, true), grant(Capability::Recording, true)]));
    let bar = m.bar().expect("a bar");
    assert_eq!(bar.text, "Alice sees your screen; Alice records this session");
    assert_eq!(bar.stops, [Capability::ScreenView, Capability::Recording]);
    assert_eq!(m.stop(Capability::ScreenView), Out::Act(CustomerAction::Revoke(Capability::ScreenView)));
}

#[test]
fn every_grant_is_listed_with_its_own_stop_and_stop_everything_takes_all_back() {
    let mut m = in_session();
    m.apply(ToWindow::Grants(vec![grant(Capability::RemoteControl, true), grant(Capability::Microphone, false)]));
    let allowed = m.allowed();
    assert_eq!(allowed[0], ("Alice may see and control your screen — until it stops, in use now".into(), Capability::RemoteControl));
    assert_eq!(allowed[1].1, Capability::Microphone);
    assert!(m.microphone_on());
    assert_eq!(m.stop_everything(), Out::Act(CustomerAction::RevokeAll));
}

#[test]
fn chat_goes_to_everyone_or_to_the_one_chosen() {
    let mut m = in_session();
    m.chat_draft = "  hello  ".into();
    assert_eq!(m.send_chat(), Some(Out::Act(CustomerAction::Chat { to: vec![], text: "hello".into() })));
    assert!(m.chat_draft.is_empty());
    assert_eq!(m.send_chat(), None, "nothing to send");
    assert_eq!(m.chat_targets(), vec![(ParticipantId::from("a"), "Alice (support)".to_owned())]);
    m.chat_to = Some("a".into());
    m.chat_draft = "just you".into();
    assert_eq!(m.send_chat(), Some(Out::Act(CustomerAction::Chat { to: vec!["a".into()], text: "just you".into() })));
    m.apply(ToWindow::Notice(Notice::Chat { from: "Alice".into(), to: vec!["you".into()], text: "hi".into() }));
    assert!(texts(&m).contains(&"Alice to you: hi".to_owned()));
    m.apply(ToWindow::Notice(Notice::People(vec![person("me", "Dana", Role::Customer, true)])));
    assert_eq!(m.chat_to, None, "the one chosen left");
}

#[test]
fn closing_in_a_session_asks_first_and_leaves_cleanly_before_the_window_closes() {
    let mut m = in_session();
    assert!(!m.close_requested(), "asks first");
    assert!(m.confirm_leave);
    assert_eq!(m.leave(), Some(Out::Act(CustomerAction::Leave)));
    assert!(!m.should_close(), "waits for the session to end");
    assert!(!m.close_requested(), "already leaving");
    m.apply(ToWindow::Notice(Notice::Ended("You left the session. Nothing is shared any more.".into())));
    assert!(m.should_close());
    assert!(m.close_requested());
}

#[test]
fn a_session_ended_by_support_stays_open_to_read_and_closes_without_asking() {
    let mut m = in_session();
    m.apply(ToWindow::Grants(vec![grant(Capability::ScreenView, true)]));
    m.apply(ToWindow::Notice(Notice::Ended("The session has ended.".into())));
    assert!(!m.should_close());
    assert_eq!(m.bar(), None);
    assert!(m.close_requested());
}

#[test]
fn the_activity_list_keeps_the_newest_lines_only() {
    let mut m = in_session();
    for i in 0..(MAX_LINES + 10) {
        m.apply(ToWindow::Notice(Notice::Info(format!("line {i}"))));
    }
    assert_eq!(m.lines.len(), MAX_LINES);
    assert_eq!(m.lines.back().map(|l| l.text.clone()), Some(format!("line {}", MAX_LINES + 9)));
}

#[test]
fn what_the_customer_can_do_is_said_with_the_windows_buttons_never_a_command_to_type() {
    let mut m = in_session();
    for hint in [Hint::Revoke, Hint::RevokeRecording, Hint::RevokeCamera, Hint::ShareCamera] {
        m.apply(ToWindow::Notice(Notice::Told { text: "Alice now sees your screen.".into(), hint }));
    }
    let said = texts(&m);
    assert!(said.iter().all(|t| !t.contains("Type") && !t.contains('`')), "{said:?}");
    assert!(said.contains(&"Alice now sees your screen. Stop it under “Allowed now” at any moment.".to_owned()), "{said:?}");
    assert!(said.iter().any(|t| t.ends_with("press “Share my camera”.")), "{said:?}");
}

fn screen(from: &str) -> Picture {
    Picture { from: from.into(), width: 2, height: 1, rgba: vec![0; 8] }
}

#[test]
fn a_shown_screen_is_kept_until_it_is_gone_or_its_csr_leaves() {
    let mut m = in_session();
    m.apply(ToWindow::Screen { csr: "a".into(), picture: screen("Alice") });
    m.apply(ToWindow::Screen { csr: "a".into(), picture: screen("Alice") });
    assert_eq!(m.screens.len(), 1, "one screen per CSR, the newest picture");
    m.apply(ToWindow::ScreenGone("a".into()));
    assert!(m.screens.is_empty());
    m.apply(ToWindow::Screen { csr: "a".into(), picture: screen("Alice") });
    m.apply(ToWindow::Notice(Notice::People(vec![person("me", "Dana", Role::Customer, true)])));
    assert!(m.screens.is_empty(), "Alice left: her screen is gone");
}

#[test]
fn closing_the_screen_takes_the_permission_back() {
    let m = in_session();
    assert_eq!(m.close_screen(), Out::Act(CustomerAction::Revoke(Capability::CsrScreenShare)));
}

const MIB: u64 = 1024 * 1024;

fn row(id: &str, done: u64, state: agent_core::customer::TransferState) -> ToWindow {
    row_at(id, done, state, Instant::now())
}

fn row_at(id: &str, done: u64, state: agent_core::customer::TransferState, at: Instant) -> ToWindow {
    let view = TransferView {
        transfer: id.into(),
        name: "manual.pdf".into(),
        csr_name: "Alice".into(),
        direction: agent_core::customer::Direction::ToYou,
        done,
        total: 10 * MIB,
        state,
    };
    ToWindow::Transfer { view, at }
}

fn transfer_texts(m: &Model) -> Vec<String> {
    m.transfers.rows().map(|r| r.text()).collect()
}

use agent_core::customer::TransferState::{Done, Failed, Running};
use std::time::Duration;

#[test]
fn a_running_transfer_shows_its_speed_and_the_time_left_from_the_instants_it_was_forwarded_at() {
    let mut m = in_session();
    let t0 = Instant::now();
    m.apply(row_at("t1", 0, Running, t0));
    assert_eq!(transfer_texts(&m), ["manual.pdf from Alice: 0 bytes of 10.0 MiB"], "no speed from one report");
    m.apply(row_at("t1", MIB / 20, Running, t0 + Duration::from_millis(50)));
    assert!(!transfer_texts(&m)[0].contains("/s"), "two reports 50 ms apart say nothing yet");
    m.apply(row_at("t1", MIB, Running, t0 + Duration::from_secs(1)));
    m.apply(row_at("t1", 2 * MIB, Running, t0 + Duration::from_secs(2)));
    assert_eq!(transfer_texts(&m), ["manual.pdf from Alice: 2.0 MiB of 10.0 MiB, 1.0 MiB/s, about 8 s left"]);
    let r = m.transfers.rows().next().unwrap();
    assert!((r.fraction() - 0.2).abs() < 1e-6);
}

#[test]
fn the_speed_follows_the_last_seconds_not_the_whole_transfer() {
    let mut m = in_session();
    let t0 = Instant::now();
    m.apply(row_at("t1", 0, Running, t0));
    m.apply(row_at("t1", 4 * MIB, Running, t0 + Duration::from_secs(1)));
    // Then it slows down to half a MiB a second.
    m.apply(row_at("t1", 5 * MIB, Running, t0 + Duration::from_secs(5)));
    m.apply(row_at("t1", 5 * MIB + MIB / 2, Running, t0 + Duration::from_secs(6)));
    let r = m.transfers.rows().next().unwrap();
    let speed = r.speed().unwrap();
    assert!((speed - (MIB as f64) / 2.0).abs() < 1.0, "{speed}");
    assert_eq!(r.time_left(), Some(Duration::from_secs(9)));
    assert!(transfer_texts(&m)[0].ends_with("512.0 KiB/s, about 9 s left"), "{:?}", transfer_texts(&m));
}

#[test]
fn time_left_reads_in_seconds_minutes_or_hours_rounded_up() {
    use super::super::transfer_row::time_left;
    assert_eq!(time_left(Duration::from_millis(200)), "about 1 s left");
    assert_eq!(time_left(Duration::from_secs(12)), "about 12 s left");
    assert_eq!(time_left(Duration::from_secs(90)), "about 2 min left");
    assert_eq!(time_left(Duration::from_secs(7200)), "about 2 h left");
}

#[test]
fn a_finished_transfer_stays_visible_as_done() {
    let mut m = in_session();
    m.apply(row("t1", 3 * MIB, Running));
    m.apply(row("t1", 10 * MIB, Done));
    assert_eq!(transfer_texts(&m), ["manual.pdf from Alice: 10.0 MiB, done"]);
    assert_eq!(m.transfers.rows().next().unwrap().fraction(), 1.0);
    m.apply(ToWindow::Notice(Notice::Info("Received manual.pdf (checked), saved as /tmp/manual.pdf.".into())));
    assert_eq!(m.transfers.len(), 1);
}

#[test]
fn a_failed_transfer_says_why_and_how_far_it_got() {
    let mut m = in_session();
    m.apply(row("t1", 3 * MIB, Running));
    m.apply(row("t1", 3 * MIB, Failed("the permission was taken back".into())));
    assert_eq!(transfer_texts(&m), ["manual.pdf from Alice: 3.0 MiB of 10.0 MiB, failed: the permission was taken back"]);
}

#[test]
fn the_list_keeps_twenty_transfers_dropping_the_oldest_finished_first() {
    let mut m = in_session();
    m.apply(row("running", 0, Running));
    for i in 1..super::super::transfer_row::MAX_TRANSFERS {
        m.apply(row(&format!("t{i}"), 10 * MIB, Done));
    }
    assert_eq!(m.transfers.len(), 20);
    m.apply(row("new", 0, Running));
    let ids: Vec<String> = m.transfers.rows().map(|r| r.view.transfer.clone()).collect();
    assert_eq!(ids.len(), 20);
    assert_eq!(ids.first().map(String::as_str), Some("running"), "a running transfer is kept");
    assert!(!ids.contains(&"t1".to_owned()), "the oldest finished one went");
    assert_eq!(ids.last().map(String::as_str), Some("new"));
}

#[test]
fn the_customers_own_camera_shows_while_it_is_sent_and_goes_when_it_stops() {
    let mut m = in_session();
    let pic = Picture { from: "you".into(), width: 2, height: 2, rgba: vec![0; 16] };
    m.apply(ToWindow::OwnCamera(Some(pic.clone())));
    assert_eq!(m.own_camera.as_ref(), Some(&pic));
    m.apply(ToWindow::OwnCamera(None));
    assert_eq!(m.own_camera, None);
    m.apply(ToWindow::OwnCamera(Some(pic)));
    m.apply(ToWindow::Notice(Notice::Ended("The session has ended.".into())));
    assert_eq!(m.own_camera, None, "nothing is sent once the session is over");
}

#[test]
fn when_support_ends_the_session_the_window_asks_for_a_rating_and_a_customer_who_left_is_not_asked() {
    use super::super::survey::{Survey, SurveyAnswer};
    let mut m = in_session();
    m.apply(ToWindow::Notice(Notice::SurveyOffered));
    m.apply(ToWindow::Notice(Notice::Ended("The support session has ended.".into())));
    assert!(matches!(m.phase, Phase::Ended(_)));
    assert!(matches!(m.survey, Survey::Asking { rating: None, .. }));
    assert_eq!(m.send_survey(), None, "a rating first");
    m.survey.choose(5);
    assert!(matches!(m.send_survey(), Some(Out::Survey { rating: 5, .. })));
    m.apply(ToWindow::SurveyAnswered(SurveyAnswer::Thanks));
    assert_eq!(m.survey, Survey::Thanks);

    let mut left = in_session();
    left.apply(ToWindow::Notice(Notice::Ended("You left the session. Nothing is shared any more.".into())));
    assert_eq!(left.survey, Survey::None);
}

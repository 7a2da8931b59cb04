//! Draws the main window from the model and returns what the customer decided. Nothing is
//! decided here: every button calls a model method. Untrusted text (names, chat, file names) is
//! shown as plain labels, never as markup or links.

use super::model::{Line, LineKind, Model, Out, Phase, Question};
use crate::ui::Answer;
use egui::{self, Color32, RichText};
use protocol::ParticipantId;
use std::collections::HashMap;

const PROBLEM: Color32 = Color32::from_rgb(0xe0, 0x60, 0x50);
const PEOPLE: Color32 = Color32::from_rgb(0x70, 0xb0, 0xf0);

/// The pictures the window shows, uploaded as textures.
pub struct Textures<'a> {
    /// Each CSR's camera, by name.
    pub pictures: &'a HashMap<String, egui::TextureHandle>,
    /// Each screen a CSR shows (S10), by CSR.
    pub screens: &'a HashMap<ParticipantId, egui::TextureHandle>,
    /// The customer's own camera while it is sent.
    pub own_camera: Option<&'a egui::TextureHandle>,
}

pub fn draw(ui: &mut egui::Ui, m: &mut Model, t: &Textures<'_>) -> Vec<Out> {
    let mut outs = vec![];
    match m.phase.clone() {
        Phase::Join | Phase::Joining => {
            egui::CentralPanel::default().show(ui, |ui| join_screen(ui, m, &mut outs));
        }
        Phase::InSession => session(ui, m, t, &mut outs),
        Phase::Ended(text) => {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.heading("The support session is over");
                ui.label(text);
                survey(ui, m, &mut outs);
                lines(ui, m, |_| true);
                if ui.button("Close").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
        }
    }
    outs
}

/// Issue 16: "How was the help you got?" — five buttons, a comment, Send (as in the browser page).
fn survey(ui: &mut egui::Ui, m: &mut Model, outs: &mut Vec<Out>) {
    use super::survey::{Survey, MAX_COMMENT, WORDS};
    match &mut m.survey {
        Survey::None => return,
        Survey::Thanks => {
            ui.label("Thank you for your answer.");
            return;
        }
        Survey::Closed(text) => {
            ui.label(text.as_str());
            return;
        }
        Survey::Sending { .. } => {
            ui.label("Sending…");
            return;
        }
        Survey::Asking { rating, comment, problem } => {
            ui.add_space(8.0);
            ui.label(RichText::new("How was the help you got?").strong());
            ui.horizontal(|ui| {
                for (i, word) in WORDS.iter().enumerate() {
                    let n = i as u8 + 1;
                    let on = rating.is_some_and(|r| n <= r);
                    // Digits: the window's font has no star glyph. Chosen ones are highlighted.
                    let b = ui.add(egui::Button::new(format!(" {n} ")).selected(on));
                    let b = b.on_hover_text(format!("{n} of 5: {word}"));
                    b.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, format!("{n} of 5: {word}")));
                    if b.clicked() {
                        *rating = Some(n);
                    }
                }
            });
            if let Some(r) = *rating {
                ui.label(format!("{r} of 5: {}", WORDS[usize::from(r) - 1]));
            }
            let l = ui.label("Anything you would like to add (optional)");
            ui.add(egui::TextEdit::multiline(comment).char_limit(MAX_COMMENT).desired_rows(3)).labelled_by(l.id);
            if let Some(p) = problem {
                ui.label(RichText::new(p.as_str()).color(ui.visuals().error_fg_color));
            }
        }
    }
    let ready = matches!(m.survey, Survey::Asking { rating: Some(_), .. });
    if ui.add_enabled(ready, egui::Button::new("Send")).clicked() {
        outs.extend(m.send_survey());
    }
    ui.add_space(8.0);
}

fn join_screen(ui: &mut egui::Ui, m: &mut Model, outs: &mut Vec<Out>) {
    ui.heading("Join a support session");
    ui.add_space(8.0);
    let joining = m.phase == Phase::Joining;
    egui::Grid::new("join").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
        let l = ui.label("Support site");
        if m.site_known {
            ui.label(RichText::new(m.site_name()).strong()).labelled_by(l.id);
        } else {
            ui.add_enabled(!joining, egui::TextEdit::singleline(&mut m.site).hint_text("https://help.example.com")).labelled_by(l.id);
        }
        ui.end_row();
        let l = ui.label("Code");
        let code = ui.add_enabled(!joining, egui::TextEdit::singleline(&mut m.code).hint_text("123 456 789")).labelled_by(l.id);
        ui.end_row();
        let l = ui.label("Your name");
        ui.add_enabled(!joining, egui::TextEdit::singleline(&mut m.name).hint_text("as support will see it")).labelled_by(l.id);
        ui.end_row();
        if code.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            outs.extend(m.join());
        }
    });
    ui.add_space(8.0);
    if ui.add_enabled(!joining, egui::Button::new("Join")).clicked() {
        outs.extend(m.join());
    }
    if joining {
        ui.label("Joining…");
    }
    if let Some(e) = &m.join_error {
        ui.colored_label(PROBLEM, e);
    }
    ui.add_space(12.0);
    ui.weak("Nothing on this computer is shared until you allow it here.");
}

fn session(ui: &mut egui::Ui, m: &mut Model, tex: &Textures<'_>, outs: &mut Vec<Out>) {
    let (pictures, screens, own) = (tex.pictures, tex.screens, tex.own_camera);
    egui::Panel::top("header").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.strong(format!("Support session — {}", m.site_name()));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Leave").clicked() {
                    m.close_requested();
                }
                // Always there; enabled while anything is allowed.
                if ui.add_enabled(!m.grants.is_empty(), egui::Button::new("Stop everything")).clicked() {
                    outs.push(m.stop_everything());
                }
            });
        });
        if m.confirm_leave {
            dialog(ui, "Leave the support session?", "Everything you allowed stops and support can no longer reach you.", |ui| {
                if ui.button("Leave the session").clicked() {
                    outs.extend(m.leave());
                }
                if ui.button("Stay").clicked() {
                    m.confirm_leave = false;
                }
            });
        }
        if let Some((q, more)) = m.question().map(|(q, n)| (q.clone(), n)) {
            question(ui, m, &q, more, outs);
        }
    });
    egui::Panel::bottom("chat-input").show(ui, |ui| chat_input(ui, m, outs));
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            section(ui, "Who is here");
            for p in &m.people {
                let who = if p.you { format!("{} (you)", p.name) } else { format!("{} ({})", p.name, p.kind()) };
                ui.label(if p.online { who } else { format!("{who} — away") });
            }
            section(ui, "Allowed now");
            let allowed = m.allowed();
            if allowed.is_empty() {
                ui.weak("Nothing. Support asks here before seeing or doing anything.");
            }
            for (line, cap) in allowed {
                ui.horizontal(|ui| {
                    if ui.button("Stop").on_hover_text(&line).clicked() {
                        outs.push(m.stop(cap));
                    }
                    ui.label(line);
                });
            }
            ui.horizontal(|ui| {
                if ui.button("Share my camera").clicked() {
                    outs.push(m.share_camera());
                }
                if ui.add_enabled(m.microphone_on(), egui::Button::new("Mute microphone")).clicked() {
                    outs.push(m.stop(protocol::Capability::Microphone));
                }
            });
            if !m.screens.is_empty() {
                section(ui, "Support's screen");
                for (csr, p) in &m.screens {
                    let Some(t) = screens.get(csr) else { continue };
                    let what = format!("{}'s screen", p.from);
                    ui.horizontal(|ui| {
                        ui.label(format!("{} shows you their screen", p.from));
                        if ui.button("Close the screen").clicked() {
                            outs.push(m.close_screen());
                        }
                    });
                    ui.add(
                        egui::Image::from_texture(egui::load::SizedTexture::from_handle(t))
                            .max_width(ui.available_width())
                            .alt_text(what.clone()),
                    );
                }
            }
            if let (Some(_), Some(t)) = (&m.own_camera, own) {
                section(ui, "Your camera");
                ui.add(
                    egui::Image::from_texture(egui::load::SizedTexture::from_handle(t)).max_width(160.0).alt_text("What your camera sends"),
                );
            }
            if !m.transfers.is_empty() {
                section(ui, "Transfers");
                transfers(ui, m);
            }
            if !m.pictures.is_empty() {
                section(ui, "Support's camera");
                for (name, _) in &m.pictures {
                    if let Some(t) = pictures.get(name) {
                        ui.label(format!("{name}'s camera"));
                        ui.add(
                            egui::Image::from_texture(egui::load::SizedTexture::from_handle(t))
                                .max_width(320.0)
                                .alt_text(format!("{name}'s camera")),
                        );
                    }
                }
            }
            section(ui, "Chat");
            lines(ui, m, |l| l.kind == LineKind::Chat);
            section(ui, "What happened");
            lines(ui, m, |l| l.kind != LineKind::Chat);
        });
    });
}

/// One progress bar a transfer, newest first; the bar's text is its name over AccessKit too.
fn transfers(ui: &mut egui::Ui, m: &Model) {
    for row in m.transfers.rows().collect::<Vec<_>>().into_iter().rev() {
        let text = row.text();
        let bar = egui::ProgressBar::new(row.fraction()).text(text.clone());
        let bar = match &row.view.state {
            agent_core::customer::TransferState::Failed(_) => bar.fill(PROBLEM),
            _ => bar,
        };
        ui.add(bar).on_hover_text(text);
    }
}

fn question(ui: &mut egui::Ui, m: &mut Model, q: &Question, more: usize, outs: &mut Vec<Out>) {
    let title = if more > 0 { format!("{} ({more} more waiting)", q.title()) } else { q.title().to_owned() };
    dialog(ui, &title, &q.text(), |ui| match q {
        Question::Consent { .. } => {
            if ui.button("Allow once").clicked() {
                outs.extend(m.answer(Answer::Once));
            }
            if ui.button("Allow for this session").clicked() {
                outs.extend(m.answer(Answer::ForSession));
            }
            if ui.button("Deny").clicked() {
                outs.extend(m.answer(Answer::Deny));
            }
        }
        Question::File { .. } => {
            if ui.button("Download").clicked() {
                outs.extend(m.file(true));
            }
            if ui.button("Refuse").clicked() {
                outs.extend(m.file(false));
            }
        }
        Question::Report { .. } => {
            if ui.button("Send").clicked() {
                outs.extend(m.report(true));
            }
            if ui.button("Do not send").clicked() {
                outs.extend(m.report(false));
            }
        }
    });
}

/// A framed box with a title, plain text and a row of buttons.
fn dialog(ui: &mut egui::Ui, title: &str, text: &str, buttons: impl FnOnce(&mut egui::Ui)) {
    egui::Frame::group(ui.style()).fill(ui.visuals().faint_bg_color).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.strong(title);
        egui::ScrollArea::vertical().max_height(220.0).id_salt(title).show(ui, |ui| ui.label(text));
        ui.horizontal(buttons);
    });
    ui.add_space(4.0);
}

fn section(ui: &mut egui::Ui, title: &str) {
    ui.add_space(8.0);
    ui.heading(title);
}

fn lines(ui: &mut egui::Ui, m: &Model, which: impl Fn(&Line) -> bool) {
    for l in m.lines.iter().filter(|l| which(l)) {
        match l.kind {
            LineKind::Problem => ui.colored_label(PROBLEM, &l.text),
            LineKind::People => ui.colored_label(PEOPLE, &l.text),
            _ => ui.label(&l.text),
        };
    }
}

fn chat_input(ui: &mut egui::Ui, m: &mut Model, outs: &mut Vec<Out>) {
    ui.horizontal(|ui| {
        let targets = m.chat_targets();
        let chosen = m.chat_to.as_ref().and_then(|t| targets.iter().find(|(id, _)| id == t)).map(|(_, n)| n.clone());
        let l = ui.label("To");
        egui::ComboBox::from_id_salt("chat-to")
            .selected_text(chosen.unwrap_or_else(|| "everyone".into()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut m.chat_to, None, "everyone");
                for (id, name) in targets {
                    ui.selectable_value(&mut m.chat_to, Some(id), name);
                }
            })
            .response
            .labelled_by(l.id);
        let l = ui.label("Message");
        let field = ui.add(egui::TextEdit::singleline(&mut m.chat_draft).desired_width(ui.available_width() - 60.0)).labelled_by(l.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Send").clicked() || enter {
            outs.extend(m.send_chat());
        }
    });
}

//! The window's session side: redeems the invitation the Join screen (or the download) gives,
//! then runs the same session task as the terminal with a [`WindowUi`], passing the window's
//! decisions in as customer input.

use super::bridge::WindowUi;
use super::model::{Out, ToWindow};
use crate::events::AgentEvent;
use crate::session::{Options, Session};
use crate::ui::UiInput;
use crate::{join, signaling};
use std::sync::mpsc::Sender;
use tokio::sync::mpsc;

/// Runs until the session is over (or the window is gone before joining).
pub async fn drive(mut outs: mpsc::UnboundedReceiver<Out>, to_window: Sender<ToWindow>, ctx: eframe::egui::Context, mut opts: Options) {
    let (server, seat) = loop {
        let Some(out) = outs.recv().await else { return };
        let Out::Join { server, invitation, name } = out else { continue };
        match join::join(&server, &invitation, &name).await {
            Ok(seat) => break (server, seat),
            Err(e) => {
                let _ = to_window.send(ToWindow::JoinFailed(format!("Cannot join: {e}")));
                ctx.request_repaint();
            }
        }
    };
    opts.bind_ip = crate::rtc::route_ip_to_server(&server);
    let (events_tx, events_rx) = mpsc::channel(1024);
    let (link_tx, link_rx) = mpsc::channel(256);
    let (link_events_tx, mut link_events_rx) = mpsc::channel(256);
    tokio::spawn(signaling::run(server, seat.token.clone(), link_events_tx, link_rx));
    let fwd = events_tx.clone();
    tokio::spawn(async move {
        while let Some(e) = link_events_rx.recv().await {
            if fwd.send(AgentEvent::Link(e)).await.is_err() {
                break;
            }
        }
    });
    let input = events_tx.clone();
    tokio::spawn(async move {
        while let Some(out) = outs.recv().await {
            if let Out::Act(a) = out {
                if input.send(AgentEvent::Ui(UiInput::Action(a))).await.is_err() {
                    return;
                }
            }
        }
        // The window closed without leaving (it was killed): leave now.
        let _ = input.send(AgentEvent::Ui(UiInput::Closed)).await;
    });
    let ui = WindowUi::new(to_window, ctx);
    Session::new(ui, seat.participant_id.as_str().into(), link_tx, events_tx, opts).run(events_rx).await;
}

//! Sharing and remote control (S8–S10): screen and window video, the CSR's input, clipboard,
//! microphone and camera. Each request is checked by the consent gate first.

use crate::session::Session;
use crate::ui::CustomerUi;
use protocol::peer::PeerMessage;
use protocol::{ErrorCode, ParticipantId};

impl<U: CustomerUi> Session<U> {
    pub(crate) async fn on_media_message(&mut self, csr: ParticipantId, msg: PeerMessage) {
        let _ = msg;
        self.peer_error(&csr, ErrorCode::CaptureUnavailable).await;
    }
}

//! The customer's microphone and camera (S8, S9, S21): sent only under their grant.

use crate::session::Session;
use crate::ui::CustomerUi;
use protocol::peer::PeerMessage;
use protocol::{ErrorCode, ParticipantId};

impl<U: CustomerUi> Session<U> {
    pub(crate) async fn on_device_media(&mut self, csr: ParticipantId, msg: PeerMessage) {
        let _ = msg;
        self.peer_error(&csr, ErrorCode::DeviceUnavailable).await;
    }

    pub(crate) async fn devices_grants_changed(&mut self) {}
}

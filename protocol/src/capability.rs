//! What a CSR can do in a session, and which of those things need the customer's consent (S21).

use serde::{Deserialize, Serialize};

/// A capability that reaches into the customer's computer and therefore runs only after the
/// customer's explicit grant in this session (S21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// See the customer's whole desktop (S10).
    ScreenView,
    /// Control the customer's desktop with pointer and keyboard (S10).
    RemoteControl,
    /// See one application window of the primary customer (S6, S10).
    ApplicationView,
    /// Control one application window of the primary customer (S6, S10).
    ApplicationControl,
    /// Show the CSR's own screen on the customer's computer (S10).
    CsrScreenShare,
    /// Open the advanced file-transfer activity: browse and move files both ways (S11, S13).
    AdvancedFileTransfer,
    /// One transfer inside the advanced activity; asked again for each file (S13).
    FileTransferItem,
    /// Read hardware and software details of the customer's computer (S14).
    SystemInfo,
    /// Record the session (S16).
    Recording,
    /// The customer's camera (S9, S21).
    Camera,
    /// The customer's microphone (S8, S21).
    Microphone,
}

impl Capability {
    /// Every capability, in display order.
    pub const ALL: [Capability; 11] = [
        Capability::ScreenView,
        Capability::RemoteControl,
        Capability::ApplicationView,
        Capability::ApplicationControl,
        Capability::CsrScreenShare,
        Capability::AdvancedFileTransfer,
        Capability::FileTransferItem,
        Capability::SystemInfo,
        Capability::Recording,
        Capability::Camera,
        Capability::Microphone,
    ];

    /// How the customer sees this capability named in a prompt ("… asks to see your screen").
    pub fn asks_to(self) -> &'static str {
        match self {
            Capability::ScreenView => "see your screen",
            Capability::RemoteControl => "see and control your screen",
            Capability::ApplicationView => "see one of your application windows",
            Capability::ApplicationControl => "see and control one of your application windows",
            Capability::CsrScreenShare => "show you their screen",
            Capability::AdvancedFileTransfer => "open file transfer with your computer",
            Capability::FileTransferItem => "transfer a file",
            Capability::SystemInfo => "read your system information",
            Capability::Recording => "record this session",
            Capability::Camera => "turn on your camera",
            Capability::Microphone => "use your microphone",
        }
    }

    /// Application sharing: while any is active, file transfer is refused (S12), and only the
    /// primary customer may share (S6).
    pub fn is_application_sharing(self) -> bool {
        matches!(self, Capability::ApplicationView | Capability::ApplicationControl)
    }

    /// A one-shot grant is used up by the single thing it allows (one file transfer).
    pub fn is_one_shot(self) -> bool {
        matches!(self, Capability::FileTransferItem)
    }

    /// The grant this capability depends on, if any: each transfer lives inside the activity.
    pub fn requires(self) -> Option<Capability> {
        match self {
            Capability::FileTransferItem => Some(Capability::AdvancedFileTransfer),
            _ => None,
        }
    }
}

/// Something that runs in a session and can be started and stopped. Most activities are
/// backed by a capability grant; a few need no consent but obey other rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Activity {
    /// A consent-backed capability in use for one customer.
    Capability(Capability),
    /// Basic file transfer: the CSR offers files, the customer picks (S11). No grant needed:
    /// the customer decides per file.
    BasicFileTransfer,
    /// The CSR's own camera video, shown to customers (S9).
    CsrVideo,
    /// The CSR is in the audio conference (S8): others who join later are asked to join it.
    AudioConference,
}

impl Activity {
    /// The grant this activity needs, if any.
    pub fn consent(self) -> Option<Capability> {
        match self {
            Activity::Capability(c) => Some(c),
            _ => None,
        }
    }

    /// Any kind of file transfer (S12 refuses these during application sharing).
    pub fn is_file_transfer(self) -> bool {
        matches!(
            self,
            Activity::BasicFileTransfer
                | Activity::Capability(Capability::AdvancedFileTransfer)
                | Activity::Capability(Capability::FileTransferItem)
        )
    }

    /// The CSR's own part in the session (their video, their place in the audio conference):
    /// each CSR runs their own, and only they stop it.
    pub fn is_personal(self) -> bool {
        matches!(self, Activity::CsrVideo | Activity::AudioConference)
    }

    /// Any kind of video: none before a customer has joined (S9).
    pub fn is_video(self) -> bool {
        matches!(self, Activity::CsrVideo | Activity::Capability(Capability::Camera))
    }
}

/// Site switches set by the site admin (S11 and friends). A feature switched off is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteFeatures {
    pub basic_file_transfer: bool,
    pub advanced_file_transfer: bool,
    pub recording: bool,
    pub video: bool,
}

impl Default for SiteFeatures {
    fn default() -> Self {
        Self { basic_file_transfer: true, advanced_file_transfer: true, recording: true, video: true }
    }
}

impl SiteFeatures {
    /// Whether the site allows this activity at all.
    pub fn allows(&self, activity: Activity) -> bool {
        match activity {
            Activity::BasicFileTransfer => self.basic_file_transfer,
            Activity::Capability(Capability::AdvancedFileTransfer) | Activity::Capability(Capability::FileTransferItem) => {
                self.advanced_file_transfer
            }
            Activity::Capability(Capability::Recording) => self.recording,
            Activity::CsrVideo | Activity::Capability(Capability::Camera) => self.video,
            Activity::AudioConference | Activity::Capability(_) => true,
        }
    }
}

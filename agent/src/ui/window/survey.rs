//! The satisfaction survey in the window (issue 16), as in the browser page: when support ends
//! the session, the customer may rate the help from 1 to 5 with an optional comment, and send it
//! once (the seat's token answers it; `window::drive` posts it). Skipping is closing the window.

/// The rating words, from 1 to 5 (the browser page's).
pub const WORDS: [&str; 5] = ["very poor", "poor", "fair", "good", "excellent"];
/// The longest comment sent (signaling's limit).
pub const MAX_COMMENT: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Survey {
    /// Not offered: the customer left, or the session goes on.
    #[default]
    None,
    /// Asked; `problem` says why the last try did not go through.
    Asking {
        rating: Option<u8>,
        comment: String,
        problem: Option<String>,
    },
    Sending {
        rating: u8,
        comment: String,
    },
    Thanks,
    /// It cannot be answered any more (answered already, or expired).
    Closed(String),
}

impl Survey {
    /// Support ended the session with the customer seated.
    pub fn offered(&mut self) {
        if *self == Survey::None {
            *self = Survey::Asking { rating: None, comment: String::new(), problem: None };
        }
    }

    /// The customer chose `rating` (1–5).
    pub fn choose(&mut self, rating: u8) {
        if let Survey::Asking { rating: r, .. } = self {
            if (1..=5).contains(&rating) {
                *r = Some(rating);
            }
        }
    }

    /// "Send": the rating and comment to post, once a rating is chosen.
    pub fn send(&mut self) -> Option<(u8, String)> {
        let Survey::Asking { rating: Some(rating), comment, .. } = self else { return None };
        let (rating, comment) = (*rating, comment.trim().chars().take(MAX_COMMENT).collect::<String>());
        *self = Survey::Sending { rating, comment: comment.clone() };
        Some((rating, comment))
    }

    /// What signaling answered: thanks, a refusal that ends it (`closed`), or a problem after
    /// which the customer may send again (the comment is kept).
    pub fn answered(&mut self, answer: SurveyAnswer) {
        let Survey::Sending { rating, comment } = std::mem::take(self) else { return };
        *self = match answer {
            SurveyAnswer::Thanks => Survey::Thanks,
            SurveyAnswer::Closed(text) => Survey::Closed(text),
            SurveyAnswer::Problem(text) => Survey::Asking { rating: Some(rating), comment, problem: Some(text) },
        };
    }
}

/// How posting the answer went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyAnswer {
    Thanks,
    Closed(String),
    Problem(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_is_needed_before_sending_and_a_failed_send_can_be_tried_again() {
        let mut s = Survey::None;
        s.choose(4);
        assert_eq!(s, Survey::None, "nothing before it is offered");
        s.offered();
        assert_eq!(s.send(), None, "no rating chosen yet");
        s.choose(9);
        assert_eq!(s.send(), None, "a rating is 1 to 5");
        s.choose(4);
        if let Survey::Asking { comment, .. } = &mut s {
            comment.push_str("  Quick and kind.  ");
        }
        assert_eq!(s.send(), Some((4, "Quick and kind.".into())));
        assert_eq!(s.send(), None, "sent once");
        s.answered(SurveyAnswer::Problem("no connection".into()));
        assert_eq!(s, Survey::Asking { rating: Some(4), comment: "Quick and kind.".into(), problem: Some("no connection".into()) });
        assert_eq!(s.send(), Some((4, "Quick and kind.".into())));
        s.answered(SurveyAnswer::Thanks);
        assert_eq!(s, Survey::Thanks);
        s.offered();
        assert_eq!(s, Survey::Thanks, "answered once");
    }
}

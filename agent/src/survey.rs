//! Posting the satisfaction survey's answer (issue 16): `POST /api/survey` with the seat's token,
//! which the end of the session makes good for this and nothing else.

use crate::ui::window::survey::SurveyAnswer;
use protocol::error::WireError;
use protocol::ErrorCode;
use std::time::Duration;

/// How long a post may take before the customer is told to try again.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Sends `rating` and `comment` for the seat whose token is `token` at `server`.
pub async fn answer(server: &str, token: &str, rating: u8, comment: &str) -> SurveyAnswer {
    let url = format!("{}/api/survey", server.trim_end_matches('/'));
    let body = serde_json::json!({"token": token, "rating": rating, "comment": comment});
    let sent = reqwest::Client::new().post(&url).timeout(TIMEOUT).json(&body).send().await;
    let resp = match sent {
        Ok(r) => r,
        Err(_) => return SurveyAnswer::Problem("Your answer could not be sent: no connection to the support site. Try again.".into()),
    };
    if resp.status().is_success() {
        return SurveyAnswer::Thanks;
    }
    let err = resp.json::<WireError>().await.unwrap_or_else(|_| WireError::from(ErrorCode::Unavailable));
    match err.code {
        // Answered already, or more than a day after the end: nothing to try again.
        ErrorCode::SurveyClosed => SurveyAnswer::Closed(err.message),
        _ => SurveyAnswer::Problem(format!("{} Try again.", err.message)),
    }
}

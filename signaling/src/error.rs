//! How refusals become HTTP responses: a status, the stable code and a readable message,
//! never internal details.

use crate::db::DbError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::error::WireError;
use protocol::ErrorCode;

/// An API refusal.
#[derive(Debug)]
pub struct ApiError(pub ErrorCode);

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError(code)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "database error");
        ApiError(if e.is_transient() { ErrorCode::Unavailable } else { ErrorCode::Internal })
    }
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        MalformedMessage | UnknownMessageType | InvalidMessage | ProtocolVersionMismatch | HelloRequired | WeakPassword
        | TrackingCodeRequired => StatusCode::BAD_REQUEST,
        MessageTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Unauthenticated | BadCredentials | TokenInvalid => StatusCode::UNAUTHORIZED,
        Forbidden | PasswordChangeRequired | NotInSession | NotHost | NotACsr | NotACustomer | CustomerCannotEnd | FeatureDisabled => {
            StatusCode::FORBIDDEN
        }
        NotFound | UnknownParticipant | UnknownRequest | InvitationInvalid => StatusCode::NOT_FOUND,
        InvitationExpired | InvitationRevoked | InvitationUsed | SessionEnded => StatusCode::GONE,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Unavailable | SlowConsumer => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::CONFLICT,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (status_of(self.0), Json(WireError::from(self.0))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

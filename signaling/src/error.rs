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
        MalformedMessage
        | UnknownMessageType
        | InvalidMessage
        | ProtocolVersionMismatch
        | HelloRequired
        | WeakPassword
        | TrackingCodeRequired
        | NameNotAllowed
        | EmailAddressInvalid => StatusCode::BAD_REQUEST,
        MessageTooLarge | FileTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Unauthenticated | BadCredentials | TokenInvalid | LoginEnded => StatusCode::UNAUTHORIZED,
        Forbidden
        | CrossSiteRequest
        | PasswordChangeRequired
        | NotInSession
        | NotHost
        | NotACsr
        | NotACustomer
        | CustomerCannotEnd
        | InsufficientScope
        | FeatureDisabled => StatusCode::FORBIDDEN,
        NotFound | UnknownParticipant | UnknownRequest | InvitationInvalid | AgentDownloadUnavailable | EmailNotSetUp => {
            StatusCode::NOT_FOUND
        }
        MailAddressRefused => StatusCode::UNPROCESSABLE_ENTITY,
        MailServerUnreachable | MailServerRefused => StatusCode::BAD_GATEWAY,
        MailServerTimeout => StatusCode::GATEWAY_TIMEOUT,
        InvitationExpired | InvitationRevoked | InvitationUsed | SessionEnded | SurveyClosed | NotInQueue => StatusCode::GONE,
        RateLimited | TooManyFailedSignIns | SignInSlowed | TooManyEmails | SessionEmailsUsedUp | QueueMessagesUsedUp => {
            StatusCode::TOO_MANY_REQUESTS
        }
        NotWebm => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        SessionRecordingsFull | RecordingsStorageFull => StatusCode::INSUFFICIENT_STORAGE,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Unavailable | SlowConsumer | SignInBusy | QueueFull => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::CONFLICT,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(self.0);
        let mut resp = (status, Json(WireError::from(self.0))).into_response();
        // A body refused for its size was not read to its end, so this connection cannot carry
        // another request: say so, or a client reuses it and its next request is cut off.
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            resp.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// `Json` whose rejections are typed errors: not JSON → `malformed_message`, wrong shape or
/// content type → `invalid_message`, over the body limit → `message_too_large`.
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: axum::extract::FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::JsonRejection as R;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(R::JsonSyntaxError(_)) => Err(ErrorCode::MalformedMessage.into()),
            Err(R::BytesRejection(r)) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ErrorCode::MessageTooLarge.into()),
            Err(_) => Err(ErrorCode::InvalidMessage.into()),
        }
    }
}

/// `Path` whose rejection (an id that is not a number, say) is `not_found`.
pub struct ApiPath<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    axum::extract::Path<T>: axum::extract::FromRequestParts<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(_) => Err(ErrorCode::NotFound.into()),
        }
    }
}

/// Unknown routes answer like every other refusal.
pub async fn no_route() -> ApiError {
    ApiError(ErrorCode::NotFound)
}

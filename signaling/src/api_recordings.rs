//! Session recordings (S16): the host's console records the session in the browser
//! (MediaRecorder, WebM with VP8 and Opus, its duration and seek index written by the console)
//! and uploads the file here when recording stops, with the chat said meanwhile when the CSR
//! chose to keep it (WebVTT subtitles or a text file, beside the recording). They are stored
//! beside the database, named in the session record, and readable by whoever may read the
//! record.
//!
//! Consent (S21, issue 12 finding 5): an upload is accepted only while the session is live and
//! the customer's `recording` grant to the uploading CSR is live, asked of the session's task
//! at the start, at least every [`GRANT_CHECK_EVERY`] while bytes arrive, and once more at
//! the end. An upload that meets a revocation or the session's end stops there and nothing of
//! it is kept (the partial file is deleted): the console uploads when recording stops, so a
//! revocation during the upload means the customer no longer wants it stored. The body must be
//! WebM (its EBML header, [`crate::webm`]); per-session and site-wide quotas hold
//! ([`crate::recording_space`]). Downloads are streamed from disk ([`crate::file_stream`])
//! and answer single byte ranges (206), so the console's player can seek.

use crate::auth::Csr;
use crate::byte_range;
use crate::db::sessions as store;
use crate::error::{ApiError, ApiPath, ApiResult};
use crate::live_session::Command;
use crate::recording_space::Quotas;
use crate::secrets;
use crate::state::AppState;
use crate::webm;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::{ErrorCode, ParticipantId, SessionId};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;
use tokio::time::Instant;

/// Bytes gathered before each write to disk.
const WRITE_BATCH: usize = 1024 * 1024;
/// How often, at least, an upload asks whether the grant is still live.
const GRANT_CHECK_EVERY: Duration = Duration::from_millis(500);

/// The largest chat file kept beside a recording.
pub const CHAT_LIMIT: usize = 4 * 1024 * 1024;

/// The chat formats kept beside a recording: file extension and content type.
const CHAT_FORMATS: [(&str, &str); 2] = [("vtt", "text/vtt; charset=utf-8"), ("txt", "text/plain; charset=utf-8")];

/// Where recordings live: `<database folder>/recordings/`.
fn recordings_root(st: &AppState) -> PathBuf {
    let base = st.config.database_path.parent().map(PathBuf::from).unwrap_or_default();
    base.join("recordings")
}

/// Where a session's recordings live: `<database folder>/recordings/<session>/`.
fn folder(st: &AppState, session: &str) -> PathBuf {
    recordings_root(st).join(session)
}

/// Only ids this service made (base64url letters) reach the file system.
fn plain_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `POST /api/sessions/{id}/recordings`, body `video/webm`: stores one recording. Refused with
/// `file_too_large` (413) over the configured size, `not_webm` (415) when it is not WebM,
/// `session_recordings_full` / `recordings_storage_full` (507) over a quota, `consent_required`
/// without a live grant, `consent_revoked` when revoked meanwhile, `session_ended`, and
/// `not_in_session` for CSRs without a seat.
pub async fn upload(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath(session): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let limit = st.config.max_recording_bytes;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ErrorCode::FileTooLarge.into());
    }
    if !plain_id(&session) {
        return Err(ErrorCode::NotFound.into());
    }
    let seat = may_store(&st, &session, a.id).await?;
    load_space(&st).await;
    if let Some(n) = declared {
        // Say at once when it cannot fit; the bytes are reserved as they arrive.
        st.limits.recordings.reserve(&session, n, quotas(&st))?;
        st.limits.recordings.release(&session, n);
    }
    let id = secrets::id("rec");
    let dir = folder(&st, &session);
    let path = dir.join(format!("{id}.webm"));
    let mut up = Upload { st: &st, session: &session, seat: ParticipantId(seat.id.clone()), reserved: 0, checked: Instant::now() };
    let bytes = match up.receive(body, &dir, &path, limit).await {
        Ok(n) => n,
        Err(code) => {
            st.limits.recordings.release(&session, up.reserved);
            if let Err(e) = std::fs::remove_file(&path) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::error!(path = %path.display(), error = %e, "cannot remove a refused recording");
                }
            }
            tracing::info!(session = %session, %code, "recording upload refused; nothing kept");
            return Err(code.into());
        }
    };
    let (sid, rid, actor, now) = (session.clone(), id.clone(), seat.id.clone(), st.clock.now_ms());
    st.db.call(move |c| store::recording_saved(c, &sid, &actor, &rid, bytes, now)).await?;
    tracing::info!(session = %session, recording = %id, bytes, "recording stored");
    Ok(Json(json!({"recording": id, "bytes": bytes})))
}

/// The uploader's seat, when they may store a recording of `session` now: a CSR of it, the
/// session live, and a customer's `recording` grant to them live.
async fn may_store(st: &AppState, session: &str, account: i64) -> ApiResult<store::ParticipantRow> {
    let sid = session.to_owned();
    let seat = st.db.call(move |c| store::csr_participant(c, &sid, account)).await?.ok_or(ErrorCode::NotInSession)?;
    if !grant_live(st, session, &seat.id).await? {
        return Err(ErrorCode::ConsentRequired.into());
    }
    Ok(seat)
}

/// Asks the session's task whether `csr` may record now; `session_ended` when it is not live.
async fn grant_live(st: &AppState, session: &str, csr: &str) -> Result<bool, ErrorCode> {
    let csr = ParticipantId(csr.to_owned());
    st.hub.ask(&SessionId(session.to_owned()), |reply| Command::MayRecord { csr, reply }).await
}

fn quotas(st: &AppState) -> Quotas {
    Quotas { per_session: st.config.max_session_recordings_bytes, site: st.config.max_recordings_bytes }
}

/// Counts the recordings on disk once (the first upload after a start).
async fn load_space(st: &AppState) {
    let (root, st2) = (recordings_root(st), st.clone());
    if let Err(e) = tokio::task::spawn_blocking(move || st2.limits.recordings.load(&root)).await {
        tracing::error!(error = %e, "cannot count the stored recordings");
    }
}

/// `POST /api/sessions/{id}/recordings/{rec}/chat`, body `text/vtt` (subtitles) or
/// `text/plain` (a side file), UTF-8: the chat said while recording `rec`, kept beside it.
pub async fn upload_chat(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath((session, rec)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    if !plain_id(&session) || !plain_id(&rec) {
        return Err(ErrorCode::NotFound.into());
    }
    let seat = may_store(&st, &session, a.id).await?;
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some((ext, _)) = CHAT_FORMATS.iter().find(|(_, t)| t.split(';').next().is_some_and(|t| kind.starts_with(t))) else {
        return Err(ErrorCode::InvalidMessage.into());
    };
    if body.is_empty() || std::str::from_utf8(&body).is_err() {
        return Err(ErrorCode::InvalidMessage.into());
    }
    let dir = folder(&st, &session);
    if !dir.join(format!("{rec}.webm")).is_file() {
        return Err(ErrorCode::NotFound.into());
    }
    let path = dir.join(format!("{rec}.{ext}"));
    load_space(&st).await;
    st.limits.recordings.reserve(&session, body.len() as u64, quotas(&st))?;
    let written = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || std::fs::write(path, &body)).await
    };
    written.map_err(|_| ErrorCode::Internal)?.map_err(|e| ApiError(io_failed(&path, &e)))?;
    let (sid, rid, actor, now) = (session.clone(), rec.clone(), seat.id.clone(), st.clock.now_ms());
    st.db.call(move |c| store::recording_chat_saved(c, &sid, &actor, &rid, ext, now)).await?;
    Ok(Json(json!({"recording": rec, "format": ext})))
}

/// `GET /api/sessions/{id}/recordings/{rec}/chat`: the chat kept beside a recording.
pub async fn download_chat(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath((session, rec)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    if !plain_id(&session) || !plain_id(&rec) {
        return Err(ErrorCode::NotFound.into());
    }
    let (sid, aid, admin) = (session.clone(), a.id, a.is_admin);
    if !admin && !st.db.call(move |c| crate::db::team_view::may_read(c, &sid, aid)).await? {
        return Err(ErrorCode::NotInSession.into());
    }
    let dir = folder(&st, &session);
    for (ext, kind) in CHAT_FORMATS {
        let path = dir.join(format!("{rec}.{ext}"));
        match std::fs::read(&path) {
            Ok(data) => {
                let disposition = format!("attachment; filename=\"{session}-{rec}-chat.{ext}\"");
                return Ok((
                    StatusCode::OK,
                    [
                        (header::CONTENT_TYPE, kind.to_owned()),
                        (header::CONTENT_DISPOSITION, disposition),
                        (header::CACHE_CONTROL, "no-store".into()),
                    ],
                    data,
                )
                    .into_response());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_failed(&path, &e).into()),
        }
    }
    Err(ErrorCode::NotFound.into())
}

/// One upload on its way to disk, with what it reserved of the quotas.
struct Upload<'a> {
    st: &'a AppState,
    session: &'a str,
    seat: ParticipantId,
    reserved: u64,
    /// When the grant was last found live.
    checked: Instant,
}

impl Upload<'_> {
    /// Streams the body into `path`, at most `limit` bytes, while the grant stays live; the
    /// first bytes must be a WebM header. The caller deletes the file on an error.
    async fn receive(&mut self, body: Body, dir: &std::path::Path, path: &std::path::Path, limit: u64) -> Result<u64, ErrorCode> {
        use futures_util::StreamExt;
        std::fs::create_dir_all(dir).map_err(|e| io_failed(dir, &e))?;
        let mut file = Some(std::fs::File::create(path).map_err(|e| io_failed(path, &e))?);
        let mut stream = body.into_data_stream();
        let (mut total, mut batch, mut header_ok) = (0u64, Vec::with_capacity(WRITE_BATCH), false);
        loop {
            let chunk = stream.next().await;
            let last = chunk.is_none();
            if let Some(chunk) = chunk {
                let chunk = chunk.map_err(|_| ErrorCode::TransferInterrupted)?;
                total += chunk.len() as u64;
                if total > limit {
                    return Err(ErrorCode::FileTooLarge);
                }
                self.st.limits.recordings.reserve(self.session, chunk.len() as u64, quotas(self.st))?;
                self.reserved += chunk.len() as u64;
                batch.extend_from_slice(&chunk);
            }
            if !header_ok {
                header_ok = match webm::check(&batch) {
                    webm::Verdict::WebM => true,
                    webm::Verdict::NotWebm => return Err(ErrorCode::NotWebm),
                    webm::Verdict::NeedMore if last => return Err(ErrorCode::NotWebm),
                    webm::Verdict::NeedMore => false,
                };
            }
            if last || self.checked.elapsed() >= GRANT_CHECK_EVERY {
                self.still_granted().await?;
            }
            if header_ok && (batch.len() >= WRITE_BATCH || (last && !batch.is_empty())) {
                let (f, data) = (file.take().ok_or(ErrorCode::Internal)?, std::mem::take(&mut batch));
                file = Some(write(f, data, path).await?);
            }
            if last {
                break;
            }
        }
        if total == 0 {
            return Err(ErrorCode::InvalidMessage);
        }
        Ok(total)
    }

    /// `consent_revoked` once the grant is gone, `session_ended` once the session is.
    async fn still_granted(&mut self) -> Result<(), ErrorCode> {
        if !grant_live(self.st, self.session, &self.seat.0).await? {
            return Err(ErrorCode::ConsentRevoked);
        }
        self.checked = Instant::now();
        Ok(())
    }
}

/// Appends `data` to `f` on a blocking thread.
async fn write(mut f: std::fs::File, data: Vec<u8>, path: &std::path::Path) -> Result<std::fs::File, ErrorCode> {
    use std::io::Write;
    let written = tokio::task::spawn_blocking(move || f.write_all(&data).map(|_| f)).await.map_err(|e| {
        tracing::error!(error = %e, "recording write task failed");
        ErrorCode::Internal
    })?;
    written.map_err(|e| io_failed(path, &e))
}

/// Reports a file-system failure; the client learns only that it was internal.
fn io_failed(path: &std::path::Path, e: &std::io::Error) -> ErrorCode {
    tracing::error!(path = %path.display(), error = %e, "recording storage failed");
    if e.raw_os_error() == Some(libc::ENOSPC) {
        ErrorCode::Unavailable
    } else {
        ErrorCode::Internal
    }
}

/// `GET /api/sessions/{id}/recordings/{rec}`: the file, for CSRs who took part and site admins,
/// streamed from disk; a single `Range` gets 206 with that part, an unsatisfiable one 416.
pub async fn download(
    State(st): State<AppState>,
    Csr(a): Csr,
    ApiPath((session, rec)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if !plain_id(&session) || !plain_id(&rec) {
        return Err(ErrorCode::NotFound.into());
    }
    let (sid, aid, admin) = (session.clone(), a.id, a.is_admin);
    if !admin && !st.db.call(move |c| crate::db::team_view::may_read(c, &sid, aid)).await? {
        return Err(ErrorCode::NotInSession.into());
    }
    let path = folder(&st, &session).join(format!("{rec}.webm"));
    let opened = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(&path).and_then(|f| f.metadata().map(|m| (f, m.len())))).await
    };
    let opened = opened.map_err(|e| {
        tracing::error!(error = %e, "recording open task failed");
        ErrorCode::Internal
    })?;
    let (file, size) =
        opened.map_err(|e| if e.kind() == std::io::ErrorKind::NotFound { ErrorCode::NotFound } else { io_failed(&path, &e) })?;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(|r| byte_range::parse(r, size));
    let (status, start, len) = match range {
        None | Some(Err(byte_range::Unusable::Ignored)) => (StatusCode::OK, 0, size),
        Some(Ok(r)) => (StatusCode::PARTIAL_CONTENT, r.start, r.len),
        Some(Err(byte_range::Unusable::NotSatisfiable)) => {
            return Ok((StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{size}"))]).into_response());
        }
    };
    let disposition = format!("attachment; filename=\"{session}-{rec}.webm\"");
    let mut resp = Response::new(Body::from_stream(crate::file_stream::read(file, start, len)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("video/webm"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", start + len - 1)) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(resp)
}

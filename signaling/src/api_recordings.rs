//! Session recordings (S16): the host's console records the session in the browser
//! (MediaRecorder, WebM with VP8 and Opus, its duration and seek index written by the console)
//! and uploads the file here when recording stops, with the chat said meanwhile when the CSR
//! chose to keep it (WebVTT subtitles or a text file, beside the recording). They are stored
//! beside the database, named in the session record, and readable by whoever may read the
//! record. Nothing is stored for a session whose customer never granted `recording` (S21).

use crate::auth::Csr;
use crate::db::sessions as store;
use crate::error::{ApiError, ApiPath, ApiResult};
use crate::secrets;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use protocol::ErrorCode;
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;

/// Bytes gathered before each write to disk.
const WRITE_BATCH: usize = 4 * 1024 * 1024;

/// The largest chat file kept beside a recording.
pub const CHAT_LIMIT: usize = 4 * 1024 * 1024;

/// The chat formats kept beside a recording: file extension and content type.
const CHAT_FORMATS: [(&str, &str); 2] = [("vtt", "text/vtt; charset=utf-8"), ("txt", "text/plain; charset=utf-8")];

/// Where a session's recordings live: `<database folder>/recordings/<session>/`.
fn folder(st: &AppState, session: &str) -> PathBuf {
    let base = st.config.database_path.parent().map(PathBuf::from).unwrap_or_default();
    base.join("recordings").join(session)
}

/// Only ids this service made (base64url letters) reach the file system.
fn plain_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `POST /api/sessions/{id}/recordings`, body `video/webm`: stores one recording. Refused with
/// `file_too_large` (413) over the configured size, `consent_required` when the customer never
/// granted recording in this session, `not_in_session` for CSRs without a seat.
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
    let seat = may_store(&st, &session, a.id).await?;
    if !plain_id(&session) {
        return Err(ErrorCode::NotFound.into());
    }
    let id = secrets::id("rec");
    let dir = folder(&st, &session);
    let path = dir.join(format!("{id}.webm"));
    let bytes = match receive(body, &dir, &path, limit).await {
        Ok(n) => n,
        Err(code) => {
            if let Err(e) = std::fs::remove_file(&path) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::error!(path = %path.display(), error = %e, "cannot remove a refused recording");
                }
            }
            return Err(code.into());
        }
    };
    let (sid, rid, actor, now) = (session.clone(), id.clone(), seat.id.clone(), st.clock.now_ms());
    st.db.call(move |c| store::recording_saved(c, &sid, &actor, &rid, bytes, now)).await?;
    tracing::info!(session = %session, recording = %id, bytes, "recording stored");
    Ok(Json(json!({"recording": id, "bytes": bytes})))
}

/// The uploader's seat, when they may store a recording of `session`: a CSR of it, and the
/// customer granted `recording` in it.
async fn may_store(st: &AppState, session: &str, account: i64) -> ApiResult<store::ParticipantRow> {
    let sid = session.to_owned();
    let seat = st
        .db
        .call(move |c| {
            let Some(seat) = store::csr_participant(c, &sid, account)? else { return Ok(Err(ErrorCode::NotInSession)) };
            if !store::recording_granted(c, &sid)? {
                return Ok(Err(ErrorCode::ConsentRequired));
            }
            Ok(Ok(seat))
        })
        .await?
        .map_err(ApiError)?;
    Ok(seat)
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
    let seat = may_store(&st, &session, a.id).await?;
    if !plain_id(&session) || !plain_id(&rec) {
        return Err(ErrorCode::NotFound.into());
    }
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
    if !admin && !st.db.call(move |c| store::took_part(c, &sid, aid)).await? {
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

/// Streams the body into `path`, at most `limit` bytes.
async fn receive(body: Body, dir: &std::path::Path, path: &std::path::Path, limit: u64) -> Result<u64, ErrorCode> {
    std::fs::create_dir_all(dir).map_err(|e| io_failed(dir, &e))?;
    let mut file = Some(std::fs::File::create(path).map_err(|e| io_failed(path, &e))?);
    let mut stream = body.into_data_stream();
    let (mut total, mut batch) = (0u64, Vec::with_capacity(WRITE_BATCH));
    loop {
        let chunk = stream.next().await;
        let last = chunk.is_none();
        if let Some(chunk) = chunk {
            let chunk = chunk.map_err(|_| ErrorCode::TransferInterrupted)?;
            total += chunk.len() as u64;
            if total > limit {
                return Err(ErrorCode::FileTooLarge);
            }
            batch.extend_from_slice(&chunk);
        }
        if batch.len() >= WRITE_BATCH || (last && !batch.is_empty()) {
            let (mut f, data) = (file.take().ok_or(ErrorCode::Internal)?, std::mem::take(&mut batch));
            let f = tokio::task::spawn_blocking(move || f.write_all(&data).map(|_| f)).await;
            let written = f.map_err(|e| {
                tracing::error!(error = %e, "recording write task failed");
                ErrorCode::Internal
            })?;
            file = Some(written.map_err(|e| io_failed(path, &e))?);
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

/// Reports a file-system failure; the client learns only that it was internal.
fn io_failed(path: &std::path::Path, e: &std::io::Error) -> ErrorCode {
    tracing::error!(path = %path.display(), error = %e, "recording storage failed");
    if e.raw_os_error() == Some(libc::ENOSPC) {
        ErrorCode::Unavailable
    } else {
        ErrorCode::Internal
    }
}

/// `GET /api/sessions/{id}/recordings/{rec}`: the file, for CSRs who took part and site admins.
pub async fn download(State(st): State<AppState>, Csr(a): Csr, ApiPath((session, rec)): ApiPath<(String, String)>) -> ApiResult<Response> {
    if !plain_id(&session) || !plain_id(&rec) {
        return Err(ErrorCode::NotFound.into());
    }
    let (sid, aid, admin) = (session.clone(), a.id, a.is_admin);
    if !admin && !st.db.call(move |c| store::took_part(c, &sid, aid)).await? {
        return Err(ErrorCode::NotInSession.into());
    }
    let path = folder(&st, &session).join(format!("{rec}.webm"));
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || std::fs::read(path)).await
    };
    let data = read.map_err(|e| {
        tracing::error!(error = %e, "recording read task failed");
        ErrorCode::Internal
    })?;
    let data = data.map_err(|e| if e.kind() == std::io::ErrorKind::NotFound { ErrorCode::NotFound } else { io_failed(&path, &e) })?;
    let disposition = format!("attachment; filename=\"{session}-{rec}.webm\"");
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "video/webm".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".into()),
        ],
        data,
    )
        .into_response())
}

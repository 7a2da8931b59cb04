//! The page an invitation link opens, for the customer: a one-click download of the support
//! agent made for this invitation (`agent_download.rs`), plain steps to start it, the phone
//! code for an agent already on the computer, and the way to join in the browser instead (the
//! customer page, `/join#invitation=<token>`: the token rides in the fragment, which browsers
//! never send, so it reaches no log or Referer beyond this page's own address). Opening it
//! uses nothing up.

use crate::agent_download::FILE_NAME as DOWNLOAD_NAME;
use crate::db::sessions::{self as store, Presented, Usable};
use crate::db::DbError;
use crate::secrets;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use protocol::ErrorCode;

/// What the download button says; the e2e test clicks it by these words.
pub const DOWNLOAD_LABEL: &str = "Download the support agent (Linux, 64-bit)";

/// What the link to the customer page says; the e2e test clicks it by these words.
pub const BROWSER_LABEL: &str = "Join in your browser — no download";

/// `GET /join/{token}`.
pub async fn join_page(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    let now = st.clock.now_ms();
    let t = token.clone();
    let found = st.db.call(move |c| usable_with_code(c, &t, now)).await;
    match found {
        Ok(Ok((usable, code))) => {
            let download = crate::agent_download::available(&st.config.agent_binary);
            let page = Invitation { link: format!("{}/join/{token}", st.config.public_url), token: &token, code, usable, now, download };
            respond(StatusCode::OK, &page.body())
        }
        Ok(Err(code)) => refusal(code),
        Err(_) => refusal(ErrorCode::Unavailable),
    }
}

/// The invitation the link `token` names, if usable, and its code when the code is this
/// invitation's: invitations made before codes followed links have a code of their own, stored
/// only as a hash, so neither the page nor a mail can show it.
pub fn usable_with_code(
    c: &mut rusqlite::Connection,
    token: &str,
    now: i64,
) -> Result<Result<(Usable, Option<String>), ErrorCode>, DbError> {
    let usable = match store::check_invitation(c, &Presented::Link(token), now)? {
        Ok(usable) => usable,
        Err(code) => return Ok(Err(code)),
    };
    let code = secrets::code_of_link(token);
    let theirs = matches!(store::check_invitation(c, &Presented::Code(&code), now)?, Ok(u) if u.id == usable.id);
    Ok(Ok((usable, theirs.then_some(code))))
}

/// A usable invitation's page.
struct Invitation<'a> {
    link: String,
    token: &'a str,
    code: Option<String>,
    usable: Usable,
    now: i64,
    /// Whether this site has an agent binary to serve.
    download: bool,
}

impl Invitation<'_> {
    fn body(&self) -> String {
        let minutes = ((self.usable.expires_at - self.now) / 60_000).max(1);
        let token = html_escape(self.token);
        let code = self.code.as_deref().map(secrets::grouped);
        let command =
            format!("<p>Start it with this command (copy it whole):</p>\n<pre><code>agent join {}</code></pre>", html_escape(&self.link));
        let code_line = match &code {
            Some(c) => format!("<p>If it asks for a code, type <strong class=\"code\">{c}</strong>.</p>"),
            None => String::new(),
        };
        let answer = "<p>The agent shows what your support representative asks for; answer each request with <b>y</b> to allow \
             or <b>n</b> to refuse. Type <b>help</b> to see how to stop sharing or leave.</p>";
        let get_it = if self.download {
            format!(
                r#"<p><a class="download" href="./{token}/agent" download="{DOWNLOAD_NAME}">{DOWNLOAD_LABEL}</a></p>
<ol>
<li>Save the file. It is called <b>{DOWNLOAD_NAME}</b> and is made for this invitation only.</li>
<li>Allow it to run: in Files, right-click it and choose <b>Properties → Permissions → Allow executing
file as program</b>. Or, in a terminal in the folder where it was saved:
<pre><code>chmod +x {DOWNLOAD_NAME}</code></pre></li>
<li>Open it (double-click it, or type <code>./{DOWNLOAD_NAME}</code> in that terminal). It joins this
session by itself: there is nothing to type.</li>
</ol>
{answer}
<h2>Already have the support agent?</h2>
{command}
{code_line}"#
            )
        } else {
            format!(
                r#"<p class="unavailable">The support agent cannot be downloaded from this site (error code
<code>{}</code>). Ask your support representative how to get it.</p>
{command}
{code_line}
{answer}"#,
                ErrorCode::AgentDownloadUnavailable
            )
        };
        let in_browser = format!(
            r#"<p><a class="browser" href="/join#invitation={token}">{BROWSER_LABEL}</a></p>
<p>In the browser you can chat with support at once. Seeing or controlling your screen, files,
the camera and the microphone need the support agent.</p>"#
        );
        format!(
            r#"<h1>Join your support session</h1>
<p>Your support representative invited you to a support session. Nothing on your computer is
shared until you allow it, and you can stop anything at any moment.</p>
{in_browser}
{get_it}
<p>This invitation admits one person and expires in about {minutes} minutes. If it stops working, ask for a new one.</p>"#
        )
    }
}

/// The page for an invitation (or download) that cannot be used: the reason in words and its
/// stable code.
pub fn refusal(code: ErrorCode) -> Response {
    let body = match code {
        ErrorCode::Unavailable | ErrorCode::RateLimited | ErrorCode::Internal => {
            format!("<h1>Please try again</h1><p>{}</p><p>Error code: <code>{code}</code></p>", code.message())
        }
        _ => format!("<h1>This invitation cannot be used</h1><p>{}</p><p>Error code: <code>{code}</code></p>", code.message()),
    };
    respond(crate::error::status_of(code), &body)
}

fn respond(status: StatusCode, body: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\"><title>Join a support session</title><style>{JOIN_STYLE}</style></head><body>{body}</body></html>"
    );
    (status, [(header::CACHE_CONTROL, "no-store"), (header::CONTENT_SECURITY_POLICY, join_csp())], Html(page)).into_response()
}

/// The join page's only style, inline so the page stands alone.
const JOIN_STYLE: &str = "body{font:17px/1.6 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}pre{background:#eef2f6;padding:.6rem;overflow-x:auto}\
a.download{display:inline-block;background:#1d5fbf;color:#fff;font-weight:600;padding:.8rem 1.2rem;border-radius:.4rem;text-decoration:none}\
a.download:focus,a.download:hover{background:#164a96}a.browser{display:inline-block;border:2px solid #1d5fbf;color:#1d5fbf;font-weight:600;padding:.7rem 1.1rem;border-radius:.4rem;text-decoration:none}.code{font-size:1.3em;letter-spacing:.05em}.unavailable{background:#fff4d6;padding:.6rem}";

/// No script at all; the one inline style allowed by its hash.
fn join_csp() -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        use base64::Engine as _;
        use sha2::Digest as _;
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(JOIN_STYLE.as_bytes()));
        format!("default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    })
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

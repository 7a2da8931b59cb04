//! A team's public "Get help" page, `/help/<slug>` (issue 16, rule S3): no sign-in; the
//! organisation links to it from its own site. Served here with the team's name and the
//! form's limits; the script (`console/js/queue/wait.js`) asks for help, shows the place and the
//! estimated wait as they change, sends messages, and once a CSR takes the customer moves the
//! page into the session (the customer page, `/join`). Same strict policy as the console:
//! scripts and styles from this origin only, no framing.

use crate::db::teams;
use crate::queue_rules as rules;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use protocol::ErrorCode;

/// `GET /help/{slug}`.
pub async fn page(State(st): State<AppState>, Path(slug): Path<String>) -> Response {
    if !crate::api_teams::slug_ok(&slug) {
        return missing();
    }
    match st.db.read(move |c| teams::by_slug(c, &slug)).await {
        Ok(Some(team)) => respond(StatusCode::OK, &form(&team.name, &team.slug)),
        Ok(None) => missing(),
        Err(_) => respond(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!(
                "<h1>Please try again</h1><p>{}</p><p>Error code: <code>{}</code></p>",
                ErrorCode::Unavailable.message(),
                ErrorCode::Unavailable
            ),
        ),
    }
}

fn missing() -> Response {
    respond(
        StatusCode::NOT_FOUND,
        &format!(
            "<h1>No such support team</h1><p>This address names no support team. Check the link.</p><p>Error code: <code>{}</code></p>",
            ErrorCode::NotFound
        ),
    )
}

/// The form; `wait.js` takes over from it.
fn form(team: &str, slug: &str) -> String {
    let (team, slug) = (html_escape(team), html_escape(slug));
    let (name, desc, msg) = (rules::MAX_NAME, rules::MAX_DESCRIPTION, rules::MAX_MESSAGE);
    format!(
        r#"<main class="customer-join queue-page" id="queue" data-team="{slug}" data-message-max="{msg}">
<h1>Get help from {team}</h1>
<form id="ask-form" class="ask-form">
<p>Tell us who you are and what you need help with. You wait in line here; a support representative takes you
into a support session in this page. Nothing on your computer is shared until you allow it.</p>
<label for="ask-name">Your name</label>
<input id="ask-name" name="name" autocomplete="name" maxlength="{name}" required>
<label for="ask-description">What do you need help with?</label>
<textarea id="ask-description" name="description" maxlength="{desc}" rows="4" required></textarea>
<p class="muted counter" id="ask-description-left">Up to {desc} characters.</p>
<label for="ask-email">Your e-mail address (optional)</label>
<input id="ask-email" name="email" type="email" autocomplete="email" maxlength="254">
<div class="row"><button type="submit" class="primary" id="ask-button">Ask for help</button></div>
<p class="error" id="ask-problem" role="alert" hidden></p>
</form>
</main>
<noscript><p>Waiting in line needs JavaScript. Please turn it on, or call your support team.</p></noscript>"#
    )
}

fn respond(status: StatusCode, body: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>Get help</title><link rel=\"icon\" href=\"/console/icon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/console/style.css\"><link rel=\"stylesheet\" href=\"/console/customer.css\">\
         <link rel=\"stylesheet\" href=\"/console/queue.css\"><script type=\"module\" src=\"/console/js/queue/wait.js\"></script></head>\
         <body class=\"customer-page\">{body}</body></html>"
    );
    let mut resp = (status, Html(page)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(crate::console::CONTENT_SECURITY_POLICY));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_team_name_is_shown_as_text() {
        let page = form("<b>Billing</b> & \"Co\"", "billing");
        assert!(page.contains("Get help from &lt;b&gt;Billing&lt;/b&gt; &amp; &quot;Co&quot;"), "{page}");
        assert!(!page.contains("<b>"));
    }
}

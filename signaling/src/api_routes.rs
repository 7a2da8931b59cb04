//! Every `/api` route, listed once: the router is built from this table, and so are the
//! OpenAPI document (`openapi.rs`, `GET /api/openapi.json`) and what an API token may reach
//! (`scope`). A route cannot be served without being described, nor described without being
//! served.

use crate::state::AppState;
use crate::{
    api_accounts as acc, api_mail as mail, api_queue as queue, api_queue_csr as csrq, api_recordings as rec, api_sessions as ses,
    api_snippets as snip, api_team as lead, api_teams as teams, api_tokens as tok, api_webhooks as hooks,
};
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::Router;

/// What an API token may be allowed to do (issue 16). Routes without a scope take the login
/// cookie only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// List sessions and the session types.
    ReadSessions,
    /// Read a session's record and its recordings.
    ReadRecords,
    /// Start sessions and invite customers into them.
    StartSessions,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::ReadSessions, Scope::ReadRecords, Scope::StartSessions];

    pub fn name(self) -> &'static str {
        match self {
            Scope::ReadSessions => "read_sessions",
            Scope::ReadRecords => "read_records",
            Scope::StartSessions => "start_sessions",
        }
    }
}

/// One route as described.
#[derive(Debug, Clone, Copy)]
pub struct ApiRoute {
    /// `get`, `post`, `put`, `patch` or `delete`.
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it, in words.
    pub who: &'static str,
    /// The scope an API token needs here; `None`: no token reaches it.
    pub scope: Option<Scope>,
}

macro_rules! api_routes {
    ($( $method:ident $path:literal => $handler:path $([layer $layer:expr])?, $who:literal, $scope:expr, $summary:literal; )*) => {
        /// Adds every `/api` route to `r`.
        pub fn api_router(mut r: Router<AppState>) -> Router<AppState> {
            $( r = r.route($path, axum::routing::$method($handler)$(.layer($layer))?); )*
            r
        }

        /// The table the router was built from.
        pub const API: &[ApiRoute] = &[
            $( ApiRoute { method: stringify!($method), path: $path, summary: $summary, who: $who, scope: $scope } ),*
        ];
    };
}

const ANYONE: Option<Scope> = None;
/// Bodies of the queue's customer routes: a name, 500 characters and an address fit well.
const QUEUE_BODY: usize = 8 * 1024;
const COOKIE: Option<Scope> = None;

api_routes! {
    post "/api/login" => acc::login, "anyone", ANYONE, "Sign in; sets the login cookie";
    post "/api/logout" => acc::logout, "anyone", ANYONE, "Sign out; clears the cookie";
    get "/api/me" => acc::me, "CSR", COOKIE, "The signed-in account";
    get "/api/notices" => crate::notices::stream, "CSR", COOKIE, "Server-Sent Events: invitations into live sessions";
    post "/api/password" => acc::change_password, "CSR", COOKIE, "Change the password";
    get "/api/session-types" => acc::session_types, "CSR, API token", Some(Scope::StartSessions), "The session types";
    get "/api/features" => acc::features, "CSR", COOKIE, "The features in effect";
    get "/api/snippets" => snip::list, "CSR", COOKIE, "Canned messages: the caller's own, then their teams', then the shared ones";
    post "/api/snippets" => snip::create, "CSR (a team's: its lead; shared: site admin)", COOKIE, "Add a canned message";
    put "/api/snippets/{id}" => snip::update, "its CSR (a team's: its lead; shared: site admin)", COOKIE, "Change a canned message";
    delete "/api/snippets/{id}" => snip::delete, "its CSR (a team's: its lead; shared: site admin)", COOKIE, "Delete a canned message";
    get "/api/presets" => acc::presets, "CSR", COOKIE, "This CSR's one-click presets";
    post "/api/presets" => acc::create_preset, "CSR", COOKIE, "Add a preset";
    delete "/api/presets/{id}" => acc::delete_preset, "CSR", COOKIE, "Delete a preset";
    get "/api/admin/accounts" => acc::list_accounts, "site admin", COOKIE, "The accounts";
    post "/api/admin/accounts" => acc::create_account, "site admin", COOKIE, "Create an account";
    patch "/api/admin/accounts/{id}" => acc::update_account, "site admin", COOKIE, "Change an account";
    post "/api/admin/accounts/{id}/password-reset" => acc::reset_password, "site admin", COOKIE, "A one-time password for an account";
    post "/api/admin/session-types" => acc::create_session_type, "site admin", COOKIE, "Add a session type";
    patch "/api/admin/session-types/{id}" => acc::update_session_type, "site admin", COOKIE, "Change a session type";
    put "/api/admin/features" => acc::set_features, "site admin", COOKIE, "Switch features on or off";
    get "/api/admin/teams" => teams::list, "site admin", COOKIE, "The teams with their members and session types";
    post "/api/admin/teams" => teams::create, "site admin", COOKIE, "Add a team (its slug names its queue page /help/<slug>)";
    patch "/api/admin/teams/{id}" => teams::update, "site admin", COOKIE, "Rename a team or change its slug";
    put "/api/admin/teams/{id}/members/{account}" => teams::set_member, "site admin", COOKIE, "Put an account in a team as lead or csr";
    delete "/api/admin/teams/{id}/members/{account}" => teams::remove_member, "site admin", COOKIE, "Take an account out of a team";
    get "/api/admin/tokens" => tok::list, "site admin", COOKIE, "The API tokens (never their secrets)";
    post "/api/admin/tokens" => tok::create, "site admin", COOKIE, "Create an API token; its secret is shown once";
    delete "/api/admin/tokens/{id}" => tok::revoke, "site admin", COOKIE, "Revoke an API token";
    get "/api/admin/webhooks" => hooks::list, "site admin", COOKIE, "The webhooks with their latest deliveries";
    post "/api/admin/webhooks" => hooks::create, "site admin", COOKIE, "Add a webhook; its signing secret is shown once";
    delete "/api/admin/webhooks/{id}" => hooks::delete, "site admin", COOKIE, "Delete a webhook";
    post "/api/admin/webhooks/{id}/test" => hooks::test, "site admin", COOKIE, "Send a test event (ping) to a webhook";
    get "/api/sessions" => ses::list, "CSR (admin: all), API token", Some(Scope::ReadSessions), "Sessions, newest first, a page at a time, narrowed by csr, team, from, to, session_type, tracking, min_rating, max_rating";
    get "/api/sessions.csv" => ses::export_csv, "CSR (admin: all), API token", Some(Scope::ReadSessions), "The same sessions as CSV (at most 10,000, notes whole)";
    post "/api/sessions" => ses::start, "CSR, API token", Some(Scope::StartSessions), "Start a session (the caller is its host)";
    get "/api/sessions/{id}" => ses::read, "CSR who took part, site admin, API token", Some(Scope::ReadRecords), "A session and a page of its record";
    put "/api/sessions/{id}/notes" => ses::save_notes, "CSR of the session", COOKIE, "Save the session's notes";
    post "/api/sessions/{id}/end" => ses::end, "host", COOKIE, "End the session";
    post "/api/sessions/{id}/invitations" => ses::invite_customer, "CSR of the session, API token", Some(Scope::StartSessions), "Invite a customer: a code and a link";
    delete "/api/sessions/{id}/invitations/{inv}" => ses::revoke_invitation, "CSR of the session", COOKIE, "Withdraw an invitation";
    post "/api/sessions/{id}/csrs" => ses::invite_csr, "host", COOKIE, "Invite another CSR";
    post "/api/sessions/{id}/observe" => lead::observe, "team lead of the session's team, site admin", COOKIE, "Join a live session as an observer; the customer is told";
    get "/api/team/sessions" => lead::live, "team lead (site admin: all)", COOKIE, "The live sessions of the teams the caller leads, with their people";
    get "/api/reports/teams" => lead::figures, "CSR (their teams; site admin: all), API token", Some(Scope::ReadSessions), "Per-team figures in [from, to): sessions, mean length, taken from the queue and mean wait, gave up, ratings";
    get "/api/mail" => mail::status, "CSR", COOKIE, "Whether invitations can be e-mailed";
    post "/api/sessions/{id}/invitations/{inv}/email" => mail::email_invitation, "CSR of the session", COOKIE, "E-mail an invitation to a customer";
    post "/api/sessions/{id}/csrs/{participant}/email" => mail::email_csr_invitation, "host", COOKIE, "E-mail an invited CSR";
    post "/api/join" => ses::join, "customer (rate-limited)", ANYONE, "Redeem an invitation: a seat and its token";
    post "/api/seat/agent" => ses::seat_agent, "customer in the browser", ANYONE, "An invitation taking this seat to the support agent";
    post "/api/survey" => crate::api_survey::answer, "customer, with their seat's token, after the end", ANYONE, "Answer the satisfaction survey: a rating 1-5 and a comment, once, within 24 hours";
    post "/api/sessions/{id}/recordings" => rec::upload [layer DefaultBodyLimit::disable()], "CSR with the customer's recording grant", COOKIE, "Upload a recording (WebM)";
    get "/api/sessions/{id}/recordings/{rec}" => rec::download, "CSR who took part, site admin, API token", Some(Scope::ReadRecords), "A recording (WebM), ranges allowed";
    get "/api/sessions/{id}/recordings/{rec}/chat" => rec::download_chat, "CSR who took part, site admin, API token", Some(Scope::ReadRecords), "The chat kept beside a recording";
    post "/api/sessions/{id}/recordings/{rec}/chat" => rec::upload_chat [layer DefaultBodyLimit::max(rec::CHAT_LIMIT)], "CSR of the session", COOKIE, "Keep the chat said while recording";
    post "/api/waiting" => queue::ask [layer DefaultBodyLimit::max(QUEUE_BODY)], "customer (rate-limited)", ANYONE, "Ask a team for help: join its queue; answers a ticket";
    post "/api/waiting/news" => queue::news [layer DefaultBodyLimit::max(QUEUE_BODY)], "customer with a ticket", ANYONE, "Place, estimate and messages while waiting; the invitation once taken";
    post "/api/waiting/leave" => queue::leave [layer DefaultBodyLimit::max(QUEUE_BODY)], "customer with a ticket", ANYONE, "Leave the queue";
    post "/api/waiting/messages" => queue::write [layer DefaultBodyLimit::max(QUEUE_BODY)], "customer with a ticket", ANYONE, "Write a short message to the team while waiting";
    get "/api/queue" => csrq::list, "CSR", COOKIE, "The customers waiting in the caller's teams, and whether the caller is available";
    put "/api/queue/availability" => csrq::set_availability, "CSR", COOKIE, "Set the caller available or away";
    post "/api/queue/next" => csrq::take_next, "CSR", COOKIE, "Take the customer who has waited longest: starts a session with them";
    post "/api/queue/{id}/take" => csrq::take_one, "CSR", COOKIE, "Take this customer: starts a session with them";
    get "/api/openapi.json" => crate::openapi::document, "anyone", ANYONE, "This API, described (OpenAPI 3.1)";
}

/// The route `method` `matched` (axum's matched path) names, if it is one of the table's.
pub fn find(method: &Method, matched: &str) -> Option<&'static ApiRoute> {
    API.iter().find(|r| r.path == matched && r.method.eq_ignore_ascii_case(method.as_str()))
}

//! Random whole sessions (issue "whole sessions"): the console in Chromium and the real agent
//! under Xvfb do random things in random order while a model of the session says what each
//! screen must show; checked after every step (scenarios/whole_session_walk.mjs). A few walks
//! per run; `E2E_SEED=<seed> E2E_WALKS=1` replays one, and the soak (README) plays 200.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

#[test]
fn random_whole_sessions_keep_every_screen_true_to_the_model() {
    let walks: u64 = std::env::var("E2E_WALKS").ok().and_then(|w| w.parse().ok()).unwrap_or(6);
    // One more walk: the kept seeds (scenarios/whole_session_walk.mjs, KEPT_SEEDS).
    let limit = Duration::from_secs(60 + 90 * (walks + 1));
    e2e::run_scenario(
        "whole_session_walk",
        e2e::Needs { xvfb: true, app_window: Some("Printer settings"), time_limit: Some(limit), ..Default::default() },
    );
}

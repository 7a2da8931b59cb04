//! Sends the queued webhook deliveries (`db::webhooks`): a POST of the event's JSON, signed the
//! way Stripe and GitHub sign (`Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>" with the webhook's secret>`), retried with back-off until a 2xx answer or the
//! last try. One task; the database is the queue, so a restart resumes where it stopped.

use crate::db::webhooks::{self as store, Due};
use crate::state::AppState;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;
use tokio::sync::Notify;

/// One try waits at most this long for the answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Tries before a delivery is given up (with the default 30 s first wait: over about 9 hours).
pub const MAX_ATTEMPTS: i64 = 8;
/// The longest wait between two tries.
const MAX_WAIT_MS: i64 = 6 * 3600 * 1000;
/// The queue is looked at at least this often (events of live sessions do not wake the sender).
const POLL: Duration = Duration::from_secs(1);
/// Of an answer, only this much is read (and only to say what went wrong).
const ANSWER_BYTES: usize = 1024;

/// The sender's wake-up, for events queued by the API.
#[derive(Default)]
pub struct Outbox {
    wake: Notify,
}

impl Outbox {
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// `t=<t>,v1=<hex>`: what a receiver recomputes from the body and its copy of the secret.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// The wait before try `attempts + 1`, after `attempts` failed ones: `base`, then 4× each time.
pub fn backoff(base_ms: u64, attempts: i64) -> i64 {
    let base = i64::try_from(base_ms).unwrap_or(i64::MAX);
    let factor = 4i64.saturating_pow(u32::try_from(attempts.saturating_sub(1)).unwrap_or(u32::MAX));
    base.saturating_mul(factor).min(MAX_WAIT_MS)
}

/// Runs the sender until the runtime stops.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let Ok(client) = reqwest::Client::builder().timeout(TIMEOUT).redirect(reqwest::redirect::Policy::none()).build() else {
            tracing::error!("webhooks: no HTTP client; nothing is sent");
            return;
        };
        loop {
            let now = state.clock.now_ms();
            match state.db.call(move |c| store::due(c, now, 16)).await {
                Ok(due) => {
                    for d in due {
                        deliver(&state, &client, d).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "webhooks: the queue cannot be read"),
            }
            tokio::select! {
                _ = state.webhooks.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    })
}

async fn deliver(state: &AppState, client: &reqwest::Client, d: Due) {
    let t = state.clock.now_ms() / 1000;
    let sent = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("user-agent", concat!("remote-support-signaling/", env!("CARGO_PKG_VERSION")))
        .header("webhook-id", &d.event_id)
        .header("webhook-signature", signature(&d.secret, t, &d.body))
        .body(d.body.clone())
        .send()
        .await;
    let (status, error) = match sent {
        Ok(mut resp) => {
            let status = resp.status();
            let mut said = Vec::new();
            while said.len() < ANSWER_BYTES {
                match resp.chunk().await {
                    Ok(Some(piece)) => said.extend_from_slice(&piece[..piece.len().min(ANSWER_BYTES - said.len())]),
                    _ => break,
                }
            }
            let error = (!status.is_success()).then(|| format!("HTTP {}: {}", status.as_u16(), String::from_utf8_lossy(&said).trim()));
            (Some(status.as_u16()), error)
        }
        Err(e) => {
            (None, Some(if e.is_timeout() { format!("no answer within {} s", TIMEOUT.as_secs()) } else { format!("not reached: {e}") }))
        }
    };
    let delivered = error.is_none();
    let attempts = d.attempts + 1;
    let now = state.clock.now_ms();
    let next = (!delivered && attempts < MAX_ATTEMPTS).then(|| now + backoff(state.config.webhook_retry_ms, attempts));
    if let Some(e) = &error {
        tracing::info!(delivery = d.id, attempts, error = %e, given_up = next.is_none(), "webhook delivery failed");
    }
    let id = d.id;
    if let Err(e) = state.db.call(move |c| store::tried(c, id, status, error.as_deref(), delivered, next, now)).await {
        tracing::warn!(error = %e, "webhooks: a delivery's outcome cannot be saved");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body_in_hex() {
        // `printf '1.x' | openssl dgst -sha256 -hmac Jefe`
        assert_eq!(signature("Jefe", 1, "x"), "t=1,v1=2f7ccbd0f043456ad29514b2d24a8aa345ec6673a5db1b44e91c8ac99d1841e3");
        assert_ne!(signature("Jefe", 2, "x"), signature("Jefe", 1, "x"), "the time is signed too");
    }

    #[test]
    fn retries_wait_four_times_longer_each_time_up_to_six_hours() {
        assert_eq!(backoff(30_000, 1), 30_000);
        assert_eq!(backoff(30_000, 2), 120_000);
        assert_eq!(backoff(30_000, 3), 480_000);
        assert_eq!(backoff(30_000, 7), MAX_WAIT_MS);
        assert_eq!(backoff(u64::MAX, 40), MAX_WAIT_MS);
    }
}

//! Sessions over HTTP as the console and the agent make them: one CSR login (its cookie serves
//! every session), then per session a start, an invitation and a customer's join by link.
//!
//! Rate limits (signaling/src/state.rs) are left as they are. Logins: one. Joins are limited per
//! client address (10 at once, then 2 a minute) but every successful join is refunded, so
//! only the joins in flight at once hold tokens: spreading the workers over several 127.0.0.x
//! source addresses keeps that at `concurrency / sources` (2 with the defaults), below 10.
//! Joins by link do not touch the limit on phone codes across all addresses.

use crate::peers::Participant;
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Login<'a> {
    pub base: &'a str,
    pub user: &'a str,
    pub password: &'a str,
}

/// What one session's setup produced: (session, CSR participant, customer participant, customer token).
type Seated = (String, String, String, String);

/// Starts `n` sessions and joins a customer to each; returns the participants (CSR, customer,
/// CSR, …) and how many joins were answered `rate_limited` and retried.
pub async fn sessions(login: &Login<'_>, n: usize, concurrency: usize, sources: &[Ipv4Addr]) -> Result<(Vec<Participant>, u64), String> {
    let cookie = sign_in(login).await?;
    let next = Arc::new(AtomicUsize::new(0));
    let limited = Arc::new(AtomicU64::new(0));
    let seated: Arc<Mutex<Vec<Option<Seated>>>> = Arc::new(Mutex::new(vec![None; n]));
    let mut workers = Vec::new();
    for w in 0..concurrency.max(1) {
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::V4(sources[w % sources.len()]))
            .build()
            .map_err(|e| e.to_string())?;
        let (base, cookie, next, limited, seated) = (login.base.to_owned(), cookie.clone(), next.clone(), limited.clone(), seated.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let k = next.fetch_add(1, Relaxed);
                if k >= n {
                    return Ok::<(), String>(());
                }
                let one = seat_one(&client, &base, &cookie, k, &limited).await?;
                seated.lock().unwrap_or_else(|p| p.into_inner())[k] = Some(one);
            }
        }));
    }
    for w in workers {
        w.await.map_err(|e| e.to_string())??;
    }
    let seated = std::mem::take(&mut *seated.lock().unwrap_or_else(|p| p.into_inner()));
    let mut out = Vec::with_capacity(n * 2);
    for (session, csr, customer, token) in seated.into_iter().flatten() {
        let hello = json!({"type": "hello", "protocol_version": 1, "session": session}).to_string();
        out.push(Participant { hello, cookie: Some(cookie.clone()), to: customer.clone() });
        let hello = json!({"type": "hello", "protocol_version": 1, "token": token}).to_string();
        out.push(Participant { hello, cookie: None, to: csr });
    }
    Ok((out, limited.load(Relaxed)))
}

/// The baseline's pairs: ids only.
pub fn floor_pairs(n: usize) -> Vec<Participant> {
    (0..n)
        .flat_map(|k| {
            let (a, b) = (format!("a{k}"), format!("b{k}"));
            [
                Participant { hello: json!({"id": a, "peer": b}).to_string(), cookie: None, to: b.clone() },
                Participant { hello: json!({"id": b, "peer": a}).to_string(), cookie: None, to: a },
            ]
        })
        .collect()
}

async fn sign_in(login: &Login<'_>) -> Result<String, String> {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/login", login.base))
        .json(&json!({"username": login.user, "password": login.password}))
        .send()
        .await
        .map_err(|e| format!("login: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("login: {}", resp.status()));
    }
    let set = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).ok_or("login: no cookie")?;
    Ok(set.split(';').next().unwrap_or_default().to_owned())
}

async fn seat_one(client: &reqwest::Client, base: &str, cookie: &str, k: usize, limited: &AtomicU64) -> Result<Seated, String> {
    let started = post(client, &format!("{base}/api/sessions"), Some(cookie), json!({"session_type_id": 1})).await?.1;
    let session = field(&started, "session_id")?;
    let csr = field(&started, "participant_id")?;
    let invited = post(client, &format!("{base}/api/sessions/{session}/invitations"), Some(cookie), json!({})).await?.1;
    let link = field(&invited, "link")?;
    loop {
        let (status, joined) =
            post(client, &format!("{base}/api/join"), None, json!({"link": link, "name": format!("Customer {k}")})).await?;
        if status == 429 {
            limited.fetch_add(1, Relaxed);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        return Ok((session, csr, field(&joined, "participant_id")?, field(&joined, "token")?));
    }
}

async fn post(client: &reqwest::Client, url: &str, cookie: Option<&str>, body: Value) -> Result<(u16, Value), String> {
    let mut req = client.post(url).json(&body);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let resp = req.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    let value: Value = resp.json().await.unwrap_or(Value::Null);
    if status != 200 && status != 429 {
        return Err(format!("{url}: {status} {value}"));
    }
    Ok((status, value))
}

fn field(v: &Value, name: &str) -> Result<String, String> {
    v[name].as_str().map(str::to_owned).ok_or_else(|| format!("no `{name}` in {v}"))
}

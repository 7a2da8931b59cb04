//! Untrusted text into `decode_client`: whatever arrives, decoding never panics and the sender
//! is told the right code: not JSON or not an object → `malformed_message`; an unknown `type`
//! → `unknown_message_type`; a known type with missing or wrong fields (or no string `type`)
//! → `invalid_message`; more than `MAX_MESSAGE_BYTES` → `message_too_large`. The sender's `ref`
//! comes back with every refusal of an object that carries one. Server messages, including the
//! flattened `event` and `error`, survive the trip through JSON and `decode_server`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use protocol::rules::{Event, Input, Role, Session, StopReason};
use protocol::signal::{ClientMessage, IceCandidate, IceServer, ServerMessage, SignalPayload, CLIENT_TYPES};
use protocol::{
    decode_client, decode_server, Activity, Capability, ErrorCode, ParticipantId, RequestId, SessionId, SiteFeatures, MAX_MESSAGE_BYTES,
};
use serde_json::{json, Map, Value};

/// Field names of client messages, so random objects often carry real fields with wrong values.
const FIELDS: [&str; 18] = [
    "type",
    "ref",
    "to",
    "payload",
    "request",
    "customer",
    "capability",
    "granted",
    "activity",
    "text",
    "notes",
    "protocol_version",
    "session",
    "token",
    "kind",
    "sdp",
    "candidate",
    "sdpMLineIndex",
];

/// Fields a client message may leave out.
const OPTIONAL: [(&str, &str); 7] = [
    // Older agents answer without a scope: "for this session".
    ("consent_answer", "scope"),
    ("hello", "session"),
    ("hello", "token"),
    ("activity_start", "customer"),
    ("activity_stop", "customer"),
    ("chat", "to"),
    ("end", "notes"),
];

// --- strategies ---

fn short_text() -> impl Strategy<Value = String> {
    ".{0,16}"
}

fn word() -> impl Strategy<Value = String> {
    let known = CLIENT_TYPES
        .iter()
        .chain(&["offer", "answer", "ice", "bye", "basic_file_transfer", "csr_video", "audio_conference", "screen_view", "recording"])
        .map(|s| s.to_string())
        .collect::<Vec<_>>();
    prop_oneof![prop::sample::select(known), short_text()]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(FIELDS.to_vec()).prop_map(String::from), "[a-zA-Z_]{0,8}"]
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Text made of JSON tokens in any order: sometimes JSON, mostly almost.
fn json_like_text() -> impl Strategy<Value = String> {
    let tokens = vec![
        "{", "}", "[", "]", ":", ",", " ", "\"type\"", "\"ref\"", "\"chat\"", "\"text\"", "\"ping\"", "\"", "1", "-0.5e3", "null", "true",
        "\\u00e9", "\\",
    ];
    prop::collection::vec(prop::sample::select(tokens), 0..24).prop_map(|t| t.concat())
}

/// An object shaped like a client message: a `type` that is usually known, random fields, and
/// sometimes a `ref`.
fn message_like() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        4 => prop::sample::select(CLIENT_TYPES.to_vec()).prop_map(Value::from),
        1 => short_text().prop_map(Value::String),
        1 => json_value(),
    ];
    let r#ref = prop::option::of(prop_oneof![".{0,80}".prop_map(Value::String), json_value()]);
    let fields = prop::collection::btree_map(key(), json_value(), 0..6);
    (kind, r#ref, fields).prop_map(|(kind, r#ref, fields)| {
        let mut map: Map<String, Value> = fields.into_iter().collect();
        map.insert("type".into(), kind);
        if let Some(r) = r#ref {
            map.insert("ref".into(), r);
        }
        Value::Object(map)
    })
}

fn participant() -> impl Strategy<Value = ParticipantId> {
    short_text().prop_map(ParticipantId)
}

fn capability() -> impl Strategy<Value = Capability> {
    prop::sample::select(Capability::ALL.to_vec())
}

fn activity() -> impl Strategy<Value = Activity> {
    prop_oneof![
        capability().prop_map(Activity::Capability),
        Just(Activity::BasicFileTransfer),
        Just(Activity::CsrVideo),
        Just(Activity::AudioConference),
    ]
}

fn signal_payload() -> impl Strategy<Value = SignalPayload> {
    let candidate = (short_text(), prop::option::of(short_text()), prop::option::of(any::<u16>()), prop::option::of(short_text()))
        .prop_map(|(candidate, sdp_mid, sdp_m_line_index, username_fragment)| IceCandidate {
            candidate,
            sdp_mid,
            sdp_m_line_index,
            username_fragment,
        });
    prop_oneof![
        short_text().prop_map(|sdp| SignalPayload::Offer { sdp }),
        short_text().prop_map(|sdp| SignalPayload::Answer { sdp }),
        candidate.prop_map(|candidate| SignalPayload::Ice { candidate }),
        Just(SignalPayload::Bye),
    ]
}

/// Every kind of valid client message.
fn client_message() -> impl Strategy<Value = ClientMessage> {
    use ClientMessage::*;
    let request = || short_text().prop_map(RequestId);
    prop_oneof![
        (any::<u32>(), prop::option::of(short_text().prop_map(SessionId)), prop::option::of(short_text()))
            .prop_map(|(protocol_version, session, token)| Hello { protocol_version, session, token }),
        (participant(), signal_payload()).prop_map(|(to, payload)| Signal { to, payload }),
        (request(), participant(), capability()).prop_map(|(request, customer, capability)| ConsentRequest {
            request,
            customer,
            capability
        }),
        (request(), any::<bool>()).prop_map(|(request, granted)| ConsentAnswer { request, granted, scope: Default::default() }),
        capability().prop_map(|capability| ConsentRevoke { capability }),
        (activity(), prop::option::of(participant())).prop_map(|(activity, customer)| ActivityStart { activity, customer }),
        (activity(), prop::option::of(participant())).prop_map(|(activity, customer)| ActivityStop { activity, customer }),
        participant().prop_map(|customer| Promote { customer }),
        participant().prop_map(|to| TransferControl { to }),
        (prop::collection::vec(participant(), 0..3), short_text()).prop_map(|(to, text)| Chat { to, text }),
        Just(Leave),
        prop::option::of(short_text()).prop_map(|notes| End { notes }),
        Just(Ping),
    ]
}

// --- the oracle ---

/// The `ref` signaling echoes for an object: its string `ref`, cut to 64 characters.
fn echoed_ref(map: &Map<String, Value>) -> Option<String> {
    map.get("ref").and_then(Value::as_str).map(|r| r.chars().take(64).collect())
}

/// The wire name of a message's type.
fn type_of(msg: &ClientMessage) -> String {
    let value = serde_json::to_value(msg).expect("serialise");
    value["type"].as_str().expect("a string type").to_owned()
}

/// Decodes `text` and checks the outcome against what the protocol promises for it.
fn check_decode(text: &str) -> Result<(), TestCaseError> {
    let got = decode_client(text);
    let refused = |code: ErrorCode, r#ref: Option<String>| -> Result<(), TestCaseError> {
        let e = got.clone().err();
        prop_assert_eq!(e.as_ref().map(|e| e.code), Some(code), "{} for {:?}", code, text);
        prop_assert_eq!(e.and_then(|e| e.r#ref), r#ref);
        Ok(())
    };
    if text.len() > MAX_MESSAGE_BYTES {
        return refused(ErrorCode::MessageTooLarge, None);
    }
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return refused(ErrorCode::MalformedMessage, None);
    };
    let Value::Object(map) = &value else {
        return refused(ErrorCode::MalformedMessage, None);
    };
    let r#ref = echoed_ref(map);
    let kind = match map.get("type") {
        Some(Value::String(kind)) => kind,
        _ => return refused(ErrorCode::InvalidMessage, r#ref),
    };
    if !CLIENT_TYPES.contains(&kind.as_str()) {
        return refused(ErrorCode::UnknownMessageType, r#ref);
    }
    match got.clone() {
        Ok((got_ref, msg)) => {
            prop_assert_eq!(got_ref, r#ref);
            prop_assert_eq!(wire_name(&msg), kind.as_str());
            // What was accepted means the same when sent again.
            let again = serde_json::to_string(&msg).expect("serialise");
            prop_assert_eq!(decode_client(&again).ok(), Some((None, msg)));
        }
        Err(_) => refused(ErrorCode::InvalidMessage, r#ref)?,
    }
    Ok(())
}

// --- properties ---

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_and_gets_the_right_code(text in any::<String>()) {
        check_decode(&text)?;
    }

    #[test]
    fn json_like_text_never_panics_and_gets_the_right_code(text in json_like_text()) {
        check_decode(&text)?;
    }

    #[test]
    fn arbitrary_json_values_get_the_right_code(value in json_value()) {
        check_decode(&value.to_string())?;
    }

    #[test]
    fn message_like_objects_get_the_right_code(value in message_like()) {
        check_decode(&value.to_string())?;
    }

    #[test]
    fn damaged_messages_get_the_right_code(
        value in message_like(),
        at in any::<prop::sample::Index>(),
        c in any::<char>(),
        cut in any::<bool>(),
    ) {
        let mut text = value.to_string();
        let mut boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        boundaries.push(text.len());
        let i = *at.get(&boundaries);
        if cut {
            text.truncate(i);
        } else {
            text.insert(i, c);
        }
        check_decode(&text)?;
    }

    #[test]
    fn every_client_message_round_trips(msg in client_message(), r#ref in prop::option::of(".{0,80}")) {
        let mut value = serde_json::to_value(&msg).expect("serialise");
        if let Some(r) = &r#ref {
            value.as_object_mut().expect("an object").insert("ref".into(), Value::from(r.as_str()));
        }
        let echoed = r#ref.map(|r| r.chars().take(64).collect::<String>());
        prop_assert_eq!(decode_client(&value.to_string()), Ok((echoed, msg)));
    }

    #[test]
    fn known_type_with_missing_or_wrong_field_is_invalid(
        msg in client_message(),
        field in any::<prop::sample::Index>(),
        wrong in prop::sample::select(vec![json!({}), json!([{}]), json!(-1), json!(1.5)]),
        remove in any::<bool>(),
    ) {
        let kind = wire_name(&msg);
        let mut value = serde_json::to_value(&msg).expect("serialise");
        let map = value.as_object_mut().expect("an object");
        let fields: Vec<String> = map.keys().filter(|k| *k != "type").cloned().collect();
        prop_assume!(!fields.is_empty());
        let field = field.get(&fields);
        if remove {
            // Leaving out an optional field is fine; only required ones are tested here.
            prop_assume!(!OPTIONAL.contains(&(kind, field.as_str())));
            map.remove(field);
        } else {
            // None of these values is right for any field of any client message.
            map.insert(field.clone(), wrong);
        }
        map.insert("ref".into(), Value::from("r-7"));
        let e = decode_client(&value.to_string()).expect_err("a broken message was accepted");
        prop_assert_eq!(e.code, ErrorCode::InvalidMessage, "{}", e.detail);
        prop_assert_eq!(e.r#ref.as_deref(), Some("r-7"));
    }

    #[test]
    fn size_limit_is_exact(extra in 0usize..128, wide in any::<bool>()) {
        let frame = json!({ "type": "chat", "text": "" }).to_string();
        let budget = MAX_MESSAGE_BYTES - frame.len() - 64 + extra;
        // One- and two-byte characters: the limit counts bytes, not characters.
        let pad = if wide { "é".repeat(budget / 2) } else { "x".repeat(budget) };
        let text = json!({ "type": "chat", "text": pad }).to_string();
        match decode_client(&text) {
            Err(e) => {
                prop_assert!(text.len() > MAX_MESSAGE_BYTES, "refused at {} bytes: {}", text.len(), e);
                prop_assert_eq!(e.code, ErrorCode::MessageTooLarge);
            }
            Ok((_, msg)) => {
                prop_assert!(text.len() <= MAX_MESSAGE_BYTES);
                prop_assert_eq!(msg, ClientMessage::Chat { to: vec![], text: pad });
            }
        }
    }
}

// --- examples ---

fn id(s: &str) -> ParticipantId {
    ParticipantId::from(s)
}

/// The wire name of each variant; the match stops compiling when a variant is added, so the
/// examples below and `CLIENT_TYPES` get updated with it.
fn wire_name(msg: &ClientMessage) -> &'static str {
    use ClientMessage::*;
    match msg {
        Hello { .. } => "hello",
        Signal { .. } => "signal",
        ConsentRequest { .. } => "consent_request",
        ConsentAnswer { .. } => "consent_answer",
        ConsentRevoke { .. } => "consent_revoke",
        ConsentOffer { .. } => "consent_offer",
        ActivityStart { .. } => "activity_start",
        ActivityStop { .. } => "activity_stop",
        Promote { .. } => "promote",
        TransferControl { .. } => "transfer_control",
        TakeOver => "take_over",
        Chat { .. } => "chat",
        Leave => "leave",
        End { .. } => "end",
        Ping => "ping",
    }
}

/// One message of each kind.
fn one_of_each_client_message() -> Vec<ClientMessage> {
    use ClientMessage::*;
    vec![
        Hello { protocol_version: protocol::PROTOCOL_VERSION, session: Some("s1".into()), token: None },
        Signal { to: id("p2"), payload: SignalPayload::Offer { sdp: "v=0\r\n".into() } },
        ConsentRequest { request: "r1".into(), customer: id("c1"), capability: Capability::ScreenView },
        ConsentAnswer { request: "r1".into(), granted: true, scope: Default::default() },
        ConsentRevoke { capability: Capability::RemoteControl },
        ConsentOffer { request: "own-1".into(), csr: id("csr1"), capability: Capability::Camera },
        ActivityStart { activity: Activity::Capability(Capability::ScreenView), customer: Some(id("c1")) },
        ActivityStop { activity: Activity::BasicFileTransfer, customer: None },
        Promote { customer: id("c2") },
        TransferControl { to: id("csr2") },
        TakeOver,
        Chat { to: vec![id("c1")], text: "hello".into() },
        Leave,
        End { notes: Some("done".into()) },
        Ping,
    ]
}

#[test]
fn every_client_message_variant_round_trips_through_decode_client() {
    let all = one_of_each_client_message();
    let mut names: Vec<&str> = all.iter().map(wire_name).collect();
    names.sort_unstable();
    let mut known = CLIENT_TYPES.to_vec();
    known.sort_unstable();
    assert_eq!(names, known, "CLIENT_TYPES and the ClientMessage variants differ");
    for msg in all {
        assert_eq!(type_of(&msg), wire_name(&msg));
        let text = serde_json::to_string(&msg).expect("serialise");
        assert_eq!(serde_json::from_str::<ClientMessage>(&text).expect("serde_json"), msg);
        assert_eq!(decode_client(&text).expect("decode_client"), (None, msg), "{text}");
    }
}

#[test]
fn every_signal_payload_round_trips_inside_a_signal() {
    let candidate = IceCandidate {
        candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    };
    let payloads = [
        SignalPayload::Offer { sdp: "o".into() },
        SignalPayload::Answer { sdp: "a".into() },
        SignalPayload::Ice { candidate },
        SignalPayload::Bye,
    ];
    for payload in payloads {
        let msg = ClientMessage::Signal { to: id("p"), payload };
        let text = serde_json::to_string(&msg).expect("serialise");
        assert_eq!(decode_client(&text), Ok((None, msg)), "{text}");
    }
    // Browsers name the fields of a candidate in camelCase.
    let candidate = json!({ "candidate": "c", "sdpMLineIndex": 1 });
    let text = json!({ "type": "signal", "to": "p", "payload": { "kind": "ice", "candidate": candidate } });
    assert!(decode_client(&text.to_string()).is_ok());
}

#[test]
fn ref_is_echoed_in_errors() {
    let cases = [
        (r#"{"type":"no_such_type","ref":"a1"}"#, ErrorCode::UnknownMessageType),
        (r#"{"type":"chat","ref":"a1"}"#, ErrorCode::InvalidMessage),
        (r#"{"type":"promote","customer":7,"ref":"a1"}"#, ErrorCode::InvalidMessage),
        (r#"{"ref":"a1"}"#, ErrorCode::InvalidMessage),
        (r#"{"type":42,"ref":"a1"}"#, ErrorCode::InvalidMessage),
    ];
    for (text, code) in cases {
        let e = decode_client(text).expect_err(text);
        assert_eq!((e.code, e.r#ref.as_deref()), (code, Some("a1")), "{text}");
        let sent = serde_json::to_value(ServerMessage::error(e.code, e.r#ref)).expect("serialise");
        assert_eq!(sent["ref"], "a1");
        assert_eq!(sent["code"], code.code());
    }
    // A ref of another kind is not echoed; a long one is cut.
    let e = decode_client(r#"{"type":"nope","ref":5}"#).expect_err("unknown type");
    assert_eq!(e.r#ref, None);
    let long = "x".repeat(500);
    let e = decode_client(&json!({ "type": "nope", "ref": long }).to_string()).expect_err("unknown type");
    assert_eq!(e.r#ref.map(|r| r.len()), Some(64));
    // Nothing to echo when the text is not an object.
    let e = decode_client(r#"["ref","a1"]"#).expect_err("an array");
    assert_eq!((e.code, e.r#ref), (ErrorCode::MalformedMessage, None));
}

#[test]
fn a_ref_does_not_disturb_a_valid_message() {
    let (r#ref, msg) = decode_client(r#"{"type":"ping","ref":"p-1"}"#).expect("ping");
    assert_eq!((r#ref.as_deref(), msg), (Some("p-1"), ClientMessage::Ping));
}

#[test]
fn oversize_text_is_refused_before_parsing() {
    let text = "{".repeat(MAX_MESSAGE_BYTES + 1);
    assert_eq!(decode_client(&text).map_err(|e| e.code), Err(ErrorCode::MessageTooLarge));
}

/// Every rule event, as signaling broadcasts it.
fn one_of_each_event() -> Vec<Event> {
    let (c, r) = (Capability::Camera, RequestId::from("r1"));
    vec![
        Event::Joined { id: id("c1"), role: Role::Customer, observer: false },
        Event::Left { id: id("c1") },
        Event::PresenceChanged { id: id("c1"), online: true },
        Event::HostChanged { from: id("h"), to: id("csr2") },
        Event::PrimaryChanged { from: None, to: Some(id("c1")) },
        Event::PrimaryChanged { from: Some(id("c1")), to: None },
        Event::ConsentRequested { request: r.clone(), by: id("h"), customer: id("c1"), capability: c },
        Event::ConsentGranted { request: r.clone(), customer: id("c1"), capability: c, csr: id("a1"), scope: Default::default() },
        Event::ConsentDenied { request: r, customer: id("c1"), capability: c, csr: id("a1") },
        Event::ConsentRevoked { customer: id("c1"), capability: c },
        Event::ActivityStarted { activity: Activity::Capability(c), customer: Some(id("c1")), by: id("h") },
        Event::ActivityStarted { activity: Activity::CsrVideo, customer: None, by: id("h") },
        Event::ActivityStopped { activity: Activity::CsrVideo, customer: None, reason: StopReason::SessionEnded },
        Event::ActivityStopped { activity: Activity::Capability(c), customer: Some(id("c1")), reason: StopReason::Revoked },
        Event::Ended { by: id("h") },
    ]
}

#[track_caller]
fn assert_server_round_trip(msg: ServerMessage) {
    let text = serde_json::to_string(&msg).expect("serialise");
    assert_eq!(serde_json::from_str::<ServerMessage>(&text).expect("serde_json"), msg, "{text}");
    assert_eq!(decode_server(&text).expect("decode_server"), msg, "{text}");
}

#[test]
fn server_event_messages_round_trip() {
    for event in one_of_each_event() {
        assert_server_round_trip(ServerMessage::Event { at_ms: u64::MAX, event });
    }
    // The event's fields sit next to `type` and `at_ms`, not nested.
    let ended = ServerMessage::Event { at_ms: 5, event: Event::Ended { by: id("h") } };
    let text = serde_json::to_value(ended).expect("json");
    assert_eq!(text, json!({ "type": "event", "at_ms": 5, "event": "ended", "by": "h" }));
}

#[test]
fn server_error_messages_round_trip() {
    for code in [ErrorCode::InvalidMessage, ErrorCode::ConsentRequired, ErrorCode::SessionEnded, ErrorCode::Internal] {
        assert_server_round_trip(ServerMessage::error(code, None));
        assert_server_round_trip(ServerMessage::error(code, Some("r-1".into())));
    }
    let text = serde_json::to_value(ServerMessage::error(ErrorCode::NotHost, Some("q".into()))).expect("json");
    let message = ErrorCode::NotHost.message();
    assert_eq!(text, json!({ "type": "error", "code": "not_host", "message": message, "ref": "q" }));
}

#[test]
fn other_server_messages_round_trip() {
    let mut session = Session::start(id("h"), "Hana".into(), SiteFeatures::default());
    let ask = |capability, request: &str| Input::RequestConsent { by: id("h"), customer: id("c1"), capability, request: request.into() };
    let inputs = [
        Input::Join { id: id("c1"), name: "Carl".into(), role: Role::Customer },
        ask(Capability::ScreenView, "r1"),
        Input::AnswerConsent { by: id("c1"), request: "r1".into(), granted: true, scope: Default::default() },
        ask(Capability::SystemInfo, "r2"),
        Input::Start { by: id("h"), activity: Activity::Capability(Capability::ScreenView), customer: Some(id("c1")) },
        Input::Start { by: id("h"), activity: Activity::BasicFileTransfer, customer: None },
    ];
    for input in inputs {
        session.handle(input).expect("accepted");
    }
    let turn = IceServer { urls: vec!["turn:turn.example:3478".into()], username: Some("u".into()), credential: None };
    let messages = [
        ServerMessage::Welcome {
            protocol_version: protocol::PROTOCOL_VERSION,
            session: "s1".into(),
            you: id("c1"),
            role: Role::Customer,
            ice_servers: vec![turn],
            ice_credential_ttl: 3600,
        },
        ServerMessage::Roster { roster: session.roster(&"s1".into()) },
        ServerMessage::Signal { from: id("h"), payload: SignalPayload::Bye },
        ServerMessage::Chat { from: id("h"), to: vec![], text: "hi".into(), at_ms: 1 },
        ServerMessage::ChatHistory {
            lines: vec![protocol::signal::ChatLine { from: id("c1"), to: vec![id("h")], text: "earlier".into(), at_ms: 1 }],
            more: true,
        },
        ServerMessage::Pong,
    ];
    for msg in messages {
        assert_server_round_trip(msg);
    }
}

#[test]
fn decode_server_tells_malformed_from_invalid() {
    assert_eq!(decode_server("{").map_err(|e| e.code), Err(ErrorCode::MalformedMessage));
    assert_eq!(decode_server("not json").map_err(|e| e.code), Err(ErrorCode::MalformedMessage));
    assert_eq!(decode_server(r#"{"type":"event","at_ms":1}"#).map_err(|e| e.code), Err(ErrorCode::InvalidMessage));
    assert_eq!(decode_server(r#"{"type":"nope"}"#).map_err(|e| e.code), Err(ErrorCode::InvalidMessage));
}

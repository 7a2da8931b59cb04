//! A TCP connection from side a to side b of a real `wan up` takes at least one round trip to
//! set up and per request/answer, and carries a few megabytes intact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Wan;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};
use wan::netns::within;
use wan::rng::XorShift;
use wan::ADDR_B;

const BYTES: usize = 4 << 20;

fn pattern(len: usize) -> Vec<u8> {
    let mut rng = XorShift::new(99);
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// Side b: answers one "ping" with "pong", then reads everything and returns it.
fn serve(listener: TcpListener) -> Vec<u8> {
    let (mut peer, _) = listener.accept().unwrap();
    let mut ping = [0u8; 4];
    peer.read_exact(&mut ping).unwrap();
    assert_eq!(&ping, b"ping");
    peer.write_all(b"pong").unwrap();
    let mut received = Vec::new();
    peer.read_to_end(&mut received).unwrap();
    received
}

#[test]
fn tcp_across_the_link_takes_the_round_trip_and_arrives_intact() {
    let wan = Wan::up(&["--delay-ms", "20", "--loss", "0", "--rate-mbit", "100", "--queue-ms", "50"]);
    let rtt = Duration::from_millis(40);
    let listener = within(&wan.b(), || TcpListener::bind(SocketAddr::from((ADDR_B, 0)))).unwrap();
    let to = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || serve(listener));

    let started = Instant::now();
    let mut stream = within(&wan.a(), move || TcpStream::connect_timeout(&to, Duration::from_secs(10))).unwrap();
    let handshake = started.elapsed();
    stream.set_nodelay(true).unwrap();
    let asked = Instant::now();
    stream.write_all(b"ping").unwrap();
    let mut pong = [0u8; 4];
    stream.read_exact(&mut pong).unwrap();
    let answer = asked.elapsed();
    assert_eq!(&pong, b"pong");

    let data = pattern(BYTES);
    stream.write_all(&data).unwrap();
    drop(stream);
    let received = server.join().unwrap();

    assert!(handshake >= rtt, "connect took {handshake:?}, less than the emulated RTT {rtt:?}");
    assert!(answer >= rtt, "ping/pong took {answer:?}, less than the emulated RTT {rtt:?}");
    assert_eq!(received.len(), BYTES);
    assert!(received == data, "the bytes that crossed the link differ from those sent");
}

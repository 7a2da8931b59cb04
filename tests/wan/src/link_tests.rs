//! The link's rules on a made-up clock: delay, loss, rate, queue bound and order.

use super::*;

const MS: Duration = Duration::from_millis(1);

fn config(delay_ms: u64, loss: f64, rate_bps: Option<u64>, queue_ms: u64) -> LinkConfig {
    LinkConfig { delay: MS * delay_ms as u32, loss, rate_bps, queue: MS * queue_ms as u32, seed: 1 }
}

fn packet(seq: u32, len: usize) -> Vec<u8> {
    let mut p = vec![0u8; len];
    p[..4].copy_from_slice(&seq.to_be_bytes());
    p
}

fn seq(p: &[u8]) -> u32 {
    u32::from_be_bytes(p[..4].try_into().unwrap())
}

/// Polls the link at each due time up to `end`, returning (delivery time since t0, packet).
fn drain(link: &mut Link<Vec<u8>>, t0: Instant, end: Duration) -> Vec<(Duration, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(due) = link.next_due() {
        if due - t0 > end {
            break;
        }
        out.extend(std::iter::from_fn(|| link.poll(due)).map(|p| (due - t0, p)));
    }
    out
}

#[test]
fn a_packet_arrives_exactly_one_delay_later_without_a_rate_limit() {
    let t0 = Instant::now();
    let mut link = Link::new(config(20, 0.0, None, 50));
    assert_eq!(link.offer(t0, packet(1, 100)), Admission::Queued);
    assert_eq!(link.next_due(), Some(t0 + 20 * MS));
    assert!(link.poll(t0 + 20 * MS - Duration::from_nanos(1)).is_none());
    assert_eq!(link.poll(t0 + 20 * MS).map(|p| seq(&p)), Some(1));
    assert!(link.poll(t0 + 30 * MS).is_none());
}

#[test]
fn serialisation_time_is_added_to_the_delay() {
    let t0 = Instant::now();
    // 1000 bytes at 8 Mbit/s take 1 ms on the wire.
    let mut link = Link::new(config(20, 0.0, Some(8_000_000), 50));
    link.offer(t0, packet(1, 1000));
    assert_eq!(link.next_due(), Some(t0 + 21 * MS));
}

#[test]
fn back_to_back_packets_leave_at_the_link_rate() {
    let t0 = Instant::now();
    // 1250-byte packets at 10 Mbit/s: one per millisecond.
    let mut link = Link::new(config(20, 0.0, Some(10_000_000), 1000));
    for i in 0..100 {
        assert_eq!(link.offer(t0, packet(i, 1250)), Admission::Queued);
    }
    let out = drain(&mut link, t0, Duration::from_secs(1));
    assert_eq!(out.len(), 100);
    for (i, (at, p)) in out.iter().enumerate() {
        assert_eq!(seq(p), i as u32);
        assert_eq!(*at, (21 + i as u32) * MS);
    }
}

#[test]
fn an_idle_link_does_not_bank_capacity_for_later_bursts() {
    let t0 = Instant::now();
    let mut link = Link::new(config(0, 0.0, Some(10_000_000), 1000));
    link.offer(t0, packet(1, 1250));
    // Arriving long after the first left, the second waits only its own serialisation.
    link.offer(t0 + 100 * MS, packet(2, 1250));
    link.offer(t0 + 100 * MS, packet(3, 1250));
    let times: Vec<_> = drain(&mut link, t0, Duration::from_secs(1)).into_iter().map(|(at, _)| at).collect();
    assert_eq!(times, vec![MS, 101 * MS, 102 * MS]);
}

#[test]
fn the_queue_holds_at_most_queue_ms_worth_of_bytes_and_drops_the_tail() {
    let t0 = Instant::now();
    // 10 ms at 10 Mbit/s = 12 500 bytes = ten 1250-byte packets (the one on the wire included).
    let mut link = Link::new(config(5, 0.0, Some(10_000_000), 10));
    assert_eq!(link.config().queue_bytes(), Some(12_500));
    let verdicts: Vec<_> = (0..20).map(|i| link.offer(t0, packet(i, 1250))).collect();
    assert!(verdicts[..10].iter().all(|v| *v == Admission::Queued));
    assert!(verdicts[10..].iter().all(|v| *v == Admission::QueueFull));
    assert_eq!(link.stats().queue_full, 10);
    // Once one packet has left, there is room for exactly one more.
    assert_eq!(link.offer(t0 + MS, packet(20, 1250)), Admission::Queued);
    assert_eq!(link.offer(t0 + MS, packet(21, 1250)), Admission::QueueFull);
    let delivered: Vec<_> = drain(&mut link, t0, Duration::from_secs(1)).iter().map(|(_, p)| seq(p)).collect();
    assert_eq!(delivered, (0..10).chain([20]).collect::<Vec<_>>());
}

#[test]
fn a_packet_larger_than_the_queue_still_passes_an_idle_link() {
    let t0 = Instant::now();
    let mut link = Link::new(config(0, 0.0, Some(1_000_000), 1));
    assert_eq!(link.offer(t0, packet(1, 1500)), Admission::Queued);
}

#[test]
fn loss_rate_matches_the_configured_probability() {
    let t0 = Instant::now();
    let mut link = Link::new(config(0, 0.005, None, 50));
    let n = 400_000;
    let lost = (0..n).filter(|i| link.offer(t0, packet(*i, 20)) == Admission::Lost).count();
    let rate = lost as f64 / n as f64;
    assert!((rate - 0.005).abs() < 0.0005, "loss rate {rate}");
    assert_eq!(link.stats().lost, lost as u64);
    assert_eq!(link.in_flight(), n as usize - lost);
}

#[test]
fn the_same_seed_loses_the_same_packets() {
    let t0 = Instant::now();
    let run = || {
        let mut link = Link::new(config(0, 0.1, None, 50));
        (0..1000).filter(|i| link.offer(t0, packet(*i, 20)) == Admission::Lost).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn no_loss_never_drops_and_full_loss_always_drops() {
    let t0 = Instant::now();
    let mut clean = Link::new(config(0, 0.0, None, 50));
    assert!((0..10_000).all(|i| clean.offer(t0, packet(i, 20)) == Admission::Queued));
    let mut dead = Link::new(config(0, 1.0, None, 50));
    assert!((0..10_000).all(|i| dead.offer(t0, packet(i, 20)) == Admission::Lost));
}

#[test]
fn packets_of_mixed_sizes_and_arrival_times_keep_their_order() {
    let t0 = Instant::now();
    let mut link = Link::new(config(20, 0.01, Some(200_000_000), 50));
    let mut rng = XorShift::new(3);
    let mut now = t0;
    let mut accepted = Vec::new();
    for i in 0..20_000 {
        now += Duration::from_nanos(rng.next_u64() % 80_000);
        let len = 40 + (rng.next_u64() % 1461) as usize;
        if link.offer(now, packet(i, len)) == Admission::Queued {
            accepted.push(i);
        }
    }
    let out = drain(&mut link, t0, Duration::from_secs(60));
    let delivered: Vec<_> = out.iter().map(|(_, p)| seq(p)).collect();
    assert_eq!(delivered, accepted);
    assert!(out.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(link.stats().delivered, accepted.len() as u64);
}

#[test]
fn sustained_overload_is_cut_to_the_link_rate() {
    let t0 = Instant::now();
    // Offer 400 Mbit/s for one second into a 200 Mbit/s link.
    let mut link = Link::new(config(20, 0.0, Some(200_000_000), 50));
    let gap = Duration::from_nanos(30_000); // 1500 B every 30 µs = 400 Mbit/s
    for i in 0..33_333u32 {
        link.offer(t0 + gap * i, packet(i, 1500));
    }
    let out = drain(&mut link, t0, Duration::from_secs(10));
    let last = out.last().unwrap().0 - 20 * MS;
    let mbit = out.len() as f64 * 1500.0 * 8.0 / last.as_secs_f64() / 1e6;
    assert!((mbit - 200.0).abs() < 1.0, "{mbit} Mbit/s");
    // Nothing waited longer than the queue bound plus its own serialisation.
    assert!(last <= Duration::from_secs(1) + 50 * MS + Duration::from_micros(60));
}

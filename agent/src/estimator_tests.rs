use super::*;
use rtc::interceptor::BandwidthEstimator;

const START: f64 = 2_500_000.0;

/// A sender of pictures (one burst every 33 ms at the estimate, or less when it has less to
/// say), a drop-tail bottleneck with a propagation delay, and a receiver that reports every
/// 50 ms on its own clock (offset by a thousand seconds).
struct Path {
    capacity_bps: f64,
    queue_limit_bytes: f64,
    loss_every: Option<u64>,
    /// Most the sender has to send, bit/s.
    demand_bps: f64,
    /// From this second on, every packet takes this much longer (a route change, a relay).
    delay_step: Option<(f64, f64)>,
}

struct Run {
    estimates: Vec<(f64, f64)>,
    /// Queueing delay of each packet, with its send time in seconds.
    queue_delays: Vec<(f64, f64)>,
}

fn simulate(path: &Path, seconds: f64) -> Run {
    let t0 = Instant::now();
    let at = |s: f64| t0 + Duration::from_secs_f64(s);
    let mut est = QueueDelayEstimator::new(START, 100_000.0, 50_000_000.0);
    let (mut link_free_s, mut queued_bytes_until) = (0.0f64, Vec::<(f64, f64)>::new());
    let mut pending: Vec<(PacketReport, f64)> = Vec::new();
    let (mut run, mut id) = (Run { estimates: vec![], queue_delays: vec![] }, 0u64);
    let (frame_s, report_s, prop_s) = (1.0 / 30.0, 0.05, 0.02);
    let (mut next_frame, mut next_report, mut now_s) = (0.0, report_s, 0.0);
    while now_s < seconds {
        if next_frame <= next_report {
            now_s = next_frame;
            next_frame += frame_s;
            let bits = est.target_bitrate().min(path.demand_bps) * frame_s;
            let packets = (bits / 8.0 / 1200.0).ceil() as u64;
            for _ in 0..packets {
                id += 1;
                queued_bytes_until.retain(|(_, done)| *done > now_s);
                let in_queue: f64 = queued_bytes_until.iter().map(|(b, _)| b).sum();
                let dropped = in_queue + 1200.0 > path.queue_limit_bytes || path.loss_every.is_some_and(|n| id % n == 0);
                let report = |arrival: Option<Duration>| PacketReport {
                    ssrc: 1,
                    id,
                    rtp_sequence_number: id as u16,
                    is_twcc: true,
                    twcc_sequence_number: id as u16,
                    size: 1200,
                    arrived: arrival.is_some(),
                    departure: at(now_s),
                    arrival,
                    ecn: Default::default(),
                };
                if dropped {
                    pending.push((report(None), now_s + prop_s));
                    continue;
                }
                let start = link_free_s.max(now_s);
                link_free_s = start + 1200.0 * 8.0 / path.capacity_bps;
                queued_bytes_until.push((1200.0, link_free_s));
                run.queue_delays.push((now_s, start - now_s));
                let step = path.delay_step.filter(|(from, _)| now_s >= *from).map_or(0.0, |(_, extra)| extra);
                let arrival_s = link_free_s + prop_s + step;
                pending.push((report(Some(Duration::from_secs_f64(1000.0 + arrival_s))), arrival_s));
            }
        } else {
            now_s = next_report;
            next_report += report_s;
            let (due, later): (Vec<_>, Vec<_>) = pending.drain(..).partition(|(_, a)| *a <= now_s);
            pending = later;
            let reports: Vec<PacketReport> = due.into_iter().map(|(r, _)| r).collect();
            // The report travels back one propagation delay.
            est.on_reports(at(now_s + prop_s), &reports);
            run.estimates.push((now_s, est.target_bitrate()));
        }
    }
    run
}

fn last_estimate(run: &Run) -> f64 {
    run.estimates.last().unwrap().1
}

fn worst_queue_after(run: &Run, from_s: f64) -> f64 {
    run.queue_delays.iter().filter(|(t, _)| *t >= from_s).map(|(_, q)| *q).fold(0.0, f64::max)
}

#[test]
fn on_a_slow_link_the_estimate_settles_near_the_bottleneck_and_the_queue_stays_short() {
    settles(2_000_000.0);
}

#[test]
fn a_bottleneck_above_the_start_is_found_and_the_queue_stays_short() {
    settles(8_000_000.0);
}

/// A bottleneck of `capacity_bps` with a one-second queue, a share that could send far more.
fn settles(capacity_bps: f64) {
    let path = Path { capacity_bps, queue_limit_bytes: capacity_bps / 8.0, loss_every: None, demand_bps: 20_000_000.0, delay_step: None };
    let run = simulate(&path, 30.0);
    let tail: Vec<f64> = run.estimates.iter().filter(|(t, _)| *t >= 10.0).map(|(_, e)| *e).collect();
    let (lo, hi) = tail.iter().fold((f64::MAX, 0.0f64), |(l, h), e| (l.min(*e), h.max(*e)));
    assert!(lo > 0.6 * path.capacity_bps && hi < 1.25 * path.capacity_bps, "estimate between {lo:.0} and {hi:.0} bit/s");
    let worst = worst_queue_after(&run, 10.0);
    eprintln!("settled between {lo:.0} and {hi:.0} bit/s, worst queue {worst:.3} s");
    assert!(worst < 0.25, "the queue stays short once settled: worst {worst:.3} s (a full one is 1 s)");
}

#[test]
fn on_a_fast_path_a_busy_share_is_not_held_back() {
    let path = Path { capacity_bps: 100_000_000.0, queue_limit_bytes: 1e9, loss_every: None, demand_bps: 10_000_000.0, delay_step: None };
    let run = simulate(&path, 15.0);
    let reached = run.estimates.iter().find(|(_, e)| *e >= 10_000_000.0).map(|(t, _)| *t);
    assert!(reached.is_some_and(|t| t < 3.0), "climbed to what the share needs within 3 s: {reached:?}");
    assert!(last_estimate(&run) >= 10_000_000.0, "and stays there: {:.0}", last_estimate(&run));
}

#[test]
fn a_quiet_share_does_not_climb_far_past_what_it_sends() {
    let path = Path { capacity_bps: 100_000_000.0, queue_limit_bytes: 1e9, loss_every: None, demand_bps: 200_000.0, delay_step: None };
    let run = simulate(&path, 20.0);
    assert!(last_estimate(&run) <= START, "no higher than the start while sending little: {:.0}", last_estimate(&run));
}

#[test]
fn steady_loss_lowers_the_estimate() {
    let path =
        Path { capacity_bps: 100_000_000.0, queue_limit_bytes: 1e9, loss_every: Some(5), demand_bps: 10_000_000.0, delay_step: None };
    let run = simulate(&path, 5.0);
    assert!(last_estimate(&run) < START / 2.0, "a fifth of the packets lost: {:.0}", last_estimate(&run));
}

#[test]
fn the_empty_path_delay_is_learnt_whatever_the_clock_offset() {
    let path = Path { capacity_bps: 100_000_000.0, queue_limit_bytes: 1e9, loss_every: None, demand_bps: 1_000_000.0, delay_step: None };
    let run = simulate(&path, 3.0);
    // No queue on a fast path: the estimate never backed off.
    assert!(run.estimates.iter().all(|(_, e)| *e >= START), "backed off on an empty path");
}

#[test]
fn a_quiet_share_keeps_its_estimate_when_the_path_gets_slower() {
    // A still screen's trickle; at 3 s every packet takes 100 ms longer (a relay, a new route).
    let path =
        Path { capacity_bps: 100_000_000.0, queue_limit_bytes: 1e9, loss_every: None, demand_bps: 100_000.0, delay_step: Some((3.0, 0.1)) };
    let run = simulate(&path, 10.0);
    assert!(run.estimates.iter().all(|(_, e)| *e >= START * 0.99), "backed off to what a still screen sends: {:.0}", last_estimate(&run));
}

#[test]
fn a_busy_share_keeps_its_estimate_when_the_path_gets_slower() {
    // At 3 s every packet takes 100 ms longer; the share sends near its estimate throughout.
    let path = Path {
        capacity_bps: 100_000_000.0,
        queue_limit_bytes: 1e9,
        loss_every: None,
        demand_bps: 20_000_000.0,
        delay_step: Some((3.0, 0.1)),
    };
    let run = simulate(&path, 15.0);
    let at_step = run.estimates.iter().find(|(t, _)| *t >= 3.0).unwrap().1;
    let least_after = run.estimates.iter().filter(|(t, _)| *t >= 3.0).map(|(_, e)| *e).fold(f64::MAX, f64::min);
    // The jump itself looks like a queue forming: one back-off, not a spiral.
    assert!(least_after > 0.7 * at_step, "a constant extra delay is not a queue to drain: {at_step:.0} → {least_after:.0}");
    assert!(last_estimate(&run) > at_step, "and the estimate climbs again: {:.0}", last_estimate(&run));
}

//! One figure of the benchmark suite, as the suite runner (tests/bench.sh) collects it: a line
//! `BENCH {json}` on stdout. Every benchmark prints its figures through [`Figure`], so they
//! share one format.

/// A figure beside its same-run baseline (name, value), with its target (text) and verdict.
pub struct Figure<'a> {
    pub group: &'a str,
    pub name: &'a str,
    pub value: f64,
    pub unit: &'a str,
    pub baseline: Option<(&'a str, f64)>,
    pub target: Option<(&'a str, bool)>,
}

impl Figure<'_> {
    /// Prints the `BENCH` line; the ratio is value ÷ baseline.
    pub fn print(&self) {
        let text = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let num = |v: f64| if v.is_finite() { format!("{v:.3}") } else { "null".into() };
        let (b, bv, ratio) = match self.baseline {
            Some((n, v)) => (text(n), num(v), num(self.value / v)),
            None => ("null".into(), "null".into(), "null".into()),
        };
        let (target, met) = match self.target {
            Some((t, m)) => (text(t), m.to_string()),
            None => ("null".into(), "null".into()),
        };
        println!(
            "BENCH {{\"group\":{},\"name\":{},\"value\":{},\"unit\":{},\"baseline\":{b},\"baseline_value\":{bv},\"ratio\":{ratio},\"target\":{target},\"met\":{met}}}",
            text(self.group),
            text(self.name),
            num(self.value),
            text(self.unit)
        );
    }
}

/// Whether the suite asked for a quick smoke run (`BENCH_MODE=quick`).
#[allow(dead_code)]
pub fn quick() -> bool {
    std::env::var("BENCH_MODE").is_ok_and(|m| m == "quick")
}

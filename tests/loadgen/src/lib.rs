//! Shared by the load generator, the baseline relay and the `signaling_scale` bench: process
//! figures from /proc, the open-files limit, and the report the load generator prints.

pub mod report;
pub mod sys;

pub use report::{percentile, Report, REPORT_PREFIX};

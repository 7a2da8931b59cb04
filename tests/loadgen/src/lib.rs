//! Shared by the load generator, the baseline relay and the `signaling_scale` bench: process
//! figures from /proc, the open-files limit, and the report the load generator prints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod report;
pub mod sys;

pub use report::{percentile, Report, REPORT_PREFIX};

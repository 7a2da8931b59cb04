//! Issue 19, finding 8: the picture fits its panel; a pushed file is listed at once; no tooltip
//! cites a rule id; "Make primary" is disabled for an offline customer; leaving on purpose
//! shows no error; the console says when someone leaves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_small_things_a_csr_notices_are_right() {
    e2e::run_scenario("small_things", e2e::Needs { xvfb: true, ..Default::default() });
}

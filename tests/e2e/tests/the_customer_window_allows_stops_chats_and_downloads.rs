//! The customer's window (issue 13): `agent` with no arguments on Xvfb, driven through AT-SPI
//! and by its text on screen, against the console in Chromium (scenarios/window.mjs). Needs
//! Debian's xvfb, dbus, at-spi2-core, python3-pyatspi, tesseract-ocr, imagemagick, xdotool.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_customer_allows_in_the_window_and_stops_from_the_bar() {
    e2e::run_scenario("window", e2e::Needs { xvfb: true, ..Default::default() });
}

//! The whole path of a customer (issue 13): the CSR invites in Chromium; the customer opens the
//! link, downloads the agent and opens it with no arguments on Xvfb; its window joins by itself;
//! Allow, the always-on-top bar's Stop, the CSR's camera, chat and a file offer go through the
//! window, driven over AT-SPI and by its text on screen (scenarios/window.mjs). Needs Debian's
//! xvfb, dbus, at-spi2-core, python3-pyatspi, tesseract-ocr, imagemagick, xdotool.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_downloaded_agent_joins_by_itself_and_the_customer_is_helped_in_its_window() {
    e2e::run_scenario("window", e2e::Needs { xvfb: true, ..Default::default() });
}

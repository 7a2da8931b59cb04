//! When the customer's X server goes away (log out, crash), injecting reports it instead of
//! pretending the input arrived, and opening an injector on a missing display says what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use media::input::{open_injector, Action, InputError};

#[test]
fn injecting_after_the_x_server_ended_reports_a_lost_connection() {
    let x = test_support::Xvfb::start(320, 240);
    let mut injector = open_injector(Some(&x.display)).expect("XTEST injector");
    injector.inject(&Action::MoveTo { x: 10, y: 10 }).expect("inject while the server runs");
    drop(x);
    let err = injector.inject(&Action::MoveTo { x: 20, y: 20 }).expect_err("no server any more");
    assert!(matches!(err, InputError::ConnectionLost(_)), "{err:?}");
    assert_eq!(err.code(), "input_connection_lost");
}

#[test]
fn opening_an_injector_on_a_missing_display_names_the_display() {
    let Err(err) = open_injector(Some(":4093")) else { panic!("no X server listens on :4093") };
    assert_eq!(err.code(), "input_display_unreachable");
    assert!(err.to_string().contains(":4093"), "{err}");
}

//! `signaling`: the service (default) and its admin commands. Everything lives in the
//! library; this only parses the command line.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    signaling::run(signaling::Cli::parse())
}

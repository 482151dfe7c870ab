//! `-v` / `-vv`: what the command does, logged on stderr with `tracing`.
//!
//! Only steps and names are logged (labels, locations, CA names, counts), never a passphrase,
//! secret or key: the library's `tracing` events are written the same way.

use tracing_subscriber::filter::LevelFilter;

/// Send `tracing` events at the level `-v` counts asked for to stderr.
pub fn init(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(verbose > 1)
        .without_time()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

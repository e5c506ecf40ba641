//! Ctrl-C (SIGINT) and SIGTERM, which a cluster scheduler sends before it kills a job: the
//! first asks the run to stop at the next step boundary and keep what completed; a second
//! ends the process at once.
//!
//! A program that embeds nqpsim and handles signals itself (the Python package, where Ctrl-C
//! raises `KeyboardInterrupt`) hands in its own flag with [`use_flag`] before any command
//! runs: the commands then stop when it raises that flag, and no handler is installed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use super::EXIT_INTERRUPTED;

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Makes `flag` the one every command watches, without installing a signal handler; `false`
/// if a flag was already in use (then that one stays).
pub fn use_flag(flag: Arc<AtomicBool>) -> bool {
    FLAG.set(flag).is_ok()
}

/// The flag raised by the first Ctrl-C or SIGTERM (the handler is installed on first use,
/// unless [`use_flag`] handed in a flag).
pub fn flag() -> Arc<AtomicBool> {
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let raised = Arc::clone(&flag);
        let installed = ctrlc::set_handler(move || {
            if raised.swap(true, Ordering::SeqCst) {
                eprintln!("\ninterrupted again: stopping now, without writing");
                std::process::exit(EXIT_INTERRUPTED);
            }
            eprintln!("\ninterrupted: stopping at the next step boundary and keeping the completed replicates (again to stop at once)");
        });
        if let Err(e) = installed {
            eprintln!("warning: cannot handle Ctrl-C and SIGTERM ({e}); an interrupted run keeps nothing");
        }
        flag
    })
    .clone()
}

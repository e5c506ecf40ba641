//! Ctrl-C (SIGINT) and SIGTERM, which a cluster scheduler sends before it kills a job: the
//! first asks the run to stop at the next step boundary and keep what completed; a second
//! ends the process at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use super::EXIT_INTERRUPTED;

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The flag raised by the first Ctrl-C or SIGTERM (the handler is installed on first use).
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

//! The one place a thread pool is built: every command that simulates runs its work on a pool
//! of `--threads` workers (one per core by default), not on rayon's global pool.

use crate::error::Error;

/// Stack of each worker: 16 MiB (of address space; pages are used as the stack grows). An
/// optimised build needs a few KiB per pass, but an unoptimised one (`cargo test`, `cargo run`
/// without `--release`) keeps every temporary of the inlined lane code of a pass in its frame:
/// 0.8 MiB for the firm phase in tiles of 16 firms, and a worker that waits for other jobs
/// runs them on its own stack: the debug tests overflowed rayon's default of 2 MiB.
const WORKER_STACK_BYTES: usize = 16 << 20;

/// A pool of `threads` workers, or one per core when `None`.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_BYTES);
    if let Some(threads) = threads {
        builder = builder.num_threads(threads);
    }
    builder.build().map_err(|e| Error::ThreadPool {
        threads: threads.unwrap_or(0),
        message: e.to_string(),
    })
}

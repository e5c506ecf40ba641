//! The one place a thread pool is built: every command that simulates runs its work on a pool
//! of `--threads` workers (one per core by default), not on rayon's global pool.

use crate::error::Error;

/// A pool of `threads` workers, or one per core when `None`.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = threads {
        builder = builder.num_threads(threads);
    }
    builder.build().map_err(|e| Error::ThreadPool {
        threads: threads.unwrap_or(0),
        message: e.to_string(),
    })
}

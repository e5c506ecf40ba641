//! Running many independent tasks (replicates, sweep runs) on a thread pool and handing their
//! results on in task order, with a bounded number in flight.
//!
//! Tasks run in parallel with each other and, through nested parallelism, inside themselves,
//! so that many small runs and a few large ones both keep every core busy. Results arrive in
//! any order; a reorder buffer hands them on in task order, so output written from them is
//! the same bytes whatever the thread count. Memory stays bounded by the tasks in flight.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use crate::error::Error;

/// What a task watches at each step boundary: the user's cancel flag (Ctrl-C) and the
/// schedule's own stop (another task failed, or the user cancelled).
pub struct StopWatch<'a> {
    user: Option<&'a AtomicBool>,
    stop: &'a AtomicBool,
}

impl StopWatch<'_> {
    /// Whether the task should stop.
    pub fn raised(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.user.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// A task: `run(i, watch)` gives the result of task `i`, `None` if it stopped early.
pub type Task<'a, T> = dyn Fn(usize, &StopWatch) -> Result<Option<T>, Error> + Sync + 'a;

/// How a schedule ended.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Tasks whose results were handed on, in order.
    pub completed: Vec<usize>,
    /// Whether some task did not complete because of a cancel.
    pub interrupted: bool,
}

/// Runs tasks `0..tasks` on `pool`, at most `in_flight` at a time, starting them in order;
/// `run(i, watch)` returns the result of task `i` (`None` if it stopped because the watch was
/// raised). `consume(i, result)` receives the results in task order. A failure of `run` or
/// `consume` stops the schedule (tasks in flight stop at their next check) and is returned;
/// a raised `cancel` stops starting tasks, and the results of those that completed before the
/// first that stopped early are still handed on (tasks 0..k: no gaps).
pub fn run_in_order<T: Send>(
    pool: &rayon::ThreadPool,
    tasks: usize,
    in_flight: usize,
    cancel: Option<&AtomicBool>,
    run: &Task<T>,
    consume: &mut dyn FnMut(usize, T) -> Result<(), Error>,
) -> Result<Outcome, Error> {
    let cancelled = || cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    let stop = AtomicBool::new(false);
    let mut outcome = Outcome::default();
    let mut failure: Option<Error> = None;
    pool.in_place_scope(|scope| {
        let (sender, receiver) = mpsc::channel::<(usize, Result<Option<T>, Error>)>();
        let stop = &stop;
        let start = |i: usize| {
            let sender = sender.clone();
            scope.spawn(move |_| {
                let watch = StopWatch { user: cancel, stop };
                let _ = sender.send((i, run(i, &watch)));
            });
        };
        let (mut next, mut running) = (0usize, 0usize);
        while next < tasks && running < in_flight.max(1) {
            start(next);
            next += 1;
            running += 1;
        }
        let mut pending: BTreeMap<usize, Result<Option<T>, Error>> = BTreeMap::new();
        let mut to_hand = 0usize;
        // once a task stopped early, later ones are not handed on: what was handed on is
        // always tasks 0..k, without gaps (a resumed sweep, or a later run, takes it from k)
        let mut gap = false;
        while running > 0 {
            let (i, result) = receiver.recv().expect("a task reports");
            running -= 1;
            pending.insert(i, result);
            while let Some(result) = pending.remove(&to_hand) {
                match result {
                    Ok(Some(_)) if gap => {}
                    Ok(Some(value)) if failure.is_none() => match consume(to_hand, value) {
                        Ok(()) => outcome.completed.push(to_hand),
                        Err(e) => failure = Some(e),
                    },
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        outcome.interrupted = true;
                        gap = true;
                    }
                    Err(e) => {
                        failure.get_or_insert(e);
                    }
                }
                if failure.is_some() || cancelled() {
                    stop.store(true, Ordering::Relaxed);
                }
                to_hand += 1;
            }
            if next < tasks && !stop.load(Ordering::Relaxed) && !cancelled() {
                start(next);
                next += 1;
                running += 1;
            }
        }
        if next < tasks {
            outcome.interrupted = true;
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(outcome),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_handed_on_in_task_order_whatever_the_finishing_order() {
        let pool = crate::sim::thread_pool(Some(3)).unwrap();
        let mut seen = Vec::new();
        let run = |i: usize, _: &StopWatch| {
            // later tasks finish first
            std::thread::sleep(std::time::Duration::from_millis((20 - i as u64) * 2));
            Ok(Some(i * 10))
        };
        let outcome = run_in_order(&pool, 20, 6, None, &run, &mut |i, v| {
            seen.push((i, v));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..20).map(|i| (i, i * 10)).collect::<Vec<_>>());
        assert_eq!(outcome.completed, (0..20).collect::<Vec<_>>());
        assert!(!outcome.interrupted);
    }

    #[test]
    fn a_failure_stops_the_schedule_and_is_returned() {
        let pool = crate::sim::thread_pool(Some(2)).unwrap();
        let run = |i: usize, _: &StopWatch| {
            if i == 3 {
                Err(Error::BadArgument {
                    flag: "task 3".into(),
                    message: "failed".into(),
                })
            } else {
                Ok(Some(i))
            }
        };
        let mut seen = Vec::new();
        let e = run_in_order(&pool, 100, 4, None, &run, &mut |i, _| {
            seen.push(i);
            Ok(())
        })
        .unwrap_err();
        assert!(e.to_string().contains("task 3"));
        assert_eq!(
            seen,
            vec![0, 1, 2],
            "nothing after the failure is handed on"
        );
    }

    #[test]
    fn a_cancel_keeps_what_completed() {
        let pool = crate::sim::thread_pool(Some(2)).unwrap();
        let cancel = AtomicBool::new(false);
        let run = |i: usize, watch: &StopWatch| {
            if i == 5 {
                cancel.store(true, Ordering::Relaxed);
            }
            if watch.raised() && i > 5 {
                Ok(None)
            } else {
                Ok(Some(i))
            }
        };
        let mut seen = Vec::new();
        let outcome = run_in_order(&pool, 1000, 2, Some(&cancel), &run, &mut |i, _| {
            seen.push(i);
            Ok(())
        })
        .unwrap();
        assert!(outcome.interrupted);
        assert!(seen.len() < 1000 && seen.starts_with(&[0, 1, 2, 3, 4, 5]));
    }

    #[test]
    fn a_cancel_hands_on_only_the_tasks_before_the_first_that_stopped() {
        // task 2 stops early; 3 and 4 complete (they were past their last check): the
        // results handed on are 0 and 1, not 0, 1, 3, 4
        let pool = crate::sim::thread_pool(Some(2)).unwrap();
        let cancel = AtomicBool::new(false);
        let run = |i: usize, _: &StopWatch| {
            if i == 2 {
                cancel.store(true, Ordering::Relaxed);
                Ok(None)
            } else {
                Ok(Some(i))
            }
        };
        let mut seen = Vec::new();
        let outcome = run_in_order(&pool, 5, 5, Some(&cancel), &run, &mut |i, _| {
            seen.push(i);
            Ok(())
        })
        .unwrap();
        assert!(outcome.interrupted);
        assert_eq!(seen, [0, 1]);
        assert_eq!(outcome.completed, [0, 1]);
    }
}

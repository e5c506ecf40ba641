//! The progress bar on stderr: steps and replicates done, firm-steps/s, ETA.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::Scenario;
use crate::sim::Observer;

/// Shows progress with indicatif; hidden when asked or when stderr is not a terminal.
pub struct ProgressBarObserver {
    bar: ProgressBar,
    firm_steps: AtomicU64,
    steps: u64,
    started: Instant,
}

impl ProgressBarObserver {
    /// A bar for the steps of every replicate of `scenario`.
    pub fn new(scenario: &Scenario, show: bool) -> Self {
        let total = u64::from(scenario.run.steps) * u64::from(scenario.run.replicates);
        let bar = if show {
            ProgressBar::new(total)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} steps ({msg}) ETA {eta}",
            )
            .expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        ProgressBarObserver {
            bar,
            firm_steps: AtomicU64::new(0),
            steps: u64::from(scenario.run.steps),
            started: Instant::now(),
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for ProgressBarObserver {
    fn step_done(&self, _replicate: u32, _step: u32, firm_steps: u64) {
        let total = self.firm_steps.fetch_add(firm_steps, Ordering::Relaxed) + firm_steps;
        self.bar.inc(1);
        let rate = total as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        let replicates_done = self.bar.position() / self.steps.max(1);
        self.bar.set_message(format!(
            "{replicates_done} replicates done, {:.1} M firm-steps/s",
            rate / 1e6
        ));
    }
}

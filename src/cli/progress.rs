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
    replicates: u32,
    started: Instant,
}

/// The template of both bars: what is done, then the message (counts, speed, our own ETA:
/// indicatif's reads "0s" before anything is done); short enough for 80 columns.
pub const TEMPLATE: &str = "{spinner} {bar:20} {pos}/{len} {msg}";

/// Time left at the pace so far, `-` before anything is done.
pub fn eta(started: Instant, done: u64, total: u64) -> String {
    if done == 0 {
        return "-".into();
    }
    let secs = started.elapsed().as_secs_f64() / done as f64 * total.saturating_sub(done) as f64;
    let secs = secs.round() as u64;
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
    }
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
        bar.set_style(ProgressStyle::with_template(TEMPLATE).expect("valid template"));
        let observer = ProgressBarObserver {
            bar,
            firm_steps: AtomicU64::new(0),
            steps: u64::from(scenario.run.steps),
            replicates: scenario.run.replicates,
            started: Instant::now(),
        };
        observer.bar.set_message(observer.message(0, 0));
        observer.bar.enable_steady_tick(Duration::from_millis(200));
        observer
    }

    /// The text after the counts: steps, replicates done of all, speed, time left.
    fn message(&self, done: u64, firm_steps: u64) -> String {
        let rate = firm_steps as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        format!(
            "steps, {}/{} replicates, {:.1} M firm-steps/s, ETA {}",
            done / self.steps.max(1),
            self.replicates,
            rate / 1e6,
            eta(self.started, done, self.bar.length().unwrap_or(0))
        )
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
        self.bar
            .set_message(self.message(self.bar.position(), total));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_frame_names_the_replicates_and_no_eta() {
        let scenario = Scenario::baseline().with_replicates(20);
        let observer = ProgressBarObserver::new(&scenario, false);
        let text = observer.message(0, 0);
        assert_eq!(text, "steps, 0/20 replicates, 0.0 M firm-steps/s, ETA -");
        assert_eq!(eta(Instant::now(), 0, 10), "-");
    }
}

//! The search for the parameters that minimise the loss: Nelder-Mead (the `argmin` crate) on
//! the unit cube of the parameters' ranges, from several starting points, with a cache of
//! every evaluation.
//!
//! Every evaluation is recorded, in a deterministic order, with its index and the phase of the
//! search that asked for it; an evaluation asked for twice is run once. Nelder-Mead is
//! deterministic, so a search replayed against the records of an interrupted one (`--resume`)
//! asks for the same points in the same order, finds them recorded, and goes on from where
//! the other stopped: the results are those of an uninterrupted search. The vertices of a
//! starting simplex, and the points of the Jacobian, are evaluated in parallel.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::neldermead::NelderMead;
use rayon::prelude::*;

use super::evaluate::{self, Evaluation};
use super::plan::Plan;

/// Hears about the search's progress.
pub trait Progress: Sync {
    /// `done` evaluations of at most `budget`; the best loss so far.
    fn evaluated(&self, done: usize, budget: usize, best: f64);
}

/// A progress that says nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn evaluated(&self, _: usize, _: usize, _: f64) {}
}

/// One recorded evaluation.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// Its position among the evaluations (0: the starting point).
    pub index: usize,
    /// The phase of the search that asked for it (`start`, `search 1`, ..., `polish`,
    /// `jacobian`).
    pub phase: String,
    /// What it found.
    pub evaluation: Evaluation,
    /// Its loss.
    pub loss: f64,
}

/// Side length of a starting simplex, as a share of the unit cube.
const SIMPLEX: f64 = 0.15;
/// Side length of the simplex of the last run, which polishes the best point.
const POLISH_SIMPLEX: f64 = 0.05;
/// A run stops when the spread of the losses at its simplex's vertices falls below this.
const LOSS_TOLERANCE: f64 = 1e-4;
/// Weight of the distance outside the unit cube in the loss of a point outside it.
const OUTSIDE_PENALTY: f64 = 100.0;

/// The state of a search: the plan, the weights, every evaluation so far.
pub struct Search<'a> {
    plan: &'a Plan,
    evaluator: &'a Evaluator<'a>,
    weights: Vec<f64>,
    records: Mutex<Vec<Record>>,
    known: Mutex<HashMap<Vec<u64>, usize>>,
    phase: Mutex<String>,
    /// Records of an earlier, interrupted search: the same points get the same results.
    resumed: HashMap<Vec<u64>, Record>,
    on_record: &'a (dyn Fn(&Record) -> Result<(), String> + Sync),
    cancel: &'a AtomicBool,
    progress: &'a dyn Progress,
    failure: Mutex<Option<String>>,
    /// Evaluations allowed beyond the plan's budget (the Jacobian's).
    extra: Mutex<usize>,
}

/// What runs one evaluation at unit-cube coordinates: [`evaluate::evaluate`] of the plan (a
/// test can put an analytic model in its place).
pub type Evaluator<'a> = dyn Fn(&[f64]) -> Evaluation + Sync + 'a;

fn key(coordinates: &[f64]) -> Vec<u64> {
    coordinates.iter().map(|x| x.to_bits()).collect()
}

impl<'a> Search<'a> {
    /// A search of `plan`; `earlier` are the records of an interrupted one; `on_record` is
    /// called with each new record, in order (to journal it).
    pub fn new(
        plan: &'a Plan,
        evaluator: &'a Evaluator<'a>,
        earlier: Vec<Record>,
        on_record: &'a (dyn Fn(&Record) -> Result<(), String> + Sync),
        cancel: &'a AtomicBool,
        progress: &'a dyn Progress,
    ) -> Self {
        Search {
            plan,
            evaluator,
            weights: Vec::new(),
            records: Mutex::new(Vec::new()),
            known: Mutex::new(HashMap::new()),
            phase: Mutex::new(String::new()),
            resumed: earlier
                .into_iter()
                .map(|r| (key(&r.evaluation.coordinates), r))
                .collect(),
            on_record,
            cancel,
            progress,
            failure: Mutex::new(None),
            extra: Mutex::new(0),
        }
    }

    /// The weights of the loss (set by [`Search::run`] from the starting point).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Every evaluation, in order.
    pub fn records(&self) -> Vec<Record> {
        self.records.lock().expect("not poisoned").clone()
    }

    /// The record with the smallest loss.
    pub fn best(&self) -> Option<Record> {
        self.records
            .lock()
            .expect("not poisoned")
            .iter()
            .min_by(|a, b| a.loss.total_cmp(&b.loss).then(a.index.cmp(&b.index)))
            .cloned()
    }

    /// The evaluations the search may run: the plan's budget and any allowed beyond it.
    fn budget(&self) -> usize {
        self.plan.search.evaluations + *self.extra.lock().expect("not poisoned")
    }

    /// Allows `n` more evaluations than the plan's budget (for the Jacobian).
    pub fn allow(&self, n: usize) {
        *self.extra.lock().expect("not poisoned") += n;
    }

    /// Names the phase of the evaluations that follow.
    pub fn set_phase(&self, phase: &str) {
        *self.phase.lock().expect("not poisoned") = phase.to_string();
    }

    /// Whether the search must stop: interrupted, out of budget, or a record could not be
    /// kept.
    fn stopped(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
            || self.records.lock().expect("not poisoned").len() >= self.budget()
            || self.failure.lock().expect("not poisoned").is_some()
    }

    /// Whether the search was interrupted.
    pub fn interrupted(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// A record that could not be journaled, if any.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().expect("not poisoned").clone()
    }

    /// The records of `points` (each in the unit cube), evaluating in parallel those not
    /// recorded yet, and recording them in the order given. `None` for a point the search
    /// could not afford (out of budget or interrupted).
    pub fn evaluate_all(&self, points: &[Vec<f64>]) -> Vec<Option<Record>> {
        let todo: Vec<usize> = {
            let known = self.known.lock().expect("not poisoned");
            let mut seen = std::collections::HashSet::new();
            (0..points.len())
                .filter(|&i| {
                    let k = key(&points[i]);
                    !known.contains_key(&k) && !self.resumed.contains_key(&k) && seen.insert(k)
                })
                .collect()
        };
        let room = self
            .budget()
            .saturating_sub(self.records.lock().expect("not poisoned").len());
        let fresh: Vec<(usize, Evaluation)> = if self.cancel.load(Ordering::Relaxed) {
            Vec::new()
        } else {
            todo.par_iter()
                .take(room)
                .map(|&i| (i, (self.evaluator)(&points[i])))
                .collect()
        };
        let mut fresh: HashMap<usize, Evaluation> = fresh.into_iter().collect();
        points
            .iter()
            .enumerate()
            .map(|(i, p)| self.record(p, fresh.remove(&i)))
            .collect()
    }

    /// The record of `point`: known, resumed, or `fresh` (recorded now); `None` if none.
    fn record(&self, point: &[f64], fresh: Option<Evaluation>) -> Option<Record> {
        let k = key(point);
        if let Some(&i) = self.known.lock().expect("not poisoned").get(&k) {
            return Some(self.records.lock().expect("not poisoned")[i].clone());
        }
        let (evaluation, phase) = match (self.resumed.get(&k), fresh) {
            (Some(r), _) => (r.evaluation.clone(), r.phase.clone()),
            (None, Some(e)) => (e, self.phase.lock().expect("not poisoned").clone()),
            (None, None) => return None,
        };
        let loss = if self.weights.is_empty() {
            f64::NAN // the starting point, before the weights exist: set in `run`
        } else {
            evaluate::loss(&self.plan.moments, &self.weights, &evaluation)
        };
        let mut records = self.records.lock().expect("not poisoned");
        let record = Record {
            index: records.len(),
            phase,
            evaluation,
            loss,
        };
        if !self.resumed.contains_key(&k)
            && let Err(e) = (self.on_record)(&record)
        {
            *self.failure.lock().expect("not poisoned") = Some(e);
        }
        self.known
            .lock()
            .expect("not poisoned")
            .insert(k, records.len());
        records.push(record.clone());
        let best = records.iter().map(|r| r.loss).fold(f64::INFINITY, f64::min);
        self.progress.evaluated(records.len(), self.budget(), best);
        Some(record)
    }

    /// The loss at `z`, a point of the unit cube or beyond (then the loss at the nearest
    /// point of the cube, plus a penalty that grows with the distance); infinite once the
    /// search has stopped.
    fn loss_at(&self, z: &[f64]) -> f64 {
        let clamped: Vec<f64> = z.iter().map(|x| x.clamp(0.0, 1.0)).collect();
        let outside: f64 = z.iter().zip(&clamped).map(|(a, b)| (a - b) * (a - b)).sum();
        let record = if self.stopped() {
            let k = key(&clamped);
            let known = self.known.lock().expect("not poisoned").get(&k).copied();
            known.map(|i| self.records.lock().expect("not poisoned")[i].clone())
        } else {
            self.evaluate_all(std::slice::from_ref(&clamped))
                .pop()
                .flatten()
        };
        match record {
            Some(r) => r.loss + (1.0 + r.loss) * OUTSIDE_PENALTY * outside,
            None => f64::INFINITY,
        }
    }

    /// Runs the search: the starting point (which sets the weights), then Nelder-Mead from
    /// the plan's start and from points of a Latin hypercube, then a last run from the best
    /// point with a small simplex.
    pub fn run(&mut self) {
        self.set_phase("start");
        let start = self.plan.start();
        let Some(first) = self
            .evaluate_all(std::slice::from_ref(&start))
            .pop()
            .flatten()
        else {
            return;
        };
        self.weights = evaluate::weights(&self.plan.moments, &first.evaluation);
        {
            let loss = evaluate::loss(&self.plan.moments, &self.weights, &first.evaluation);
            self.records.lock().expect("not poisoned")[0].loss = loss;
        }
        let p = self.plan.parameters.len();
        let restarts = self.plan.search.restarts;
        let mut starts = vec![start.clone()];
        starts.extend(crate::sweep::design::latin_hypercube(
            restarts.saturating_sub(1),
            p,
            crate::rng::combine(self.plan.seed, 0x6E71_7073_6361_6C31),
        ));
        for (r, z0) in starts.iter().enumerate() {
            self.set_phase(&format!("search {}", r + 1));
            self.nelder_mead(z0, SIMPLEX, restarts + 1 - r);
        }
        if let Some(best) = self.best() {
            self.set_phase("polish");
            self.nelder_mead(&best.evaluation.coordinates, POLISH_SIMPLEX, 1);
        }
    }

    /// One Nelder-Mead run from `z0` with a simplex of side `side`, using its share of the
    /// budget left (`runs_left` runs share it).
    fn nelder_mead(&self, z0: &[f64], side: f64, runs_left: usize) {
        if self.stopped() {
            return;
        }
        let p = z0.len();
        let mut simplex = vec![z0.to_vec()];
        for i in 0..p {
            let mut v = z0.to_vec();
            v[i] = if v[i] + side <= 1.0 {
                v[i] + side
            } else {
                v[i] - side
            };
            simplex.push(v);
        }
        // the vertices in parallel, before Nelder-Mead asks for them one by one
        self.evaluate_all(&simplex);
        let done = self.records.lock().expect("not poisoned").len();
        let left = self.plan.search.evaluations.saturating_sub(done);
        let iterations = (left / runs_left.max(1)).max(1) as u64;
        let Ok(solver) = NelderMead::new(simplex).with_sd_tolerance(LOSS_TOLERANCE) else {
            return;
        };
        let problem = Objective(self);
        // the losses are recorded as they are computed; the result is read from the records
        let _ = Executor::new(problem, solver)
            .configure(|state| state.max_iters(iterations))
            .run();
    }
}

/// The loss as `argmin` sees it.
struct Objective<'s, 'a>(&'s Search<'a>);

impl CostFunction for Objective<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, z: &Vec<f64>) -> Result<f64, ArgminError> {
        Ok(self.0.loss_at(z))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// A plan with two parameters and two point targets; the analytic evaluator below stands
    /// in for the simulation.
    fn plan(budget: usize, restarts: usize) -> Plan {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("analytic.toml");
        std::fs::write(
            &path,
            format!(
                "replicates = 2\n\
                 [[parameter]]\npath = \"policy.carbon_price\"\nmin = 0.0\nmax = 1.0\nstart = 0.9\n\
                 [[parameter]]\npath = \"policy.data_openness\"\nmin = 0.0\nmax = 1.0\nstart = 0.1\n\
                 [[moment]]\nmetric = \"output:all:last\"\ntarget = 0.3\n\
                 [[moment]]\nmetric = \"emissions:all:last\"\ntarget = 0.79\n\
                 [search]\nevaluations = {budget}\nrestarts = {restarts}\n"
            ),
        )
        .unwrap();
        super::super::plan::load(&path, &[]).unwrap()
    }

    /// Moments `m1 = x`, `m2 = y + x^2` with a spread of 0.1 across two replicates: the
    /// loss is minimal at `x = 0.3`, `y = 0.7`.
    fn analytic(u: &[f64]) -> Evaluation {
        let (x, y) = (u[0], u[1]);
        let m = [x, y + x * x];
        Evaluation {
            coordinates: u.to_vec(),
            values: u.to_vec(),
            replicates: vec![m.map(|v| v - 0.05).to_vec(), m.map(|v| v + 0.05).to_vec()],
            failed: None,
        }
    }

    #[test]
    fn the_search_finds_the_minimum_of_an_analytic_loss() {
        let plan = plan(120, 2);
        let cancel = AtomicBool::new(false);
        let keep = |_: &Record| Ok(());
        let mut search = Search::new(&plan, &analytic, Vec::new(), &keep, &cancel, &Quiet);
        search.run();
        let best = search.best().unwrap();
        let (x, y) = (best.evaluation.values[0], best.evaluation.values[1]);
        assert!(
            (x - 0.3).abs() < 0.01 && (y - 0.7).abs() < 0.01,
            "({x}, {y})"
        );
        assert!(best.loss < 1e-2, "{}", best.loss);
        assert!(search.records().len() <= 120);
        // every record is in order and each point once
        for (i, r) in search.records().iter().enumerate() {
            assert_eq!(r.index, i);
        }
    }

    #[test]
    fn a_search_replayed_on_the_records_of_an_interrupted_one_gives_the_same_records() {
        let plan = plan(40, 2);
        let cancel = AtomicBool::new(false);
        let keep = |_: &Record| Ok(());
        let mut whole = Search::new(&plan, &analytic, Vec::new(), &keep, &cancel, &Quiet);
        whole.run();
        let all = whole.records();
        // the first 17 records, as a journal would hold them, losses unknown
        let earlier: Vec<Record> = all[..17]
            .iter()
            .map(|r| Record {
                loss: f64::NAN,
                ..r.clone()
            })
            .collect();
        let never = |_: &[f64]| -> Evaluation { panic!("a recorded point is run again") };
        let replay = |u: &[f64]| {
            if all[..17].iter().any(|r| r.evaluation.coordinates == u) {
                never(u)
            } else {
                analytic(u)
            }
        };
        let mut resumed = Search::new(&plan, &replay, earlier, &keep, &cancel, &Quiet);
        resumed.run();
        assert_eq!(resumed.records(), all);
    }
}

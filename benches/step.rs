//! Step throughput (firm-steps per second) of the baseline at 10^4 to 10^7 firms, of the
//! many-sector `china-industries` scenario and of the baseline with every model-2 feature on
//! (`model2`) at 10^6 firms, on one thread and on all threads.
//!
//! `cargo bench` runs them (several minutes: the 10^7-firm cases hold about 1 GB each);
//! `cargo bench -- baseline/1e6` runs one. The `pass` group times each pass of the step alone
//! (the firm phase, exits, structure, production, quantiles) at 10^6 firms, from the
//! simulation's own per-pass clocks: `cargo bench -- pass/phase`. Throughput is counted in initial firms per step;
//! a simulation is restarted after 30 steps so the population stays near its initial size.
//! The `lanes` group times the step's elementary functions (exp, ln, the logistic, the normal
//! and Laplace quantiles, a keyed draw) over 2^16 values, in tiles at the level this
//! processor runs (`NQPSIM_ISA` forces one) and one at a time: `cargo bench -- lanes`.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nqpsim::lanes::{self, F64s, Isa, Kernel};
use nqpsim::sim::Timings;
use nqpsim::{Scenario, Simulation};

/// Steps before a simulation is restarted (a scenario's usual horizon).
const HORIZON: u32 = 30;

fn thread_counts() -> Vec<usize> {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    if all > 1 { vec![1, all] } else { vec![1] }
}

/// Times `iters` steps of `scenario` on a pool of `threads` threads.
fn time_steps(scenario: &Scenario, threads: usize, iters: u64) -> Duration {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    pool.install(|| {
        let mut sim = Simulation::new(scenario, 0).expect("finite");
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            if sim.current_step() >= HORIZON {
                sim = Simulation::new(scenario, 0).expect("finite");
            }
            let start = Instant::now();
            sim.step().expect("finite");
            total += start.elapsed();
        }
        total
    })
}

fn bench_group(c: &mut Criterion, name: &str, scenario: &Scenario, sizes: &[(u64, &str)]) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    for &(firms, label) in sizes {
        let scenario = scenario.clone().with_firms(firms);
        group.throughput(Throughput::Elements(firms));
        if firms >= 1_000_000 {
            group.measurement_time(Duration::from_secs(20));
        }
        for threads in thread_counts() {
            let id = BenchmarkId::new(label, format!("{threads} threads"));
            group.bench_with_input(id, &threads, |b, &threads| {
                b.iter_custom(|iters| time_steps(&scenario, threads, iters));
            });
        }
    }
    group.finish();
}

fn baseline(c: &mut Criterion) {
    let sizes = [
        (10_000, "1e4"),
        (100_000, "1e5"),
        (1_000_000, "1e6"),
        (10_000_000, "1e7"),
    ];
    bench_group(c, "baseline", &Scenario::baseline(), &sizes);
}

fn china_industries(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/china-industries.toml"
    );
    let scenario = nqpsim::scenario::load(std::path::Path::new(path), &[])
        .expect("the shipped scenario is valid");
    bench_group(c, "china-industries", &scenario, &[(1_000_000, "1e6")]);
}

/// Every model-2 feature on with its levers in use, and half the imported key inputs cut in
/// every step (the costliest case of `supply`: chain leaders are found every step), against the
/// baseline at 10^6 firms: `cargo bench -- model2/1e6`.
fn model2(c: &mut Criterion) {
    let sets: Vec<String> = [
        "features.regions=true",
        "features.capacity=true",
        "features.platform=true",
        "features.labour=true",
        "features.supply=true",
        "features.carbon=true",
        "policy.backing=1",
        "policy.common_tech_fund=0.005",
        "policy.talent_training=0.02",
        "policy.autonomy=0.005",
        "policy.supply_cut=0.5",
    ]
    .map(String::from)
    .to_vec();
    let scenario = nqpsim::scenario::load_baseline(&sets).expect("every feature loads");
    bench_group(c, "model2", &scenario, &[(1_000_000, "1e6")]);
}

/// The clock of one pass in [`Timings`].
type PassClock = fn(&Timings) -> Duration;

/// The passes of the step, by the name of their clock in [`nqpsim::sim::Timings`].
const PASSES: [(&str, PassClock); 5] = [
    ("phase", |t| t.phase),
    ("exits", |t| t.exits),
    ("structure", |t| t.structure),
    ("production", |t| t.production),
    ("quantiles", |t| t.quantiles),
];

/// The time `pass` took in `iters` steps of `scenario` on `threads` threads.
fn time_pass(scenario: &Scenario, threads: usize, iters: u64, pass: PassClock) -> Duration {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    pool.install(|| {
        let mut sim = Simulation::new(scenario, 0).expect("finite");
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            if sim.current_step() >= HORIZON {
                sim = Simulation::new(scenario, 0).expect("finite");
            }
            let before = pass(&sim.timings());
            sim.step().expect("finite");
            total += pass(&sim.timings()) - before;
        }
        total
    })
}

fn passes(c: &mut Criterion) {
    let mut group = c.benchmark_group("pass");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    let scenario = Scenario::baseline().with_firms(1_000_000);
    group.throughput(Throughput::Elements(1_000_000));
    for (name, pass) in PASSES {
        for threads in thread_counts() {
            let id = BenchmarkId::new(name, format!("{threads} threads"));
            group.bench_with_input(id, &threads, |b, &threads| {
                b.iter_custom(|iters| time_pass(&scenario, threads, iters, pass));
            });
        }
    }
    group.finish();
}

/// An elementary function of the step, for the `lanes` group.
#[derive(Clone, Copy)]
enum Primitive {
    Exp,
    Ln,
    Logistic,
    NormalQuantile,
    LaplaceQuantile,
    /// A keyed draw: one round of the mixer and the conversion to a uniform.
    Draw,
}

/// `primitive` of every value of `xs`, summed, in tiles of the kernel's width.
struct Apply<'a> {
    primitive: Primitive,
    xs: &'a [f64],
}

impl Kernel for Apply<'_> {
    type Output = f64;

    #[inline(always)]
    fn run<const W: usize>(self) -> f64 {
        let mut sum = F64s::<W>([0.0; W]);
        for tile in self.xs.chunks_exact(W) {
            let x = F64s::<W>::load(tile, 0);
            sum = sum
                + match self.primitive {
                    Primitive::Exp => lanes::exp(x),
                    Primitive::Ln => lanes::ln(x),
                    Primitive::Logistic => lanes::logistic(x),
                    Primitive::NormalQuantile => lanes::normal_quantile(x),
                    Primitive::LaplaceQuantile => lanes::laplace_quantile(x),
                    Primitive::Draw => x.to_bits().rrmxmx().to_unit(),
                };
        }
        sum.0.iter().sum()
    }
}

fn elementary_functions(c: &mut Criterion) {
    const VALUES: usize = 1 << 16;
    let mut group = c.benchmark_group("lanes");
    group.throughput(Throughput::Elements(VALUES as u64));
    // uniforms in (0, 1): the arguments the quantiles and logarithms of the step see
    let xs: Vec<f64> = (0..VALUES)
        .map(|i| (i as f64 + 0.5) / VALUES as f64)
        .collect();
    for (name, primitive) in [
        ("exp", Primitive::Exp),
        ("ln", Primitive::Ln),
        ("logistic", Primitive::Logistic),
        ("normal_quantile", Primitive::NormalQuantile),
        ("laplace_quantile", Primitive::LaplaceQuantile),
        ("draw", Primitive::Draw),
    ] {
        for isa in [Isa::selected(), Isa::Scalar] {
            let id = BenchmarkId::new(name, isa.name());
            group.bench_function(id, |b| {
                b.iter(|| {
                    lanes::dispatch(
                        isa,
                        Apply {
                            primitive,
                            xs: std::hint::black_box(&xs),
                        },
                    )
                });
            });
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    baseline,
    china_industries,
    model2,
    passes,
    elementary_functions
);
criterion_main!(benches);

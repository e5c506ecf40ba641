//! The mechanisms of model 1.2 (docs/model.md §5.7, §5.10-5.12): a transitory component of
//! productivity `e_i` and a Gibrat demand shifter `xi_i`, read from the firms of a
//! [`Simulation`]. With both off the model is 1.1 to the byte: `tests/golden.rs` holds the
//! hashes of every data file, which did not change when they were added.

use nqpsim::{Scenario, Simulation};

/// The model-1.1 reference economy (every 1.2 mechanism off) at 8,000 firms, with `set` in
/// every sector.
fn scenario(set: &[(&str, f64)]) -> Scenario {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/reference/model-1.1.toml"
    );
    let mut s = nqpsim::scenario::load(std::path::Path::new(path), &[])
        .expect("the reference scenario loads")
        .with_firms(8_000)
        .with_steps(2);
    for sector in &mut s.sectors {
        for &(name, value) in set {
            match name {
                "transitory_sd" => sector.params.transitory_sd = value,
                "transitory_persistence" => sector.params.transitory_persistence = value,
                "demand_shock_sd" => sector.params.demand_shock_sd = value,
                "data_productivity" => sector.params.data_productivity = value,
                other => panic!("{other}"),
            }
        }
    }
    s
}

fn moments(x: &[f64]) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let kurtosis = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n / (var * var);
    (mean, var, kurtosis)
}

/// Initial firms draw `e` from its stationary distribution `N(0, s_e^2 / (1 - rho_e^2))`;
/// a year later `e` keeps that variance, with correlation `rho_e` to its last value; and
/// productivity is `ln A = a + e` when data add nothing (`data_productivity` 0). Tolerances:
/// 8,000 draws give the variance to about 2 % (one sd) and the correlation to about 0.01.
#[test]
fn the_transitory_component_is_a_stationary_ar1_inside_productivity() {
    let (sd, rho) = (0.06, 0.6);
    let s = scenario(&[
        ("transitory_sd", sd),
        ("transitory_persistence", rho),
        ("data_productivity", 0.0),
    ]);
    let mut sim = Simulation::new(&s, 0).unwrap();
    let stationary = sd * sd / (1.0 - rho * rho);
    let f = sim.firms();
    let e0: Vec<f64> = f.alive().map(|i| f.transitory[i]).collect();
    let (mean, var, _) = moments(&e0);
    assert!(mean.abs() < 0.004, "{mean}");
    assert!(
        (var / stationary - 1.0).abs() < 0.08,
        "{var} vs {stationary}"
    );
    for i in f.alive() {
        assert_eq!(f.ln_a[i], f.a[i] + f.transitory[i], "firm {i}");
    }
    let before: Vec<(u64, f64)> = f.alive().map(|i| (f.id[i].0, f.transitory[i])).collect();
    sim.step().unwrap();
    let f = sim.firms();
    let mut pairs = Vec::new();
    for i in f.alive() {
        if let Ok(k) = before.binary_search_by_key(&f.id[i].0, |b| b.0) {
            pairs.push((before[k].1, f.transitory[i]));
        }
        assert_eq!(f.ln_a[i], f.a[i] + f.transitory[i]);
    }
    let e1: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let (_, var1, _) = moments(&e1);
    assert!(
        (var1 / stationary - 1.0).abs() < 0.08,
        "{var1} vs {stationary}"
    );
    let cov = pairs.iter().map(|(x, y)| x * y).sum::<f64>() / pairs.len() as f64;
    let corr = cov / (var * var1).sqrt();
    assert!((corr - rho).abs() < 0.04, "{corr}");
}

/// A year of demand shocks moves each firm's `xi` by a unit-variance Laplace step times
/// `demand_shock_sd` (kurtosis 6, against 3 for a normal), and moves demand through the CES
/// weight `(exp(xi) c)^(sigma - 1)` (§5.10): with the same random numbers otherwise and shares
/// that adjust fully in a year, `ln(share with / share without) = (sigma - 1) xi` plus a
/// constant per sector (the normalisation), to rounding.
#[test]
fn the_demand_shifter_takes_laplace_steps_and_moves_shares_with_it() {
    let sd = 0.1;
    let full_adjustment = |mut s: Scenario| {
        s.sectors
            .iter_mut()
            .for_each(|x| x.params.share_adjustment = 1.0);
        s
    };
    let with = full_adjustment(scenario(&[("demand_shock_sd", sd)]));
    let without = full_adjustment(scenario(&[]));
    let mut a = Simulation::new(&with, 0).unwrap();
    let mut b = Simulation::new(&without, 0).unwrap();
    a.step().unwrap();
    b.step().unwrap();
    let (fa, fb) = (a.firms(), b.firms());
    let xi: Vec<f64> = fa
        .alive()
        .filter(|&i| fa.born[i] == 0)
        .map(|i| fa.demand_shift[i] / sd)
        .collect();
    let (mean, var, kurtosis) = moments(&xi);
    assert!(mean.abs() < 0.04, "{mean}");
    assert!((var - 1.0).abs() < 0.06, "{var}");
    assert!((kurtosis - 6.0).abs() < 1.2, "{kurtosis}");
    // traditional firms present in both runs, keyed by id: ln(share with / share without)
    let shares_b: std::collections::HashMap<u64, f64> = fb
        .alive()
        .filter(|&i| fb.sector[i] == 0)
        .map(|i| (fb.id[i].0, fb.share[i]))
        .collect();
    let sigma = with.sectors[0].params.elasticity;
    let residual: Vec<f64> = fa
        .alive()
        .filter(|&i| fa.sector[i] == 0 && fa.born[i] == 0)
        .filter_map(|i| {
            shares_b
                .get(&fa.id[i].0)
                .map(|&s| (fa.share[i] / s).ln() - (sigma - 1.0) * fa.demand_shift[i])
        })
        .collect();
    assert!(residual.len() > 5_000, "{}", residual.len());
    let (_, var, _) = moments(&residual);
    assert!(var.sqrt() < 1e-9, "sd of the residual {}", var.sqrt());
}

/// Newborns of step t: entrants and spawned firms take the mean `xi` of their sector's
/// survivors, and draw `e` from the stationary distribution (never exactly 0 where the sd is
/// positive).
#[test]
fn entrants_take_their_sectors_mean_demand_shifter_and_a_stationary_transitory_draw() {
    let mut s = scenario(&[("demand_shock_sd", 0.1), ("transitory_sd", 0.05)]);
    s.run.steps = 3;
    let mut sim = Simulation::new(&s, 0).unwrap();
    for _ in 0..3 {
        sim.step().unwrap();
    }
    let f = sim.firms();
    let newborn: Vec<usize> = f.alive().filter(|&i| f.born[i] == 3).collect();
    assert!(newborn.len() > 100, "{}", newborn.len());
    for &i in &newborn {
        assert!(f.transitory[i] != 0.0);
    }
    // within a sector, every newborn of the step has the same xi (its sector's mean)
    for j in 0..3u16 {
        let xi: Vec<f64> = newborn
            .iter()
            .filter(|&&i| f.sector[i] == j)
            .map(|&i| f.demand_shift[i])
            .collect();
        assert!(xi.windows(2).all(|w| w[0] == w[1]), "sector {j}: {xi:?}");
    }
}

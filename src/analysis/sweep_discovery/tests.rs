//! Discovery on hand-made sweep folders whose outcomes are planted: the cases are known,
//! so are the boxes that should be found.

use super::*;
use crate::analysis::discovery::Restriction;
use crate::rng::Stream;
use crate::sweep::manifest::SweepManifest;
use crate::sweep::plan::{RawAxis, RawPlan};
use crate::sweep::run::{MANIFEST, POINTS};

/// An axis over `path`, with an optional role.
fn axis(path: &str, role: Option<AxisRole>) -> RawAxis {
    RawAxis {
        path: Some(path.into()),
        role,
        ..RawAxis::default()
    }
}

/// A sweep folder written by hand: a manifest for `plan`, `points.csv` with a column per
/// axis (`values[p]` the point's values), and a `trajectories.csv` whose sector `all` has, at
/// steps 0 and 3, `tfp_index` 1 and `emissions` 1, then at step 3 `tfp_index = y(p, r)` (and
/// `tfp = ln tfp_index`), `emissions = 1`.
fn folder(
    plan: RawPlan,
    values: &[Vec<String>],
    replicates: u32,
    y: impl Fn(usize, u32) -> f64,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = plan
        .axis
        .iter()
        .flatten()
        .map(|a| a.path.clone().unwrap())
        .collect();
    let manifest = SweepManifest {
        command: "sweep".into(),
        nqpsim_version: env!("CARGO_PKG_VERSION").into(),
        model_version: crate::MODEL_VERSION,
        plan_name: "hand".into(),
        plan_file: "hand.toml".into(),
        design: format!("{:?}", plan.design.unwrap_or_default()).to_lowercase(),
        plan,
        overrides: Vec::new(),
        scenario_files: Vec::new(),
        seed: 11,
        replicates,
        points: values.len(),
        runs: replicates as usize * values.len(),
        fingerprint: "00000000000000ab".into(),
        summary_only: false,
        shard: None,
        base_scenario: Default::default(),
        files: Vec::new(),
        failed_runs: 0,
        run: None,
        merged_from: Vec::new(),
    };
    std::fs::write(
        dir.path().join(MANIFEST),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    let mut points = format!("point,{}\n", names.join(","));
    for (p, v) in values.iter().enumerate() {
        points.push_str(&format!("{p},{}\n", v.join(",")));
    }
    std::fs::write(dir.path().join(POINTS), points).unwrap();
    let mut runs = String::from(
        "scenario,point,replicate,seed,step,year,sector,tier,tfp,tfp_index,emissions\n",
    );
    for p in 0..values.len() {
        for r in 0..replicates {
            for step in [0, 3] {
                let index = if step == 0 { 1.0 } else { y(p, r) };
                runs.push_str(&format!(
                    "hand,{p},{r},11,{step},{},all,all,{},{index},1\n",
                    2024 + step,
                    index.ln()
                ));
            }
        }
    }
    std::fs::write(dir.path().join(TRAJECTORIES), runs).unwrap();
    dir
}

fn options(targets: &[&str], robust: f64) -> Options {
    Options {
        targets: targets.iter().map(|t| t.parse().unwrap()).collect(),
        robust,
        levers: Vec::new(),
        uncertainties: Vec::new(),
        prim: PrimOptions::default(),
        max_boxes: 3,
        bootstrap: 20,
        trees: 20,
        seed: 5,
        max_quasi_p: 0.05,
    }
}

/// 500 points of a Latin-hypercube-like sample: levers `policy.rd_subsidy` (a) and
/// `policy.carbon_price` (b) on [0, 1], `policy.targeting` (inclusive or selective), and the
/// uncertainty `sectors.future.demand_growth` (u) on [0, 1]. A run's TFP index is 2 (target
/// met) where a >= 0.6 and u >= 0.3, except replicate 0 where b < 0.2; else 1, except
/// replicate 0: 2. So inside the planted box a point meets the target in 4 of 4 replicates
/// (3 of 4 where b < 0.2), outside in 1 of 4.
fn planted() -> (tempfile::TempDir, Vec<[f64; 3]>) {
    let mut stream = Stream::new(9);
    let mut values = Vec::new();
    let mut abu = Vec::new();
    for p in 0..500 {
        let (a, b, u) = (stream.uniform(), stream.uniform(), stream.uniform());
        let rule = ["inclusive", "selective"][p % 2];
        values.push(vec![
            a.to_string(),
            b.to_string(),
            rule.to_string(),
            u.to_string(),
        ]);
        abu.push([a, b, u]);
    }
    let plan = RawPlan {
        design: Some(DesignKind::Lhs),
        n: Some(500),
        axis: Some(vec![
            axis("policy.rd_subsidy", None),
            axis("policy.carbon_price", None),
            axis("policy.targeting", None),
            axis("sectors.future.demand_growth", None),
        ]),
        ..RawPlan::default()
    };
    let points = abu.clone();
    let dir = folder(plan, &values, 4, move |p, r| {
        let [a, b, u] = points[p];
        let inside = a >= 0.6 && u >= 0.3;
        let met = if inside { r != 0 || b >= 0.2 } else { r == 0 };
        if met { 2.0 } else { 1.0 }
    });
    (dir, abu)
}

fn interval(limits: &crate::analysis::discovery::Limits, d: usize) -> (f64, f64) {
    match limits.get(d) {
        &Restriction::Interval { lo, hi } => (lo, hi),
        other => panic!("not an interval: {other:?}"),
    }
}

#[test]
fn prim_recovers_the_box_planted_in_a_sweep_and_the_lever_box_leaves_the_uncertainty_free() {
    let (dir, abu) = planted();
    let sweep = open(dir.path()).unwrap();
    let d = discover(&sweep, &options(&["tfp_index:all:last>=1.5"], 0.6)).unwrap();

    // The cases are the points in the planted box: 3 or 4 of 4 replicates against 1 of 4.
    let inside: Vec<bool> = abu.iter().map(|[a, _, u]| *a >= 0.6 && *u >= 0.3).collect();
    assert_eq!(d.cases.interest, inside);
    for (p, [_, b, _]) in abu.iter().enumerate() {
        let want = match (inside[p], *b >= 0.2) {
            (true, true) => 4,
            (true, false) => 3,
            _ => 1,
        };
        assert_eq!(d.cases.met[p], want, "point {p}");
    }
    assert_eq!(d.cases.outcomes, [("tfp_index:all:last".to_string(), 3)]);
    let roles: Vec<AxisRole> = d.cases.axes.iter().map(|a| a.role).collect();
    use AxisRole::{Lever, Uncertainty};
    assert_eq!(roles, [Lever, Lever, Lever, Uncertainty]);

    // Every axis: the box is a >= 0.6 and u >= 0.3, nothing else, dense and covering.
    let all = &d.scopes[0];
    assert_eq!(all.scope, Scope::All);
    let chosen = all.boxes[0].chosen();
    assert_eq!(
        chosen.limits.restricted_dims(),
        [0, 3],
        "{}",
        tables::limits_text(&all.data, &chosen.limits)
    );
    let near = |x: f64, want: f64| (x - want).abs() <= 0.03;
    let (lo_a, hi_a) = interval(&chosen.limits, 0);
    let (lo_u, hi_u) = interval(&chosen.limits, 3);
    assert!(near(lo_a, 0.6) && hi_a.is_infinite() && near(lo_u, 0.3) && hi_u.is_infinite());
    assert!(
        chosen.density >= 0.95 && chosen.coverage >= 0.9,
        "{chosen:?}"
    );
    let qps = all.boxes[0].quasi_p(&all.data, all.boxes[0].chosen);
    assert!(qps.iter().all(|(_, qp)| qp.max() < 1e-6), "{qps:?}");
    let boot = all.bootstrap.as_ref().unwrap();
    assert_eq!(boot.resamples.len(), 20);
    assert!(boot.restricted_share[0] >= 0.9 && boot.restricted_share[3] >= 0.9);
    assert!(boot.restricted_share[1] <= 0.3 && boot.restricted_share[2] <= 0.3);
    let spread = all.bootstrap_limits();
    let sides: Vec<(&str, &str)> = spread
        .iter()
        .map(|l| (l.dimension.as_str(), l.side))
        .collect();
    assert_eq!(
        sides,
        [
            ("policy.rd_subsidy", "lower"),
            ("sectors.future.demand_growth", "lower")
        ]
    );
    for l in &spread {
        assert!(
            l.resamples >= 18 && l.p05 <= l.p50 && l.p50 <= l.p95,
            "{l:?}"
        );
        assert!(l.p05 > l.limit - 0.05 && l.p95 < l.limit + 0.05, "{l:?}");
    }

    // Levers only: the uncertainty is not a dimension; a is restricted, and the box cannot
    // be dense (u < 0.3 in 30 % of it whatever the levers).
    let levers = &d.scopes[1];
    assert_eq!(levers.scope, Scope::Levers);
    assert_eq!(levers.axes, [0, 1, 2]);
    let chosen = levers.boxes[0].chosen();
    assert!(chosen.limits.get(0).is_restricted());
    assert!(interval(&chosen.limits, 0).0 >= 0.55, "{chosen:?}");
    assert!(chosen.density < 0.8 && !levers.boxes[0].meets_threshold);

    // The feature scores put a and u first; no robustness table for a sampled design.
    let top: Vec<&str> = d.scores[..2].iter().map(|s| s.name.as_str()).collect();
    assert!(top.contains(&"policy.rd_subsidy") && top.contains(&"sectors.future.demand_growth"));
    assert!(d.robustness.is_err());
    assert!(
        d.notes.iter().any(|n| n.contains("appears once")),
        "{:?}",
        d.notes
    );

    // A stricter share: the points of the box where b < 0.2 drop out, so b is restricted.
    let d = discover(&sweep, &options(&["tfp_index:all:last>=1.5"], 0.8)).unwrap();
    let chosen = d.scopes[0].boxes[0].chosen();
    assert_eq!(chosen.limits.restricted_dims(), [0, 1, 3]);
    assert!(near(interval(&chosen.limits, 1).0, 0.2), "{chosen:?}");
}

#[test]
fn the_tables_have_their_columns_and_a_row_per_point_box_dimension_and_resample() {
    let (dir, _) = planted();
    let sweep = open(dir.path()).unwrap();
    let d = discover(&sweep, &options(&["tfp_index:all:last>=1.5"], 0.6)).unwrap();
    let files = d.files();
    let names: Vec<&str> = files.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [CASES, TRAJECTORY, BOXES, BOOTSTRAP, SCORES],
        "no robustness.csv for a sampled design"
    );
    let text = |name: &str| {
        String::from_utf8(files.iter().find(|f| f.name == name).unwrap().bytes.clone()).unwrap()
    };
    let cases = text(CASES);
    let mut lines = cases.lines();
    assert_eq!(
        lines.next().unwrap(),
        "point,policy.rd_subsidy,policy.carbon_price,policy.targeting,\
         sectors.future.demand_growth,replicates,met,share,case"
    );
    assert_eq!(cases.lines().count(), 501);
    for (p, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let met: u32 = fields[6].parse().unwrap();
        assert_eq!(met, d.cases.met[p]);
        assert_eq!(fields[7].parse::<f64>().unwrap(), f64::from(met) / 4.0);
        assert_eq!(fields[8], if d.cases.interest[p] { "1" } else { "0" });
    }

    let trajectory = text(TRAJECTORY);
    assert!(trajectory.starts_with(&format!("{}\n", tables::TRAJECTORY_COLUMNS.join(","))));
    let first = trajectory.lines().nth(1).unwrap();
    assert!(first.starts_with("all,1,0,start,500,"), "{first}");
    let chosen: Vec<&str> = trajectory
        .lines()
        .filter(|l| l.starts_with("all,1,") && l.ends_with(",1"))
        .collect();
    assert_eq!(chosen.len(), 1, "one chosen point per box");
    assert!(
        chosen[0]
            .contains(",policy.rd_subsidy;sectors.future.demand_growth,policy.rd_subsidy >= 0.")
    );

    let boxes = text(BOXES);
    assert!(boxes.starts_with(&format!("{}\n", tables::BOXES_COLUMNS.join(","))));
    let prim_box_1: Vec<Vec<&str>> = boxes
        .lines()
        .filter(|l| l.starts_with("prim,all,1,"))
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(prim_box_1.len(), 4, "a row per dimension");
    let rd = &prim_box_1[0];
    assert_eq!(rd[3..6], ["policy.rd_subsidy", "lever", "1"]);
    assert!(
        rd[6].parse::<f64>().unwrap() > 0.5 && rd[7].is_empty(),
        "{rd:?}"
    );
    assert!(rd[11].parse::<f64>().unwrap() < 1e-6 && rd[12].is_empty() && !rd[13].is_empty());
    let targeting = &prim_box_1[2];
    assert_eq!(targeting[5..9], ["0", "", "", "inclusive;selective"]);
    assert!(
        targeting[11..14].iter().all(|f| f.is_empty()),
        "no quasi-p when free"
    );
    assert_eq!(prim_box_1[3][4], "uncertainty");
    assert!(boxes.lines().any(|l| l.starts_with("prim,levers,1,")));
    assert!(boxes.lines().any(|l| l.starts_with("cart,all,1,")));

    let bootstrap = text(BOOTSTRAP);
    assert_eq!(
        bootstrap.lines().count(),
        1 + 2 * 20,
        "20 resamples per scope"
    );
    let scores = text(SCORES);
    assert_eq!(scores.lines().count(), 5);
    assert!(scores.starts_with("rank,dimension,role,score\n1,"));
}

#[test]
fn a_grid_over_levers_and_uncertainties_scores_each_lever_combination_across_the_cells() {
    // Lever a in {0, 0.5, 1}, uncertainty u in {0, 0.5, 1}: the target is met where
    // a + u >= 1 (in every replicate but the last where a + u = 1).
    let mut values = Vec::new();
    for a in ["0", "0.5", "1"] {
        for u in ["0", "0.5", "1"] {
            values.push(vec![a.to_string(), u.to_string()]);
        }
    }
    let plan = RawPlan {
        design: Some(DesignKind::Grid),
        axis: Some(vec![
            axis("policy.rd_subsidy", None),
            axis("model.horizon", None),
        ]),
        ..RawPlan::default()
    };
    let grid = values.clone();
    let dir = folder(plan, &values, 3, move |p, r| {
        let sum: f64 = grid[p].iter().map(|v| v.parse::<f64>().unwrap()).sum();
        if sum > 1.0 || (sum == 1.0 && r < 2) {
            3.0
        } else {
            1.0
        }
    });
    let sweep = open(dir.path()).unwrap();
    let mut o = options(&["tfp_index:all:3 > 2"], 1.0);
    o.bootstrap = 0;
    let d = discover(&sweep, &o).unwrap();
    let rows = d.robustness.as_ref().unwrap();
    let got: Vec<(&str, usize, usize)> = rows
        .iter()
        .map(|r| (r.levers[0].as_str(), r.cells, r.cases))
        .collect();
    // With robust = 1, a + u = 1 (2 of 3 replicates) is not a case.
    assert_eq!(got, [("0", 3, 0), ("0.5", 3, 1), ("1", 3, 2)]);
    let mean = rows[1].mean_replicate_share;
    assert!((mean - (0.0 + 2.0 / 3.0 + 1.0) / 3.0).abs() < 1e-15);
    let files = d.files();
    assert!(
        files.iter().all(|f| f.name != BOOTSTRAP),
        "no resamples asked"
    );
    let table = files.iter().find(|f| f.name == ROBUSTNESS).unwrap();
    assert_eq!(
        String::from_utf8(table.bytes.clone()).unwrap(),
        "policy.rd_subsidy,cells,cases,share,mean_replicate_share\n\
         0,3,0,0,0.2222222222222222\n\
         0.5,3,1,0.3333333333333333,0.5555555555555555\n\
         1,3,2,0.6666666666666666,0.8888888888888888\n"
    );

    // The plan's role and the command line's override the path's default.
    let mut o = options(&["tfp_index:all:3 > 2"], 1.0);
    o.levers = vec!["model.horizon".into()];
    o.uncertainties = vec!["policy.rd_subsidy".into()];
    let c = cases(&sweep, &o).unwrap();
    assert_eq!(
        c.axes
            .iter()
            .map(|a| (a.role, a.source))
            .collect::<Vec<_>>(),
        [
            (AxisRole::Uncertainty, RoleSource::CommandLine),
            (AxisRole::Lever, RoleSource::CommandLine)
        ]
    );
}

#[test]
fn wrong_roles_options_and_folders_are_refused_naming_the_flag_or_file() {
    let (dir, _) = planted();
    let sweep = open(dir.path()).unwrap();
    let error = |change: &dyn Fn(&mut Options)| {
        let mut o = options(&["tfp_index:all:last>=1.5"], 0.6);
        change(&mut o);
        cases(&sweep, &o).unwrap_err().to_string()
    };
    let e = error(&|o| o.levers = vec!["talent".into()]);
    assert!(
        e.contains("--lever talent")
            && e.contains("no axis `talent`; its axes are policy.rd_subsidy"),
        "{e}"
    );
    let e = error(&|o| {
        o.levers = vec!["policy.rd_subsidy".into()];
        o.uncertainties = vec!["policy.rd_subsidy".into()];
    });
    assert!(
        e.contains("--uncertainty policy.rd_subsidy") && e.contains("as a lever too"),
        "{e}"
    );
    let e = error(&|o| o.robust = 0.0);
    assert!(e.contains("--robust 0") && e.contains("(0, 1]"), "{e}");
    let e = error(&|o| o.max_quasi_p = 0.0);
    assert!(e.contains("--max-quasi-p 0") && e.contains("(0, 1]"), "{e}");
    let e = error(&|o| o.prim.peel_alpha = 0.7);
    assert!(
        e.contains("--peel-alpha 0.7") && e.contains("(0, 0.5)"),
        "{e}"
    );
    let e = error(&|o| o.targets.clear());
    assert!(e.contains("at least one target"), "{e}");
    let e = error(&|o| {
        o.targets = vec![
            "emissions:all:last<=1 and tfp_index:future:3>=1"
                .parse()
                .unwrap(),
        ]
    });
    assert!(
        e.contains("--target emissions:all:last <= 1 and tfp_index:future:3 >= 1")
            && e.contains("no sector `future`; it has all"),
        "{e}"
    );

    // A summary-only sweep; a zip sweep.
    let path = dir.path().join(MANIFEST);
    let mut manifest: SweepManifest =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    manifest.summary_only = true;
    std::fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let e = open(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("trajectories.csv") && e.contains("--summary-only"),
        "{e}"
    );
    manifest.summary_only = false;
    manifest.plan.design = Some(DesignKind::Zip);
    std::fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let e = open(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("`zip`") && e.contains("Scenario discovery needs"),
        "{e}"
    );
}

#[test]
fn pruning_drops_the_restrictions_that_may_be_chance_and_keeps_the_others() {
    // y = a >= 0.5 with 10 % of the labels flipped; b is noise. The box a >= 0.5 and
    // b <= 0.97 restricts b by chance (it removes 3 % of the cases, of both kinds).
    let mut stream = Stream::new(3);
    let n = 1000;
    let (a, b): (Vec<f64>, Vec<f64>) = (0..n).map(|_| (stream.uniform(), stream.uniform())).unzip();
    let y = a
        .iter()
        .map(|&a| (a >= 0.5) ^ (stream.uniform() < 0.1))
        .collect();
    let data = Dataset::new(
        vec![
            Dimension::numeric("a", a.clone()),
            Dimension::numeric("b", b.clone()),
        ],
        y,
    )
    .unwrap();
    let rows: Vec<usize> = (0..n).collect();
    let limits = Limits::from_restrictions(
        &data,
        vec![
            Restriction::Interval {
                lo: 0.5,
                hi: f64::INFINITY,
            },
            Restriction::Interval {
                lo: f64::NEG_INFINITY,
                hi: 0.97,
            },
        ],
    )
    .unwrap();
    let qps = prim::quasi_p_on(&data, &rows, &limits);
    assert!(qps[0].1.max() < 1e-10 && qps[1].1.max() > 0.05, "{qps:?}");
    let (pruned, stats) = prune(&data, &rows, &limits, 0.05).expect("b is dropped");
    assert_eq!(pruned.restricted_dims(), [0]);
    assert_eq!(stats.n, a.iter().filter(|&&a| a >= 0.5).count());
    assert!(
        prune(&data, &rows, &pruned, 0.05).is_none(),
        "nothing left to drop"
    );
    assert!(
        prune(&data, &rows, &limits, 1.0).is_none(),
        "1 prunes nothing"
    );
    // On a subset of the cases (a covering box's), only those count.
    let half: Vec<usize> = (0..n / 2).collect();
    let (_, stats) = prune(&data, &half, &limits, 0.05).unwrap();
    assert_eq!(stats.n, a[..n / 2].iter().filter(|&&a| a >= 0.5).count());
    assert_eq!(
        stats.mass,
        stats.n as f64 / n as f64,
        "a share of all the cases"
    );
}

//! Productivity decompositions of each step's change in TFP, written to `decomposition.csv`.
//!
//! A sector's TFP is `Φ = Σ_i s_i φ_i`, the share-weighted mean of `φ_i = ln A_i` (shares
//! `s_i` sum to 1 within the sector; the `tfp` column of `trajectories.csv`). Between the end
//! of step t-1 and the end of step t, the sector's firms fall into three groups:
//!
//! - **survivors** S, in the sector at both ends;
//! - **entrants** E, in it at t only: new firms, and firms that switched in or were spawned
//!   into it (*transformed* entrants);
//! - **exiters** X, in it at t-1 only: firms that closed, and firms that switched out.
//!
//! Melitz and Polanec (2015), the dynamic Olley-Pakes decomposition, with `s_G` a group's total
//! share, `Φ_G` its share-weighted mean and `φ̄_G` its unweighted mean (1 = t-1, 2 = t):
//!
//! ```text
//! ΔΦ = Δφ̄_S                                  within: survivors get better
//!    + Δ(Φ_S - φ̄_S)                          between: share moves to better survivors
//!    + s_E2 (Φ_E2 - Φ_S2)                     entry
//!    + s_X1 (Φ_S1 - Φ_X1)                     exit
//! ```
//!
//! Foster, Haltiwanger and Krizan (2001), around `Φ_1`:
//!
//! ```text
//! ΔΦ = Σ_S s_i1 Δφ_i + Σ_S Δs_i (φ_i1 - Φ_1) + Σ_S Δs_i Δφ_i + Σ_E s_i2 (φ_i2 - Φ_1) - Σ_X s_i1 (φ_i1 - Φ_1)
//!      within          between                 cross           entry                   exit
//! ```
//!
//! The entry and exit terms of Melitz-Polanec are sums over firms, so they split by kind:
//! `entry_new + entry_transformed` and `exit_died + exit_switched`. A sector's
//! **transformation** term is `entry_transformed + exit_switched`: what firms moving between
//! sectors (switching and spawning, docs/model.md §5.12) did to its TFP.
//!
//! For the economy (`all`: `Φ = Σ_j w_j Φ_j` with `w_j` the output shares), a shift-share
//! split: sector j's **contribution** is `w_j1 ΔΦ_j` (growth within the sector) and its
//! **reallocation** term `Δw_j (Φ_j1 - Φ_1) + Δw_j ΔΦ_j` (output moving towards sectors above
//! the average, and the cross term); they sum to the aggregate change. The `all` row's
//! Melitz-Polanec, Foster-Haltiwanger-Krizan and transformation terms are the sectors' terms
//! weighted by `w_j1`: contributions to aggregate growth. They are NA when a sector with a
//! TFP at both ends has no survivors (every firm in it left and others came in one step):
//! its growth within has no Melitz-Polanec split, so the weighted terms would not add up.

/// Σ s and Σ s φ over a group of firms (one point in time).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Weighted {
    /// Σ s.
    pub share: f64,
    /// Σ s φ.
    pub share_ln_a: f64,
}

impl Weighted {
    /// Adds a firm with share `s` and log TFP `ln_a`.
    #[inline]
    pub fn add(&mut self, s: f64, ln_a: f64) {
        self.share += s;
        self.share_ln_a += s * ln_a;
    }

    fn merge(&mut self, other: &Weighted) {
        self.share += other.share;
        self.share_ln_a += other.share_ln_a;
    }
}

/// Sums over the survivors of a sector: their shares and log TFP at t-1 (`prev`) and t.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Survivors {
    /// Number of survivors.
    pub count: f64,
    /// Σ φ_1.
    pub ln_a_prev: f64,
    /// Σ φ_2.
    pub ln_a: f64,
    /// Σ s_1 and Σ s_1 φ_1.
    pub prev: Weighted,
    /// Σ s_2 and Σ s_2 φ_2.
    pub now: Weighted,
    /// Σ s_2 φ_1.
    pub share_ln_a_prev: f64,
    /// Σ s_1 φ_2.
    pub share_prev_ln_a: f64,
}

impl Survivors {
    /// Adds a survivor: share and log TFP at t-1, then at t.
    #[inline]
    pub fn add(&mut self, s_prev: f64, ln_a_prev: f64, s: f64, ln_a: f64) {
        self.count += 1.0;
        self.ln_a_prev += ln_a_prev;
        self.ln_a += ln_a;
        self.prev.add(s_prev, ln_a_prev);
        self.now.add(s, ln_a);
        self.share_ln_a_prev += s * ln_a_prev;
        self.share_prev_ln_a += s_prev * ln_a;
    }
}

/// Everything one sector's decomposition needs for one step: sums over its survivors,
/// entrants and exiters.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TurnoverSums {
    /// Survivors.
    pub survivors: Survivors,
    /// New firms (entrants of docs/model.md §5.12), at t.
    pub entrants: Weighted,
    /// Firms that switched in or were spawned into the sector, at t.
    pub transformed: Weighted,
    /// Firms that closed, at t-1.
    pub died: Weighted,
    /// Firms that switched out, at t-1.
    pub switched_out: Weighted,
}

impl TurnoverSums {
    /// Adds another chunk's sums.
    pub fn merge(&mut self, o: &TurnoverSums) {
        let s = &mut self.survivors;
        let p = &o.survivors;
        s.count += p.count;
        s.ln_a_prev += p.ln_a_prev;
        s.ln_a += p.ln_a;
        s.prev.merge(&p.prev);
        s.now.merge(&p.now);
        s.share_ln_a_prev += p.share_ln_a_prev;
        s.share_prev_ln_a += p.share_prev_ln_a;
        self.entrants.merge(&o.entrants);
        self.transformed.merge(&o.transformed);
        self.died.merge(&o.died);
        self.switched_out.merge(&o.switched_out);
    }
}

/// The terms of one sector's change in TFP (see the module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Terms {
    /// Melitz-Polanec: survivors' unweighted mean.
    pub mp_within: f64,
    /// Melitz-Polanec: survivors' covariance of share and productivity.
    pub mp_between: f64,
    /// Melitz-Polanec: entrants.
    pub mp_entry: f64,
    /// Melitz-Polanec: exiters.
    pub mp_exit: f64,
    /// Foster-Haltiwanger-Krizan: survivors at fixed shares.
    pub fhk_within: f64,
    /// Foster-Haltiwanger-Krizan: survivors' share changes.
    pub fhk_between: f64,
    /// Foster-Haltiwanger-Krizan: share change times productivity change.
    pub fhk_cross: f64,
    /// Foster-Haltiwanger-Krizan: entrants.
    pub fhk_entry: f64,
    /// Foster-Haltiwanger-Krizan: exiters.
    pub fhk_exit: f64,
    /// The Melitz-Polanec entry term of new firms.
    pub entry_new: f64,
    /// The Melitz-Polanec entry term of firms that switched in or were spawned.
    pub entry_transformed: f64,
    /// The Melitz-Polanec exit term of firms that closed.
    pub exit_died: f64,
    /// The Melitz-Polanec exit term of firms that switched out.
    pub exit_switched: f64,
}

impl Terms {
    /// `entry_transformed + exit_switched`.
    pub fn transformation(&self) -> f64 {
        self.entry_transformed + self.exit_switched
    }

    /// The sum of the Melitz-Polanec terms.
    pub fn mp_total(&self) -> f64 {
        self.mp_within + self.mp_between + self.mp_entry + self.mp_exit
    }

    /// The sum of the Foster-Haltiwanger-Krizan terms.
    pub fn fhk_total(&self) -> f64 {
        self.fhk_within + self.fhk_between + self.fhk_cross + self.fhk_entry + self.fhk_exit
    }

    fn scaled(&self, w: f64) -> Terms {
        Terms {
            mp_within: w * self.mp_within,
            mp_between: w * self.mp_between,
            mp_entry: w * self.mp_entry,
            mp_exit: w * self.mp_exit,
            fhk_within: w * self.fhk_within,
            fhk_between: w * self.fhk_between,
            fhk_cross: w * self.fhk_cross,
            fhk_entry: w * self.fhk_entry,
            fhk_exit: w * self.fhk_exit,
            entry_new: w * self.entry_new,
            entry_transformed: w * self.entry_transformed,
            exit_died: w * self.exit_died,
            exit_switched: w * self.exit_switched,
        }
    }

    fn add(&mut self, o: &Terms) {
        self.mp_within += o.mp_within;
        self.mp_between += o.mp_between;
        self.mp_entry += o.mp_entry;
        self.mp_exit += o.mp_exit;
        self.fhk_within += o.fhk_within;
        self.fhk_between += o.fhk_between;
        self.fhk_cross += o.fhk_cross;
        self.fhk_entry += o.fhk_entry;
        self.fhk_exit += o.fhk_exit;
        self.entry_new += o.entry_new;
        self.entry_transformed += o.entry_transformed;
        self.exit_died += o.exit_died;
        self.exit_switched += o.exit_switched;
    }
}

/// A sector's terms from its sums; `None` without survivors (the Melitz-Polanec terms are
/// measured against them; the change is then all entry and exit, see `reallocation`).
pub fn sector_terms(sums: &TurnoverSums) -> Option<Terms> {
    let s = &sums.survivors;
    if s.count == 0.0 || s.prev.share <= 0.0 || s.now.share <= 0.0 {
        return None;
    }
    // Melitz-Polanec: survivors' weighted (Φ_S) and unweighted (φ̄_S) means at t-1 and t.
    let weighted_prev = s.prev.share_ln_a / s.prev.share;
    let weighted_now = s.now.share_ln_a / s.now.share;
    let mean_prev = s.ln_a_prev / s.count;
    let mean_now = s.ln_a / s.count;
    let entry = |g: &Weighted| g.share_ln_a - g.share * weighted_now;
    let exit = |g: &Weighted| g.share * weighted_prev - g.share_ln_a;
    // Foster-Haltiwanger-Krizan: around the sector's TFP at t-1, Φ_1.
    let phi_prev = s.prev.share_ln_a + sums.died.share_ln_a + sums.switched_out.share_ln_a;
    let entrants = Weighted {
        share: sums.entrants.share + sums.transformed.share,
        share_ln_a: sums.entrants.share_ln_a + sums.transformed.share_ln_a,
    };
    let exiters = Weighted {
        share: sums.died.share + sums.switched_out.share,
        share_ln_a: sums.died.share_ln_a + sums.switched_out.share_ln_a,
    };
    Some(Terms {
        mp_within: mean_now - mean_prev,
        mp_between: (weighted_now - mean_now) - (weighted_prev - mean_prev),
        mp_entry: entry(&sums.entrants) + entry(&sums.transformed),
        mp_exit: exit(&sums.died) + exit(&sums.switched_out),
        fhk_within: s.share_prev_ln_a - s.prev.share_ln_a,
        fhk_between: (s.share_ln_a_prev - s.prev.share_ln_a)
            - phi_prev * (s.now.share - s.prev.share),
        fhk_cross: s.now.share_ln_a - s.share_ln_a_prev - s.share_prev_ln_a + s.prev.share_ln_a,
        fhk_entry: entrants.share_ln_a - phi_prev * entrants.share,
        fhk_exit: -(exiters.share_ln_a - phi_prev * exiters.share),
        entry_new: entry(&sums.entrants),
        entry_transformed: entry(&sums.transformed),
        exit_died: exit(&sums.died),
        exit_switched: exit(&sums.switched_out),
    })
}

/// One sector's TFP and output share at t-1 and t (`None` where it had no firms).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SectorChange {
    /// Output share at t-1.
    pub weight_prev: f64,
    /// Output share at t.
    pub weight: f64,
    /// TFP at t-1.
    pub tfp_prev: Option<f64>,
    /// TFP at t.
    pub tfp: Option<f64>,
}

/// Sector j's shift-share terms: `(contribution, reallocation)` with `tfp_all_prev` the
/// economy's TFP at t-1. A sector empty at t-1 or t contributes nothing within; its whole
/// weighted TFP is reallocation.
pub fn shift_share(c: &SectorChange, tfp_all_prev: f64) -> (f64, f64) {
    let level = |w: f64, tfp: Option<f64>| tfp.map_or(0.0, |x| w * x);
    match (c.tfp_prev, c.tfp) {
        (Some(prev), Some(now)) => {
            let dw = c.weight - c.weight_prev;
            (
                c.weight_prev * (now - prev),
                dw * (prev - tfp_all_prev) + dw * (now - prev),
            )
        }
        _ => (
            0.0,
            level(c.weight, c.tfp)
                - level(c.weight_prev, c.tfp_prev)
                - (c.weight - c.weight_prev) * tfp_all_prev,
        ),
    }
}

/// One row of `decomposition.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct DecompositionRow {
    /// Sweep point (0 for a plain run).
    pub point: u32,
    /// Replicate.
    pub replicate: u32,
    /// Step t (from 1: the change from t-1 to t).
    pub step: u32,
    /// Sector index, or `None` for `all`.
    pub sector: Option<usize>,
    /// ΔΦ: the change of the `tfp` column from t-1 to t.
    pub d_tfp: Option<f64>,
    /// The terms (for `all`: weighted by the sectors' output shares at t-1).
    pub terms: Option<Terms>,
    /// Output share at t-1 (1 for `all`).
    pub output_share_prev: f64,
    /// Growth within the sector, weighted: `w_j1 ΔΦ_j` (for `all`, the sum).
    pub contribution: Option<f64>,
    /// Shift-share reallocation term (for `all`, the sum).
    pub reallocation: Option<f64>,
}

impl DecompositionRow {
    /// The columns of `decomposition.csv`, in order.
    pub const COLUMNS: [&'static str; 26] = [
        "scenario",
        "point",
        "replicate",
        "seed",
        "step",
        "year",
        "sector",
        "tier",
        "d_tfp",
        "mp_within",
        "mp_between",
        "mp_entry",
        "mp_exit",
        "fhk_within",
        "fhk_between",
        "fhk_cross",
        "fhk_entry",
        "fhk_exit",
        "entry_new",
        "entry_transformed",
        "exit_died",
        "exit_switched",
        "transformation",
        "output_share_prev",
        "contribution",
        "reallocation",
    ];

    /// The values after the identifying columns, in column order (`None`: NA).
    pub fn values(&self) -> [Option<f64>; 18] {
        let t = self.terms;
        let term = |f: fn(&Terms) -> f64| t.as_ref().map(f);
        [
            self.d_tfp,
            term(|t| t.mp_within),
            term(|t| t.mp_between),
            term(|t| t.mp_entry),
            term(|t| t.mp_exit),
            term(|t| t.fhk_within),
            term(|t| t.fhk_between),
            term(|t| t.fhk_cross),
            term(|t| t.fhk_entry),
            term(|t| t.fhk_exit),
            term(|t| t.entry_new),
            term(|t| t.entry_transformed),
            term(|t| t.exit_died),
            term(|t| t.exit_switched),
            term(Terms::transformation),
            Some(self.output_share_prev),
            self.contribution,
            self.reallocation,
        ]
    }
}

/// The rows of step `t` (one per sector, then `all`) from each sector's sums and its TFP and
/// output share at t-1 and t, and the economy's TFP at t-1 and t.
pub fn rows(
    point: u32,
    replicate: u32,
    t: u32,
    sums: &[TurnoverSums],
    changes: &[SectorChange],
    tfp_all: (Option<f64>, Option<f64>),
    out: &mut Vec<DecompositionRow>,
) {
    let mut all_terms = Terms::default();
    // The `all` terms exist only when every sector that contributes growth within
    // (`d_tfp` defined) has terms: a sector whose firms were all replaced in one step has a
    // contribution but no survivors to measure the Melitz-Polanec terms against.
    let mut any_terms = false;
    let mut complete = true;
    let (mut contribution, mut reallocation) = (0.0, 0.0);
    for (j, (sums, change)) in sums.iter().zip(changes).enumerate() {
        let d_tfp = change
            .tfp
            .zip(change.tfp_prev)
            .map(|(now, prev)| now - prev);
        let terms = sector_terms(sums).filter(|_| d_tfp.is_some());
        if let Some(terms) = &terms {
            all_terms.add(&terms.scaled(change.weight_prev));
            any_terms = true;
        } else if d_tfp.is_some() {
            complete = false;
        }
        let shift = tfp_all.0.map(|prev| shift_share(change, prev));
        if let Some((c, r)) = shift {
            contribution += c;
            reallocation += r;
        }
        out.push(DecompositionRow {
            point,
            replicate,
            step: t,
            sector: Some(j),
            d_tfp,
            terms,
            output_share_prev: change.weight_prev,
            contribution: shift.map(|s| s.0),
            reallocation: shift.map(|s| s.1),
        });
    }
    let defined = tfp_all.0.is_some() && tfp_all.1.is_some();
    out.push(DecompositionRow {
        point,
        replicate,
        step: t,
        sector: None,
        d_tfp: tfp_all.1.zip(tfp_all.0).map(|(now, prev)| now - prev),
        terms: (any_terms && complete).then_some(all_terms),
        output_share_prev: 1.0,
        contribution: defined.then_some(contribution),
        reallocation: defined.then_some(reallocation),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A firm at one end of the step: sector, share, ln A.
    type State = (usize, f64, f64);

    /// Reference: the decomposition of one sector computed from firm lists by the formulas of
    /// the papers, firm by firm. `firms[i] = (at t-1, at t, kind)`; kind: 'e' new entrant,
    /// 's' spawned.
    fn reference(sector: usize, firms: &[(Option<State>, Option<State>, char)]) -> (f64, Terms) {
        let in_sector = |s: &Option<State>| s.filter(|f| f.0 == sector);
        let phi = |t: usize| -> f64 {
            firms
                .iter()
                .filter_map(|f| in_sector(if t == 1 { &f.0 } else { &f.1 }))
                .map(|(_, s, x)| s * x)
                .sum()
        };
        let (phi1, phi2) = (phi(1), phi(2));
        let survivors: Vec<(State, State)> = firms
            .iter()
            .filter_map(|f| in_sector(&f.0).zip(in_sector(&f.1)))
            .collect();
        let n = survivors.len() as f64;
        let s1: f64 = survivors.iter().map(|(a, _)| a.1).sum();
        let s2: f64 = survivors.iter().map(|(_, b)| b.1).sum();
        let w1 = survivors.iter().map(|(a, _)| a.1 * a.2).sum::<f64>() / s1;
        let w2 = survivors.iter().map(|(_, b)| b.1 * b.2).sum::<f64>() / s2;
        let m1 = survivors.iter().map(|(a, _)| a.2).sum::<f64>() / n;
        let m2 = survivors.iter().map(|(_, b)| b.2).sum::<f64>() / n;
        let mut t = Terms {
            mp_within: m2 - m1,
            mp_between: (w2 - m2) - (w1 - m1),
            ..Terms::default()
        };
        for (a, b) in &survivors {
            t.fhk_within += a.1 * (b.2 - a.2);
            t.fhk_between += (b.1 - a.1) * (a.2 - phi1);
            t.fhk_cross += (b.1 - a.1) * (b.2 - a.2);
        }
        for f in firms {
            match (in_sector(&f.0), in_sector(&f.1)) {
                (None, Some(b)) => {
                    let mp = b.1 * (b.2 - w2);
                    let transformed = f.0.is_some() || f.2 == 's';
                    if transformed {
                        t.entry_transformed += mp;
                    } else {
                        t.entry_new += mp;
                    }
                    t.mp_entry += mp;
                    t.fhk_entry += b.1 * (b.2 - phi1);
                }
                (Some(a), None) => {
                    let mp = a.1 * (w1 - a.2);
                    if f.1.is_some() {
                        t.exit_switched += mp;
                    } else {
                        t.exit_died += mp;
                    }
                    t.mp_exit += mp;
                    t.fhk_exit -= a.1 * (a.2 - phi1);
                }
                _ => {}
            }
        }
        (phi2 - phi1, t)
    }

    /// The engine's way: sums by group, then [`sector_terms`].
    fn from_sums(sector: usize, firms: &[(Option<State>, Option<State>, char)]) -> Terms {
        let mut sums = TurnoverSums::default();
        for f in firms {
            let (a, b) = (f.0.filter(|s| s.0 == sector), f.1.filter(|s| s.0 == sector));
            match (a, b) {
                (Some(a), Some(b)) => sums.survivors.add(a.1, a.2, b.1, b.2),
                (None, Some(b)) if f.0.is_some() || f.2 == 's' => sums.transformed.add(b.1, b.2),
                (None, Some(b)) => sums.entrants.add(b.1, b.2),
                (Some(a), None) if f.1.is_some() => sums.switched_out.add(a.1, a.2),
                (Some(a), None) => sums.died.add(a.1, a.2),
                (None, None) => {}
            }
        }
        sector_terms(&sums).expect("survivors")
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Three firms in sector 0 at t-1 (shares 0.5, 0.3, 0.2); at t the second has closed, the
    /// third has switched to sector 1, and a new firm has entered; sector 1 also gets a
    /// spawned firm.
    fn example() -> Vec<(Option<State>, Option<State>, char)> {
        vec![
            (Some((0, 0.5, 0.10)), Some((0, 0.7, 0.20)), ' '),
            (Some((0, 0.3, -0.20)), None, ' '),
            (Some((0, 0.2, 0.30)), Some((1, 0.25, 0.35)), ' '),
            (None, Some((0, 0.3, 0.05)), 'e'),
            (Some((1, 0.6, 0.40)), Some((1, 0.5, 0.45)), ' '),
            (Some((1, 0.4, 0.00)), Some((1, 0.1, 0.10)), ' '),
            (None, Some((1, 0.15, 0.50)), 's'),
        ]
    }

    #[test]
    fn a_hand_computed_sector_with_an_exit_an_entrant_and_a_switch_adds_up() {
        // Sector 0: Φ1 = 0.05 - 0.06 + 0.06 = 0.05; Φ2 = 0.14 + 0.015 = 0.155.
        let (d, t) = reference(0, &example());
        assert!(close(d, 0.105), "{d}");
        // One survivor (0.10 -> 0.20): within 0.1, between 0.
        assert!(close(t.mp_within, 0.1) && close(t.mp_between, 0.0));
        // Entry: 0.3 (0.05 - 0.20) = -0.045; exit: died 0.3 (0.10 + 0.20) = 0.09, switched
        // 0.2 (0.10 - 0.30) = -0.04.
        assert!(close(t.entry_new, -0.045) && close(t.entry_transformed, 0.0));
        assert!(close(t.exit_died, 0.09) && close(t.exit_switched, -0.04));
        assert!(close(t.mp_total(), d) && close(t.fhk_total(), d));
        assert!(close(t.transformation(), -0.04));
        let sums = from_sums(0, &example());
        assert!(close(sums.mp_total(), d));
        for (x, y) in [
            (sums.mp_within, t.mp_within),
            (sums.mp_between, t.mp_between),
            (sums.entry_new, t.entry_new),
            (sums.exit_died, t.exit_died),
            (sums.exit_switched, t.exit_switched),
            (sums.fhk_within, t.fhk_within),
            (sums.fhk_between, t.fhk_between),
            (sums.fhk_cross, t.fhk_cross),
            (sums.fhk_entry, t.fhk_entry),
            (sums.fhk_exit, t.fhk_exit),
        ] {
            assert!(close(x, y), "{x} vs {y}");
        }
    }

    #[test]
    fn the_receiving_sector_counts_switched_and_spawned_firms_as_transformation() {
        let (d, t) = reference(1, &example());
        // Φ1 = 0.24; Φ2 = 0.0875 + 0.225 + 0.01 + 0.075 = 0.3975.
        assert!(close(d, 0.1575), "{d}");
        assert!(close(t.entry_new, 0.0));
        assert!(t.entry_transformed != 0.0);
        assert!(close(t.mp_total(), d) && close(t.fhk_total(), d));
        let sums = from_sums(1, &example());
        assert!(close(sums.entry_transformed, t.entry_transformed));
        assert!(close(sums.mp_total(), d) && close(sums.fhk_total(), d));
    }

    #[test]
    fn shift_share_terms_add_up_to_the_aggregate_change_with_a_sector_born_and_one_emptied() {
        let changes = [
            SectorChange {
                weight_prev: 0.6,
                weight: 0.5,
                tfp_prev: Some(0.1),
                tfp: Some(0.2),
            },
            SectorChange {
                weight_prev: 0.3,
                weight: 0.35,
                tfp_prev: Some(0.4),
                tfp: Some(0.3),
            },
            SectorChange {
                weight_prev: 0.0,
                weight: 0.15,
                tfp_prev: None,
                tfp: Some(0.9),
            },
            SectorChange {
                weight_prev: 0.1,
                weight: 0.0,
                tfp_prev: Some(-0.5),
                tfp: None,
            },
        ];
        let level = |now: bool| -> f64 {
            changes
                .iter()
                .filter_map(|c| {
                    if now {
                        c.tfp.map(|x| c.weight * x)
                    } else {
                        c.tfp_prev.map(|x| c.weight_prev * x)
                    }
                })
                .sum()
        };
        let (prev, now) = (level(false), level(true));
        let total: f64 = changes
            .iter()
            .map(|c| {
                let (a, b) = shift_share(c, prev);
                a + b
            })
            .sum();
        assert!(close(total, now - prev), "{total} vs {}", now - prev);
        assert!(close(shift_share(&changes[0], prev).0, 0.6 * 0.1));
    }
}

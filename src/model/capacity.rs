//! Capacity, docs/model.md M2.3: a capacity stock per sector, planned for expected demand,
//! irreversible beyond depreciation; idle capacity beyond normal costs margin and R&D effort,
//! and output cannot exceed capacity.

use crate::math;

/// M2.3: the share of the R&D budget that turns into research when a sector plans excess
/// capacity `x`: `(1 + x)^-price_pressure` (prices fall when capacity is idle, and R&D is paid
/// from cash flow).
#[inline]
pub fn effort_factor(planned_excess: f64, price_pressure: f64) -> f64 {
    math::pow(1.0 + planned_excess, -price_pressure)
}

/// M2.3: the cost of idle capacity beyond normal, as a share of output: `c_K x_j`.
#[inline]
pub fn idle_cost(capacity_cost: f64, planned_excess: f64) -> f64 {
    capacity_cost * planned_excess
}

/// M2.3: output is demand-side output `Yd_j` unless capacity binds: `min(Yd_j, K_j)`.
#[inline]
pub fn bound_output(demand_output: f64, capacity: f64) -> f64 {
    demand_output.min(capacity)
}

/// M2.3: the adaptive expectation of demand growth,
/// `g^e(t) = g^e(t-1) + lambda_e (gYd(t) - g^e(t-1))`.
#[inline]
pub fn expected_growth(previous: f64, demand_expectation: f64, growth: f64) -> f64 {
    previous + demand_expectation * (growth - previous)
}

/// The capacity planned for the next step and its planned excess (M2.3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// `K_j(t+1) = max((1 - delta_K) K_j(t), K*_j)`.
    pub capacity: f64,
    /// `x_j(t+1) = max(0, u_n K_j(t+1) / Yd^e_j - 1)` (0 if no demand is expected).
    pub planned_excess: f64,
}

/// M2.3: the plan for step `t + 1` from this step's capacity and demand-side output, the
/// expected growth and the backed output share `backed_share` (0 without regional backing):
/// the target `K* = (Yd^e / u_n)(1 + b_c backing bs)` with `Yd^e = Yd (1 + g^e)`, and
/// capacity shrinks no faster than depreciation.
#[inline]
pub fn plan(
    capacity: f64,
    demand_output: f64,
    expected_growth: f64,
    normal_utilisation: f64,
    depreciation: f64,
    backed_extra: f64,
) -> Plan {
    let expected = demand_output * (1.0 + expected_growth);
    let target = expected / normal_utilisation * (1.0 + backed_extra);
    let kept = (1.0 - depreciation) * capacity;
    let (capacity, planned_excess) = if expected <= 0.0 {
        (kept.max(target), 0.0)
    } else if target >= kept {
        // the target is installed: its excess is the backed extra exactly (u_n K* / Yd^e - 1
        // would leave rounding noise where it is 0)
        (target, backed_extra)
    } else {
        (kept, (normal_utilisation * kept / expected - 1.0).max(0.0))
    };
    Plan {
        capacity,
        planned_excess,
    }
}

/// M2.3: the availability `psi = Y / Yd` (1 when there is no demand-side output), floored at
/// `1e-300` where its log is taken.
#[inline]
pub fn availability(output: f64, demand_output: f64) -> f64 {
    if demand_output > 0.0 {
        output / demand_output
    } else {
        1.0
    }
}

/// The smallest availability whose log the demand linkage takes (a sector that produced
/// nothing would otherwise have `ln 0`).
pub const AVAILABILITY_FLOOR: f64 = 1e-300;

/// M2.3: next year's demand scale when capacity is on,
/// `Z_j(t+1) = Z_j(t) (1 + gamma_j + sum_k B[j][k] gYd_k(t)) exp(sum_k B[j][k] ln(psi_k(t) / psi_k(t-1)))`:
/// the arithmetic rule on demand-side output growth, times the upstream demand channel of a
/// shortfall, a log change so that a shortfall and its recovery cancel exactly.
pub fn next_demand_scale(
    demand_scale: f64,
    demand_growth: f64,
    linkage_row: &[f64],
    demand_output_growth: &[f64],
    availability: &[f64],
    availability_previous: &[f64],
) -> f64 {
    let pull: f64 = linkage_row
        .iter()
        .zip(demand_output_growth)
        .map(|(b, g)| b * g)
        .sum();
    let shortfall: f64 = linkage_row
        .iter()
        .zip(availability.iter().zip(availability_previous))
        .map(|(b, (psi, before))| {
            b * (math::ln(psi.max(AVAILABILITY_FLOOR)) - math::ln(before.max(AVAILABILITY_FLOOR)))
        })
        .sum();
    demand_scale * (1.0 + demand_growth + pull) * math::exp(shortfall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_on_a_growth_path_leaves_no_excess() {
        let p = plan(1.0, 0.8, 0.05, 0.8, 0.08, 0.0);
        assert!((p.capacity - 0.8 * 1.05 / 0.8).abs() < 1e-15);
        assert_eq!(p.planned_excess, 0.0);
        for demand in [0.3, 0.7, 1.1, 2.9] {
            assert_eq!(plan(0.1, demand, 0.031, 0.8, 0.08, 0.0).planned_excess, 0.0);
        }
    }

    #[test]
    fn capacity_shrinks_no_faster_than_depreciation_and_the_rest_is_excess() {
        // demand halves: the target is half, capacity keeps 92 %
        let p = plan(1.25, 0.5, 0.0, 0.8, 0.08, 0.0);
        assert!((p.capacity - 1.15).abs() < 1e-12);
        assert!((p.planned_excess - (0.8 * 1.15 / 0.5 - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn backed_output_plans_more_capacity_than_demand_needs() {
        let p = plan(1.0, 0.8, 0.0, 0.8, 0.08, 0.2);
        assert!((p.planned_excess - 0.2).abs() < 1e-12);
        // and the excess lowers R&D effort and raises costs
        assert!(effort_factor(0.2, 2.0) < 1.0);
        assert_eq!(effort_factor(0.0, 2.0), 1.0);
        assert!((idle_cost(0.2, 0.2) - 0.04).abs() < 1e-15);
    }

    #[test]
    fn output_is_bounded_by_capacity() {
        assert_eq!(bound_output(1.0, 0.5), 0.5);
        assert_eq!(bound_output(0.4, 0.5), 0.4);
        assert_eq!(availability(0.5, 1.0), 0.5);
        assert_eq!(availability(0.0, 0.0), 1.0);
    }

    #[test]
    fn a_shortfall_and_its_recovery_cancel_in_demand() {
        let row = [0.0, 0.2];
        let during = next_demand_scale(1.0, 0.0, &row, &[0.0, 0.0], &[1.0, 0.5], &[1.0, 1.0]);
        assert!(during < 1.0);
        let after = next_demand_scale(during, 0.0, &row, &[0.0, 0.0], &[1.0, 1.0], &[1.0, 0.5]);
        assert!((after - 1.0).abs() < 1e-12);
    }
}

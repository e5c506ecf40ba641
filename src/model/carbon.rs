//! The carbon-intensity target, docs/model.md M2.13: a target path for the economy's emission
//! intensity, met by a premium on the carbon price that a proportional-integral rule sets.

/// The gains and the cap of the premium rule (M2.13).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Controller {
    /// `kappa_P`: premium per unit of the shortfall of this year's fall in intensity from the
    /// target fall (the proportional term).
    pub rate_gain: f64,
    /// `kappa_I`: premium per unit of the log gap between intensity and its path (the integral
    /// term that closes a lasting gap).
    pub level_gain: f64,
    /// `carbon_premium_max`: the premium never exceeds it (anti-windup).
    pub premium_max: f64,
}

/// M2.13: the target path one step on, `EI*(t) = EI*(t-1) (1 - target(t))`.
#[inline]
pub fn next_path(path: f64, target: f64) -> f64 {
    path * (1.0 - target)
}

/// M2.13: the premium in force next step,
/// `min(max, max(0, pi + kappa_P (target - (1 - EI(t) / EI(t-1))) + kappa_I (ln EI(t) - ln EI*(t))))`,
/// or the premium unchanged where the rule cannot be evaluated (an intensity of the last or
/// this step that is not positive and finite, or a path at 0).
#[inline]
pub fn next_premium(
    premium: f64,
    c: &Controller,
    target: f64,
    previous_intensity: f64,
    intensity: f64,
    path: f64,
) -> f64 {
    let defined =
        previous_intensity > 0.0 && intensity > 0.0 && intensity.is_finite() && path > 0.0;
    if !defined {
        return premium;
    }
    let fall = 1.0 - intensity / previous_intensity;
    let gap = intensity.ln() - path.ln();
    let raised = premium + c.rate_gain * (target - fall) + c.level_gain * gap;
    raised.max(0.0).min(c.premium_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: Controller = Controller {
        rate_gain: 0.5,
        level_gain: 0.2,
        premium_max: 1.0,
    };

    #[test]
    fn the_path_falls_by_the_target_each_year() {
        let mut path = 1.0;
        for _ in 0..30 {
            path = next_path(path, 0.034);
        }
        assert!((path - 0.966_f64.powi(30)).abs() < 1e-12);
        assert!((path - 0.354).abs() < 0.001, "about 0.354 after 30 years");
    }

    #[test]
    fn intensity_above_a_path_it_falls_too_slowly_toward_raises_the_premium() {
        // intensity flat at 1 while the path fell to 0.966: both terms push up
        let p = next_premium(0.0, &DEFAULT, 0.034, 1.0, 1.0, 0.966);
        let expected = 0.5 * 0.034 + 0.2 * (1.0_f64.ln() - 0.966_f64.ln());
        assert!((p - expected).abs() < 1e-15);
    }

    #[test]
    fn intensity_on_its_path_and_falling_at_the_target_keeps_the_premium() {
        let p = next_premium(0.1, &DEFAULT, 0.034, 1.0, 0.966, 0.966);
        assert!((p - 0.1).abs() < 1e-15);
    }

    #[test]
    fn the_premium_stays_between_zero_and_its_cap() {
        assert_eq!(next_premium(0.0, &DEFAULT, 0.0, 1.0, 0.5, 1.0), 0.0);
        assert_eq!(next_premium(0.99, &DEFAULT, 0.5, 1.0, 1.0, 0.01), 1.0);
    }

    #[test]
    fn an_undefined_intensity_leaves_the_premium_unchanged() {
        for (previous, now, path) in [
            (0.0, 1.0, 1.0),
            (1.0, 0.0, 1.0),
            (1.0, f64::NAN, 1.0),
            (1.0, 1.0, 0.0),
        ] {
            assert_eq!(next_premium(0.3, &DEFAULT, 0.034, previous, now, path), 0.3);
        }
    }
}

//! Counter-based random numbers keyed as docs/model.md §6 requires.
//!
//! No generator is shared between firms or threads. Every draw is a pure function of
//! (scenario seed, replicate, step, the firm's birth key, purpose): the key is hashed into a
//! 64-bit state and the draws of one purpose are the SplitMix64 sequence from that state,
//! which is itself counter-based (output `i` is `mix(state + i·γ)`). The result cannot depend
//! on the thread count, the chunking, or the order in which firms are stored, and two
//! scenarios that share a seed draw the same numbers for the same firm (common random numbers).
//!
//! The samplers (normal, gamma, beta, Poisson) are written here on top of [`crate::math`] so
//! that the numbers are the same on every machine; `rand_distr`'s samplers call the platform's
//! math library and would not be.

use crate::lanes::{self, F64s, U64s};
use crate::math;

/// The golden-ratio increment of SplitMix64.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser (Stafford's mix13): a bijection on `u64` with full avalanche.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Pelle Evensen's rrmxmx: a 64-bit mixer with better avalanche than the SplitMix64
/// finaliser, used for single draws, where one round must suffice.
#[inline]
pub fn rrmxmx(mut v: u64) -> u64 {
    const M: u64 = 0x9FB2_1C65_1E98_DF25;
    v ^= v.rotate_right(49) ^ v.rotate_right(24);
    v = v.wrapping_mul(M);
    v ^= v >> 28;
    v = v.wrapping_mul(M);
    v ^ (v >> 28)
}

/// The salt of a purpose: a fixed pseudo-random 64-bit number.
#[inline]
const fn salt(purpose: u64) -> u64 {
    let mut z = purpose.wrapping_add(GOLDEN_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes one more component into a key.
#[inline]
pub fn combine(key: u64, component: u64) -> u64 {
    mix64(key ^ mix64(component.wrapping_add(GOLDEN_GAMMA)))
}

/// What a draw is for: the last component of every key (docs/model.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// §5.2: does the firm innovate?
    Innovation = 1,
    /// §5.2: size `z` of the innovation.
    InnovationSize = 2,
    /// §5.3: does the firm imitate?
    Imitation = 3,
    /// §5.3: which sector's frontier it imitates.
    ImitationSource = 4,
    /// §5.3a: the idiosyncratic productivity shock.
    Shock = 5,
    /// §5.4: the digital upgrade.
    DigitalUpgrade = 6,
    /// §5.5: the green upgrade.
    GreenUpgrade = 7,
    /// §5.9: exogenous death.
    Death = 8,
    /// §5.9 / §5.11: closure under the green standard.
    StandardEnforcement = 9,
    /// Initial and entrant technology `a`.
    BirthTechnology = 10,
    /// Initial and entrant digital level `d`.
    BirthDigital = 11,
    /// Initial and entrant green level `g`.
    BirthGreen = 12,
    /// §5.12: technology of a spawned firm around its parent's.
    SpawnTechnology = 13,
    /// §5.12: the number of entrants of a sector (a sector-level draw).
    EntryCount = 14,
    /// §5.7: the yearly innovation of the transitory productivity component `e`.
    Transitory = 15,
    /// §5.7: the yearly step of the log demand shifter `xi`.
    DemandShock = 16,
    /// The transitory component of an initial firm, an entrant or a spawned firm, drawn from
    /// its stationary distribution.
    BirthTransitory = 17,
    /// Model 2 (regions): the region of an initial firm or an entrant (docs/model.md M2.9).
    Region = 101,
    /// Model 2 (platform): whether a firm contributes to its sector's platform this step.
    Contribute = 102,
}

impl Purpose {
    /// The purpose of the draw of transition rule `rule` (one independent draw per rule).
    #[inline]
    pub fn transition(rule: usize) -> u64 {
        1_000 + rule as u64
    }
}

/// Domain separators, so that keys built for different uses never coincide.
mod domain {
    pub const RUN: u64 = 0x6E71_7073_696D_0001;
    pub const INITIAL_FIRM: u64 = 0x6E71_7073_696D_0002;
    pub const ENTRANT: u64 = 0x6E71_7073_696D_0003;
    pub const SPAWN: u64 = 0x6E71_7073_696D_0004;
    pub const SECTOR: u64 = 0x6E71_7073_696D_0005;
}

/// How a firm was born, hashed into 64 bits (docs/model.md §6). Keying draws by birth rather
/// than by position or id keeps common random numbers aligned between scenarios in which
/// different numbers of firms entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthKey(pub u64);

impl BirthKey {
    /// A firm of the initial population, by its index in it.
    pub fn initial(index: u64) -> Self {
        BirthKey(combine(domain::INITIAL_FIRM, index))
    }

    /// An entrant: born in `step` into `sector`, the `slot`-th entrant of that sector then.
    pub fn entrant(step: u32, sector: usize, slot: u64) -> Self {
        BirthKey(combine(
            combine(combine(domain::ENTRANT, u64::from(step)), sector as u64),
            slot,
        ))
    }

    /// A firm spawned by `parent` under transition `rule` in `step`. docs/model.md §6 names
    /// (parent's key, rule); the step is added because a parent may spawn under the same
    /// rule in several years.
    pub fn spawned(parent: BirthKey, step: u32, rule: usize) -> Self {
        BirthKey(combine(
            combine(combine(domain::SPAWN, parent.0), u64::from(step)),
            rule as u64,
        ))
    }
}

/// The key of one replicate of one scenario: (seed, replicate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunKey(u64);

impl RunKey {
    /// The key of replicate `replicate` under scenario seed `seed`.
    pub fn new(seed: u64, replicate: u32) -> Self {
        RunKey(combine(combine(domain::RUN, seed), u64::from(replicate)))
    }

    /// The key of one step of this run.
    #[inline]
    pub fn step(self, step: u32) -> StepKey {
        StepKey(combine(self.0, u64::from(step)))
    }
}

/// The key of one step of one run: (seed, replicate, step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepKey(u64);

impl StepKey {
    /// The draws of one firm in this step.
    #[inline]
    pub fn firm(self, birth: BirthKey) -> FirmKey {
        FirmKey(combine(self.0, birth.0))
    }

    /// A sector-level stream in this step (e.g. the entry count).
    #[inline]
    pub fn sector(self, sector: usize, purpose: Purpose) -> Stream {
        Stream::new(combine(
            combine(self.0, domain::SECTOR ^ sector as u64),
            purpose as u64,
        ))
    }
}

/// The key of one firm in one step: (seed, replicate, step, birth key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FirmKey(u64);

impl FirmKey {
    /// The stream of draws for `purpose`.
    #[inline]
    pub fn stream(self, purpose: u64) -> Stream {
        Stream::new(combine(self.0, purpose))
    }

    /// One uniform draw in (0, 1) for `purpose`: one round of a strong mixer over the firm's
    /// key and a salt of the purpose (the salt is a constant, folded at compile time).
    #[inline]
    pub fn uniform(self, purpose: Purpose) -> f64 {
        to_unit(rrmxmx(self.0 ^ salt(purpose as u64)))
    }

    /// One uniform draw in (0, 1) for a transition rule.
    #[inline]
    pub fn uniform_transition(self, rule: usize) -> f64 {
        to_unit(rrmxmx(self.0 ^ salt(Purpose::transition(rule))))
    }

    /// One standard normal draw for `purpose`.
    #[inline]
    pub fn normal(self, purpose: Purpose) -> f64 {
        math::normal_quantile(self.uniform(purpose))
    }

    /// One unit-variance Laplace draw for `purpose` (scale `1/sqrt(2)`: tent-shaped like
    /// observed growth rates), by inversion of one uniform.
    #[inline]
    pub fn laplace(self, purpose: Purpose) -> f64 {
        math::laplace_quantile(self.uniform(purpose))
    }
}

/// The keys of `W` firms in one step, one per lane: [`FirmKey`]'s draws for several firms at
/// once, the same numbers lane by lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FirmKeys<const W: usize>(U64s<W>);

impl StepKey {
    /// The draws of `W` firms in this step, by their birth keys.
    #[inline(always)]
    pub fn firms<const W: usize>(self, births: U64s<W>) -> FirmKeys<W> {
        FirmKeys(U64s::combine(self.0, births))
    }
}

impl<const W: usize> FirmKeys<W> {
    /// The key of lane `l`.
    #[inline(always)]
    pub fn lane(self, l: usize) -> FirmKey {
        FirmKey(self.0.0[l])
    }

    /// [`FirmKey::uniform`] in lanes.
    #[inline(always)]
    pub fn uniform(self, purpose: Purpose) -> F64s<W> {
        self.0.xor(salt(purpose as u64)).rrmxmx().to_unit()
    }

    /// [`FirmKey::uniform_transition`] in lanes.
    #[inline(always)]
    pub fn uniform_transition(self, rule: usize) -> F64s<W> {
        self.0
            .xor(salt(Purpose::transition(rule)))
            .rrmxmx()
            .to_unit()
    }

    /// [`FirmKey::normal`] in lanes.
    #[inline(always)]
    pub fn normal(self, purpose: Purpose) -> F64s<W> {
        lanes::normal_quantile(self.uniform(purpose))
    }

    /// [`FirmKey::laplace`] in lanes.
    #[inline(always)]
    pub fn laplace(self, purpose: Purpose) -> F64s<W> {
        lanes::laplace_quantile(self.uniform(purpose))
    }
}

/// Maps 64 random bits to a uniform in the open interval (0, 1): 52 bits, centred in their
/// cell, `(k + 0.5) 2^-52` with `k < 2^52`, which is exact, so neither 0 nor 1 can occur and
/// `ln(u)` is always finite. (With 53 bits, `k + 0.5` would round for the largest `k` and 1
/// could come out.)
#[inline]
pub fn to_unit(bits: u64) -> f64 {
    // through i64: below 2^52 the value fits, and signed conversion is one instruction
    (((bits >> 12) as i64) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

/// A counter-based stream: output `i` is `mix64(state + (i + 1)·γ)`.
#[derive(Clone, Debug)]
pub struct Stream {
    state: u64,
}

impl Stream {
    /// The stream whose position 0 is determined by `key`.
    #[inline]
    pub fn new(key: u64) -> Self {
        Stream { state: key }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_bits(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// A uniform draw in (0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        to_unit(self.next_bits())
    }

    /// A standard normal draw (inverse distribution function, one uniform per draw).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        math::normal_quantile(self.uniform())
    }

    /// A Gamma(`shape`, 1) draw: Marsaglia and Tsang (2000), with the `U^(1/shape)` boost
    /// for `shape < 1`.
    pub fn gamma(&mut self, shape: f64) -> f64 {
        debug_assert!(shape > 0.0);
        if shape < 1.0 {
            let boost = math::pow(self.uniform(), 1.0 / shape);
            return self.gamma(shape + 1.0) * boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || math::ln(u) < 0.5 * x2 + d * (1.0 - v + math::ln(v)) {
                return d * v;
            }
        }
    }

    /// A Beta draw with the given `mean` and `concentration` (α = mean·κ, β = (1 − mean)·κ).
    /// A mean of exactly 0 or 1 gives exactly that value (docs/model.md §2).
    pub fn beta_mean(&mut self, mean: f64, concentration: f64) -> f64 {
        if mean <= 0.0 {
            return 0.0;
        }
        if mean >= 1.0 {
            return 1.0;
        }
        let x = self.gamma(mean * concentration);
        let y = self.gamma((1.0 - mean) * concentration);
        let sum = x + y;
        if sum > 0.0 { x / sum } else { mean }
    }

    /// A Poisson(`mean`) draw: inversion for small means, Hörmann's PTRS transformed
    /// rejection (1993) for `mean >= 10`.
    pub fn poisson(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 || mean.is_nan() {
            return 0;
        }
        if mean < 10.0 {
            // Inversion: count the uniforms whose running product stays above e^-mean.
            let limit = math::exp(-mean);
            let mut product = self.uniform();
            let mut k = 0;
            while product > limit {
                k += 1;
                product *= self.uniform();
            }
            return k;
        }
        let sqrt_mean = mean.sqrt();
        let ln_mean = math::ln(mean);
        let b = 0.931 + 2.53 * sqrt_mean;
        let a = -0.059 + 0.024_83 * b;
        let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.uniform() - 0.5;
            let v = self.uniform();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k as u64;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            let lhs = math::ln(v) + math::ln(inv_alpha) - math::ln(a / (us * us) + b);
            let rhs = -mean + k * ln_mean - math::ln_gamma(k + 1.0);
            if lhs <= rhs {
                return k as u64;
            }
        }
    }
}

impl rand::TryRng for Stream {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.next_bits() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next_bits())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_bits().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn a_draw_depends_only_on_its_key() {
        let run = RunKey::new(7, 3);
        let firm = run.step(5).firm(BirthKey::initial(11));
        let again = RunKey::new(7, 3).step(5).firm(BirthKey::initial(11));
        assert_eq!(firm.uniform(Purpose::Death), again.uniform(Purpose::Death));
        assert_ne!(
            firm.uniform(Purpose::Death),
            firm.uniform(Purpose::Innovation)
        );
        let other_step = run.step(6).firm(BirthKey::initial(11));
        assert_ne!(
            firm.uniform(Purpose::Death),
            other_step.uniform(Purpose::Death)
        );
        let other_rep = RunKey::new(7, 4).step(5).firm(BirthKey::initial(11));
        assert_ne!(
            firm.uniform(Purpose::Death),
            other_rep.uniform(Purpose::Death)
        );
    }

    #[test]
    fn draws_for_different_purposes_are_uncorrelated() {
        // Over many firms, the uniforms of two purposes have correlation ~ N(0, 1/n).
        let step = RunKey::new(3, 0).step(7);
        let n = 200_000;
        let pairs: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let firm = step.firm(BirthKey::initial(i));
                (
                    firm.uniform(Purpose::Innovation),
                    firm.uniform(Purpose::Imitation),
                )
            })
            .collect();
        let (mx, my) = (0.5, 0.5);
        let cov: f64 = pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum::<f64>() / n as f64;
        let corr = cov / (1.0 / 12.0);
        // standard error 1/sqrt(n) = 0.0022
        assert!(corr.abs() < 0.01, "correlation {corr}");
        // and each is uniform: the share below 0.1 is 0.1 within 5 standard errors
        let below = pairs.iter().filter(|(x, _)| *x < 0.1).count() as f64 / n as f64;
        assert!(
            (below - 0.1).abs() < 5.0 * (0.09f64 / n as f64).sqrt(),
            "{below}"
        );
    }

    #[test]
    fn lane_draws_are_the_draws_of_each_firm() {
        let step = RunKey::new(3, 1).step(2);
        let births = [4u64, 17, 99, 12345].map(BirthKey::initial);
        let lanes = step.firms(U64s(births.map(|b| b.0)));
        for purpose in [Purpose::Innovation, Purpose::Shock, Purpose::Transitory] {
            let (u, z, e) = (
                lanes.uniform(purpose),
                lanes.normal(purpose),
                lanes.laplace(purpose),
            );
            for (l, &birth) in births.iter().enumerate() {
                let firm = step.firm(birth);
                assert_eq!(lanes.lane(l), firm);
                assert_eq!(u.0[l].to_bits(), firm.uniform(purpose).to_bits());
                assert_eq!(z.0[l].to_bits(), firm.normal(purpose).to_bits());
                assert_eq!(e.0[l].to_bits(), firm.laplace(purpose).to_bits());
                let t = lanes.uniform_transition(2).0[l];
                assert_eq!(t.to_bits(), firm.uniform_transition(2).to_bits());
            }
        }
    }

    #[test]
    fn birth_keys_of_different_births_differ() {
        let parent = BirthKey::initial(3);
        let keys = [
            BirthKey::initial(4),
            BirthKey::entrant(2, 0, 0),
            BirthKey::entrant(2, 0, 1),
            BirthKey::entrant(2, 1, 0),
            BirthKey::spawned(parent, 2, 0),
            BirthKey::spawned(parent, 3, 0),
            BirthKey::spawned(parent, 2, 1),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn the_extreme_bits_stay_inside_the_open_interval() {
        assert!(to_unit(u64::MAX) < 1.0);
        assert!(to_unit(0) > 0.0);
        assert_eq!(to_unit(0), 0.5 / (1u64 << 52) as f64);
    }

    #[test]
    fn uniforms_are_uniform() {
        let mut s = Stream::new(42);
        let xs: Vec<f64> = (0..200_000).map(|_| s.uniform()).collect();
        assert!(xs.iter().all(|&x| x > 0.0 && x < 1.0));
        let (mean, var) = moments(&xs);
        // standard errors: 0.29/sqrt(n) = 6.5e-4 for the mean
        assert!((mean - 0.5).abs() < 0.003, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 0.002, "var {var}");
    }

    #[test]
    fn normals_have_mean_zero_and_unit_variance() {
        let mut s = Stream::new(43);
        let xs: Vec<f64> = (0..200_000).map(|_| s.normal()).collect();
        let (mean, var) = moments(&xs);
        // standard error of the mean 1/sqrt(n) = 0.0022; of the variance sqrt(2/n) = 0.0032
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "var {var}");
    }

    #[test]
    fn gamma_draws_have_the_right_mean_and_variance() {
        for shape in [0.4, 0.8, 1.0, 2.4, 3.2, 10.0] {
            let mut s = Stream::new(44);
            let xs: Vec<f64> = (0..100_000).map(|_| s.gamma(shape)).collect();
            let (mean, var) = moments(&xs);
            let se_mean = (shape / 1e5f64).sqrt();
            assert!(
                (mean - shape).abs() < 5.0 * se_mean,
                "shape {shape}: mean {mean}"
            );
            assert!(
                (var - shape).abs() / shape < 0.05,
                "shape {shape}: var {var}"
            );
        }
    }

    #[test]
    fn beta_draws_have_the_requested_mean_and_concentration() {
        for mean in [0.1, 0.2, 0.5, 0.6] {
            let mut s = Stream::new(45);
            let xs: Vec<f64> = (0..100_000).map(|_| s.beta_mean(mean, 4.0)).collect();
            assert!(xs.iter().all(|&x| (0.0..=1.0).contains(&x)));
            let (m, v) = moments(&xs);
            let expected_var = mean * (1.0 - mean) / 5.0;
            assert!((m - mean).abs() < 0.005, "mean {mean}: got {m}");
            assert!(
                (v - expected_var).abs() / expected_var < 0.05,
                "mean {mean}: var {v}"
            );
        }
        let mut s = Stream::new(1);
        assert_eq!(s.beta_mean(0.0, 4.0), 0.0);
        assert_eq!(s.beta_mean(1.0, 4.0), 1.0);
    }

    #[test]
    fn poisson_draws_have_equal_mean_and_variance() {
        for mean in [0.5, 3.0, 9.9, 10.0, 37.0, 160.0, 20_000.0] {
            let mut s = Stream::new(46);
            let xs: Vec<f64> = (0..50_000).map(|_| s.poisson(mean) as f64).collect();
            let (m, v) = moments(&xs);
            let se = (mean / 5e4f64).sqrt();
            assert!((m - mean).abs() < 5.0 * se, "mean {mean}: got {m}");
            assert!((v - mean).abs() / mean < 0.05, "mean {mean}: var {v}");
        }
        assert_eq!(Stream::new(1).poisson(0.0), 0);
    }

    #[test]
    fn beta_sampler_agrees_with_rand_distr() {
        use rand::distr::Distribution;
        // Two-sample Kolmogorov-Smirnov against rand_distr's Beta(0.8, 3.2), same stream type.
        let n = 20_000;
        let mut ours: Vec<f64> = {
            let mut s = Stream::new(47);
            (0..n).map(|_| s.beta_mean(0.2, 4.0)).collect()
        };
        let mut theirs: Vec<f64> = {
            let mut s = Stream::new(48);
            let beta = rand_distr::Beta::new(0.8, 3.2).expect("valid parameters");
            (0..n).map(|_| beta.sample(&mut s)).collect()
        };
        ours.sort_by(f64::total_cmp);
        theirs.sort_by(f64::total_cmp);
        let (mut i, mut j, mut d) = (0, 0, 0.0f64);
        while i < n && j < n {
            if ours[i] <= theirs[j] {
                i += 1;
            } else {
                j += 1;
            }
            d = d.max((i as f64 - j as f64).abs() / n as f64);
        }
        // critical value at the 0.1 % level: 1.95 * sqrt(2/n) = 0.0195
        assert!(d < 0.0195, "KS distance {d}");
    }
}

//! Lanes: the step's arithmetic on several firms at once, with the same bits as one at a time.
//!
//! [`Real`] is what the model's hot equations are written against: `f64` (one firm) and
//! [`F64s<W>`] (W firms, one per lane). Every lane operation is the IEEE 754 operation of the
//! scalar code, applied lane by lane, in the same order; Rust never contracts `a * b + c` into
//! a fused multiply-add unless asked, so a lane holds the bits the scalar code computes for
//! that firm, whatever the width and the instruction set (docs/model.md §6). Events that the
//! scalar code decides with `if` become masks and [`Real::select`]: both sides are computed
//! for all lanes, and each lane keeps the side its own test chose.
//!
//! The elementary functions here ([`exp`], [`ln`], [`logistic`], [`laplace_quantile`],
//! [`normal_quantile`]) run the operations of their scalar counterparts in [`crate::math`];
//! a lane whose input the scalar code sends to a slow path (out of range, not a normal
//! number) is recomputed by the scalar function. The keyed draws of [`crate::rng`] have lane
//! forms too ([`U64s::rrmxmx`], [`U64s::to_unit`]).
//!
//! Which level runs is chosen once per process ([`Isa::selected`]): AVX-512 (8 lanes of f64 per
//! register, with 64-bit integer multiplication in lanes for the keyed draws) where the
//! processor has it, else AVX2 (4 lanes), else SSE2 (2 lanes, every x86-64 has it), or what
//! `NQPSIM_ISA` (`scalar`, `sse2`, `avx2`, `avx512`) asks for. A pass works in tiles of several
//! registers' worth of firms ([`Isa::tile`]: 8, 16 and 16) and hands its per-chunk work to
//! [`dispatch`] as a [`Kernel`], generic in the tile's width. This module holds the only
//! `unsafe` of the dispatch.

// Lane loops index the lanes (`for l in 0..W`): the form the vectoriser turns into whole-register
// operations (iterator chains and conditional stores came out as scalar code; see the commits).
#![allow(clippy::needless_range_loop)]

use std::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};
use std::sync::OnceLock;

use crate::math;

/// Numbers the model's equations can be written for: one `f64`, or several in lanes.
pub trait Real:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
{
    /// The lanes' truth values (a `bool` for one lane).
    type Mask: Copy
        + BitAnd<Output = Self::Mask>
        + BitOr<Output = Self::Mask>
        + Not<Output = Self::Mask>;
    /// `x` in every lane.
    fn splat(x: f64) -> Self;
    /// `self < other`, lane by lane.
    fn lt(self, other: Self) -> Self::Mask;
    /// `self <= other`, lane by lane.
    fn le(self, other: Self) -> Self::Mask;
    /// `self > other`, lane by lane.
    fn gt(self, other: Self) -> Self::Mask;
    /// `self >= other`, lane by lane.
    fn ge(self, other: Self) -> Self::Mask;
    /// `yes` where `mask` holds, `no` elsewhere.
    fn select(mask: Self::Mask, yes: Self, no: Self) -> Self;
    /// Whether `mask` holds in any lane.
    fn any(mask: Self::Mask) -> bool;
    /// `f64::max`, lane by lane.
    fn max(self, other: Self) -> Self;
    /// `f64::min`, lane by lane.
    fn min(self, other: Self) -> Self;
    /// `f64::abs`, lane by lane.
    fn abs(self) -> Self;
    /// `f64::sqrt`, lane by lane (correctly rounded, as IEEE 754 requires).
    fn sqrt(self) -> Self;
    /// [`math::exp`], lane by lane.
    fn exp(self) -> Self;
    /// [`math::ln`], lane by lane.
    fn ln(self) -> Self;
    /// [`math::pow_positive`], lane by lane.
    fn pow_positive(self, y: Self) -> Self;
}

impl Real for f64 {
    type Mask = bool;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn lt(self, other: Self) -> bool {
        self < other
    }
    #[inline(always)]
    fn le(self, other: Self) -> bool {
        self <= other
    }
    #[inline(always)]
    fn gt(self, other: Self) -> bool {
        self > other
    }
    #[inline(always)]
    fn ge(self, other: Self) -> bool {
        self >= other
    }
    #[inline(always)]
    fn select(mask: bool, yes: Self, no: Self) -> Self {
        if mask { yes } else { no }
    }
    #[inline(always)]
    fn any(mask: bool) -> bool {
        mask
    }
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        f64::max(self, other)
    }
    #[inline(always)]
    fn min(self, other: Self) -> Self {
        f64::min(self, other)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f64::abs(self)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        math::exp(self)
    }
    #[inline(always)]
    fn ln(self) -> Self {
        math::ln(self)
    }
    #[inline(always)]
    fn pow_positive(self, y: Self) -> Self {
        math::pow_positive(self, y)
    }
}

/// `W` numbers, one per lane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct F64s<const W: usize>(pub [f64; W]);

/// `W` 64-bit words, one per lane: keys and random bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U64s<const W: usize>(pub [u64; W]);

/// `W` truth values, one per lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mask<const W: usize>(pub [bool; W]);

impl<const W: usize> F64s<W> {
    /// The lanes `f(0), f(1), ...`: e.g. a per-sector parameter gathered for each lane's firm.
    #[inline(always)]
    pub fn from_fn(mut f: impl FnMut(usize) -> f64) -> Self {
        let mut out = [0.0; W];
        for l in 0..W {
            out[l] = f(l);
        }
        F64s(out)
    }

    /// Lanes `start..start + W` of `values`.
    #[inline(always)]
    pub fn load(values: &[f64], start: usize) -> Self {
        F64s(values[start..start + W].try_into().expect("W values"))
    }

    /// Writes the lanes to `values[start..start + W]`.
    #[inline(always)]
    pub fn store(self, values: &mut [f64], start: usize) {
        values[start..start + W].copy_from_slice(&self.0);
    }

    #[inline(always)]
    fn map(self, f: impl Fn(f64) -> f64) -> Self {
        let mut out = [0.0; W];
        for l in 0..W {
            out[l] = f(self.0[l]);
        }
        F64s(out)
    }

    #[inline(always)]
    fn zip(self, other: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        let mut out = [0.0; W];
        for l in 0..W {
            out[l] = f(self.0[l], other.0[l]);
        }
        F64s(out)
    }

    #[inline(always)]
    fn test(self, other: Self, f: impl Fn(f64, f64) -> bool) -> Mask<W> {
        let mut out = [false; W];
        for l in 0..W {
            out[l] = f(self.0[l], other.0[l]);
        }
        Mask(out)
    }

    /// The bits of each lane.
    #[inline(always)]
    pub fn to_bits(self) -> U64s<W> {
        let mut out = [0; W];
        for l in 0..W {
            out[l] = self.0[l].to_bits();
        }
        U64s(out)
    }
}

impl<const W: usize> Mask<W> {
    /// The lanes `f(0), f(1), ...`.
    #[inline(always)]
    pub fn from_fn(mut f: impl FnMut(usize) -> bool) -> Self {
        let mut out = [false; W];
        for l in 0..W {
            out[l] = f(l);
        }
        Mask(out)
    }
}

macro_rules! lane_ops {
    ($($trait:ident $method:ident $op:tt;)+) => {$(
        impl<const W: usize> $trait for F64s<W> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, other: Self) -> Self {
                self.zip(other, |x, y| x $op y)
            }
        }
        impl<const W: usize> $trait<f64> for F64s<W> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, other: f64) -> Self {
                self.map(|x| x $op other)
            }
        }
        impl<const W: usize> $trait<F64s<W>> for f64 {
            type Output = F64s<W>;
            #[inline(always)]
            fn $method(self, other: F64s<W>) -> F64s<W> {
                other.map(|y| self $op y)
            }
        }
    )+};
}

lane_ops! {
    Add add +;
    Sub sub -;
    Mul mul *;
    Div div /;
}

impl<const W: usize> Neg for F64s<W> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        self.map(|x| -x)
    }
}

macro_rules! mask_ops {
    ($($trait:ident $method:ident $op:tt;)+) => {$(
        impl<const W: usize> $trait for Mask<W> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, other: Self) -> Self {
                let mut out = [false; W];
                for l in 0..W {
                    out[l] = self.0[l] $op other.0[l];
                }
                Mask(out)
            }
        }
    )+};
}

mask_ops! {
    BitAnd bitand &;
    BitOr bitor |;
}

impl<const W: usize> Not for Mask<W> {
    type Output = Self;
    #[inline(always)]
    fn not(self) -> Self {
        let mut out = [false; W];
        for l in 0..W {
            out[l] = !self.0[l];
        }
        Mask(out)
    }
}

impl<const W: usize> Real for F64s<W> {
    type Mask = Mask<W>;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        F64s([x; W])
    }
    #[inline(always)]
    fn lt(self, other: Self) -> Mask<W> {
        self.test(other, |x, y| x < y)
    }
    #[inline(always)]
    fn le(self, other: Self) -> Mask<W> {
        self.test(other, |x, y| x <= y)
    }
    #[inline(always)]
    fn gt(self, other: Self) -> Mask<W> {
        self.test(other, |x, y| x > y)
    }
    #[inline(always)]
    fn ge(self, other: Self) -> Mask<W> {
        self.test(other, |x, y| x >= y)
    }
    #[inline(always)]
    fn select(mask: Mask<W>, yes: Self, no: Self) -> Self {
        // one expression per lane, which becomes a blend (a conditional store would not)
        let mut out = [0.0; W];
        for l in 0..W {
            out[l] = if mask.0[l] { yes.0[l] } else { no.0[l] };
        }
        F64s(out)
    }
    #[inline(always)]
    fn any(mask: Mask<W>) -> bool {
        mask.0.iter().fold(false, |a, &b| a | b)
    }
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        self.zip(other, f64::max)
    }
    #[inline(always)]
    fn min(self, other: Self) -> Self {
        self.zip(other, f64::min)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        self.map(f64::abs)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        self.map(f64::sqrt)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        exp_lanes(self)
    }
    #[inline(always)]
    fn ln(self) -> Self {
        ln_lanes(self)
    }
    #[inline(always)]
    fn pow_positive(self, y: Self) -> Self {
        // One whole exponent for every lane (a sector's sigma - 1, or sectors that share
        // it): the scalar code's multiplications, in lanes. Otherwise lane by lane.
        let n = y.0[0];
        if y.0.iter().all(|&e| e == n) && n == n.floor() && (0.0..=64.0).contains(&n) {
            let mut n = n as u32;
            let (mut base, mut result) = (self, Self::splat(1.0));
            while n > 0 {
                if n & 1 == 1 {
                    result = result * base;
                }
                base = base * base;
                n >>= 1;
            }
            result
        } else {
            self.zip(y, math::pow_positive)
        }
    }
}

/// `e^x` in lanes: [`math::exp`]'s operations, with the table look-up per lane; a lane out of
/// its fast range (or with a result outside the normal numbers) is recomputed by it.
#[inline(always)]
fn exp_lanes<const W: usize>(x: F64s<W>) -> F64s<W> {
    const INV_LN2_64: f64 = 92.332_482_616_893_66;
    const LN2_64_HI: f64 = 0.010_830_424_667_801_708;
    const LN2_64_LO: f64 = 2.844_743_747_662_728_5e-11;
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let inside = x.gt(F64s::splat(-745.2)) & x.lt(F64s::splat(709.79));
    let xc = F64s::select(inside, x, F64s::splat(0.0));
    let t = xc * INV_LN2_64 + ROUND;
    let kf = t - ROUND;
    // kf is a whole number of magnitude below 2^17, and t = 1.5 2^52 + kf exactly: the low
    // bits of t are kf as an integer (what `kf as i64` gives)
    let mut k = [0i64; W];
    for (k, t) in k.iter_mut().zip(t.0) {
        *k = (t.to_bits() as i64).wrapping_sub(ROUND.to_bits() as i64);
    }
    let r = (xc - kf * LN2_64_HI) - kf * LN2_64_LO;
    let p = r + r
        * r
        * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0)))));
    let table = F64s::from_fn(|l| math::EXP2_TABLE[(k[l] & 63) as usize]);
    let mantissa = table + table * p;
    let mut scale = [0.0; W];
    let mut slow = !inside;
    for l in 0..W {
        let m = k[l] >> 6;
        slow.0[l] |= !(-1022..=1023).contains(&m);
        scale[l] = f64::from_bits(((m + 1023) as u64 & 0x7ff) << 52);
    }
    let mut out = mantissa * F64s(scale);
    if F64s::<W>::any(slow) {
        for l in 0..W {
            if slow.0[l] {
                out.0[l] = math::exp(x.0[l]);
            }
        }
    }
    out
}

/// `ln x` in lanes: [`math::ln`]'s operations; a lane that is not a normal positive number is
/// recomputed by it.
#[inline(always)]
fn ln_lanes<const W: usize>(x: F64s<W>) -> F64s<W> {
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const LG1: f64 = 6.666_666_666_666_735e-1;
    const LG2: f64 = 3.999_999_999_940_942e-1;
    const LG3: f64 = 2.857_142_874_366_239e-1;
    const LG4: f64 = 2.222_219_843_214_978_4e-1;
    const LG5: f64 = 1.818_357_216_161_805e-1;
    const LG6: f64 = 1.531_383_769_920_937_3e-1;
    const LG7: f64 = 1.479_819_860_511_658_6e-1;
    let mut slow = Mask([false; W]);
    let mut f = [0.0; W];
    let mut dk = [0.0; W];
    for l in 0..W {
        let bits = x.0[l].to_bits();
        let hx = (bits >> 32) as u32;
        let normal = (0x0010_0000..0x7ff0_0000).contains(&hx);
        slow.0[l] = !normal;
        let bits = if normal { bits } else { 1.0f64.to_bits() };
        let hx = (bits >> 32) as u32 + (0x3ff0_0000 - 0x3fe6_a09e);
        let k = (hx >> 20) as i32 - 0x3ff;
        let hx = (hx & 0x000f_ffff) + 0x3fe6_a09e;
        f[l] = f64::from_bits((u64::from(hx) << 32) | (bits & 0xffff_ffff)) - 1.0;
        dk[l] = f64::from(k);
    }
    let (f, dk) = (F64s(f), F64s(dk));
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let mut out = s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI;
    if F64s::<W>::any(slow) {
        for l in 0..W {
            if slow.0[l] {
                out.0[l] = math::ln(x.0[l]);
            }
        }
    }
    out
}

/// [`math::exp`] for one number or for lanes.
#[inline(always)]
pub fn exp<V: Real>(x: V) -> V {
    x.exp()
}

/// [`math::ln`] for one number or for lanes.
#[inline(always)]
pub fn ln<V: Real>(x: V) -> V {
    x.ln()
}

/// [`math::logistic`], `1 / (1 + e^-x)`, for one number or for lanes: both of its branches
/// from one exponential `e^-|x|`, each lane keeping its own.
#[inline(always)]
pub fn logistic<V: Real>(x: V) -> V {
    let one = V::splat(1.0);
    let e = exp(-x.abs()); // e^-x where x >= 0, e^x below
    V::select(x.ge(V::splat(0.0)), one / (one + e), e / (one + e))
}

/// [`math::laplace_quantile`] for one number or for lanes.
#[inline(always)]
pub fn laplace_quantile<V: Real>(p: V) -> V {
    const SCALE: f64 = std::f64::consts::FRAC_1_SQRT_2;
    let q = p - 0.5;
    let magnitude = ln(V::splat(1.0) - q.abs() * 2.0) * -SCALE;
    V::select(q.lt(V::splat(0.0)), -magnitude, magnitude)
}

/// [`math::normal_quantile`] for one number or for lanes: the central region for every lane,
/// the tails only when a lane needs them.
#[inline(always)]
pub fn normal_quantile<V: Real>(p: V) -> V {
    let zero = V::splat(0.0);
    let q = p - 0.5;
    let central = q.abs().le(V::splat(0.425));
    let r = V::splat(0.180625) - q * q;
    let value = q * horner(&math::AS241_CENTRAL_NUM, r) / horner(&math::AS241_CENTRAL_DEN, r);
    if !V::any(!central) {
        return value;
    }
    let below = q.lt(zero);
    let tail = V::select(below, p, V::splat(1.0) - p);
    // central lanes take a harmless tail of 1/2
    let tail = V::select(central, V::splat(0.5), tail);
    let r = (-ln(tail)).sqrt();
    let near = r.le(V::splat(5.0));
    let rn = r - 1.6;
    let mut magnitude = horner(&math::AS241_NEAR_NUM, rn) / horner(&math::AS241_NEAR_DEN, rn);
    if V::any(!near) {
        let rf = r - 5.0;
        let far = horner(&math::AS241_FAR_NUM, rf) / horner(&math::AS241_FAR_DEN, rf);
        magnitude = V::select(near, magnitude, far);
    }
    let tail_value = V::select(below, -magnitude, magnitude);
    V::select(central, value, tail_value)
}

/// [`math::horner`] for one number or for lanes.
#[inline(always)]
fn horner<V: Real>(coefficients: &[f64; 8], x: V) -> V {
    coefficients
        .iter()
        .fold(V::splat(0.0), |acc, &c| acc * x + c)
}

impl<const W: usize> U64s<W> {
    /// `x` in every lane.
    #[inline(always)]
    pub fn splat(x: u64) -> Self {
        U64s([x; W])
    }

    /// The lanes `f(0), f(1), ...`.
    #[inline(always)]
    pub fn from_fn(mut f: impl FnMut(usize) -> u64) -> Self {
        let mut out = [0; W];
        for l in 0..W {
            out[l] = f(l);
        }
        U64s(out)
    }

    #[inline(always)]
    fn map(self, f: impl Fn(u64) -> u64) -> Self {
        // a loop, not `array::map`, whose closure was left out of line (and so compiled
        // without the caller's instruction set)
        let mut out = [0; W];
        for l in 0..W {
            out[l] = f(self.0[l]);
        }
        U64s(out)
    }

    /// Lane-wise `^`.
    #[inline(always)]
    pub fn xor(self, x: u64) -> Self {
        self.map(|v| v ^ x)
    }

    /// [`crate::rng::mix64`], lane by lane.
    #[inline(always)]
    pub fn mix64(self) -> Self {
        let z = self.map(|z| (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9));
        let z = z.map(|z| (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB));
        z.map(|z| z ^ (z >> 31))
    }

    /// [`crate::rng::combine`] of each lane with its component.
    #[inline(always)]
    pub fn combine(key: u64, component: Self) -> Self {
        let mixed = component
            .map(|c| c.wrapping_add(0x9E37_79B9_7F4A_7C15))
            .mix64();
        mixed.map(|m| key ^ m).mix64()
    }

    /// [`crate::rng::rrmxmx`], lane by lane.
    #[inline(always)]
    pub fn rrmxmx(self) -> Self {
        const M: u64 = 0x9FB2_1C65_1E98_DF25;
        let v = self.map(|v| v ^ v.rotate_right(49) ^ v.rotate_right(24));
        let v = v.map(|v| v.wrapping_mul(M));
        let v = v.map(|v| (v ^ (v >> 28)).wrapping_mul(M));
        v.map(|v| v ^ (v >> 28))
    }

    /// [`crate::rng::to_unit`], lane by lane: the top 52 bits `k` as `(k + 0.5) 2^-52`, with
    /// `k` converted exactly through the bits of `2^52 + k`.
    #[inline(always)]
    pub fn to_unit(self) -> F64s<W> {
        const TWO_52: f64 = 4_503_599_627_370_496.0;
        let mut k = F64s([0.0; W]);
        for l in 0..W {
            k.0[l] = f64::from_bits(TWO_52.to_bits() | (self.0[l] >> 12)) - TWO_52;
        }
        (k + 0.5) * (1.0 / (1u64 << 52) as f64)
    }
}

/// The group (sector) of each lane's firm, for gathering per-group values: one look-up for
/// the whole tile when every lane is in the same group (most tiles: firms are stored by sector
/// at the start), else one per lane.
#[derive(Clone, Copy, Debug)]
pub struct Groups<const W: usize> {
    /// The group of each lane.
    pub of: [usize; W],
    /// The group of every lane, when they are all one.
    pub one: Option<usize>,
}

impl<const W: usize> Groups<W> {
    /// The groups `of` of the lanes.
    #[inline(always)]
    pub fn new(of: [usize; W]) -> Self {
        let one = of.iter().all(|&j| j == of[0]).then_some(of[0]);
        Groups { of, one }
    }

    /// `get` of each lane's group.
    #[inline(always)]
    pub fn gather(&self, get: impl Fn(usize) -> f64) -> F64s<W> {
        match self.one {
            Some(j) => F64s::splat(get(j)),
            None => F64s::from_fn(|l| get(self.of[l])),
        }
    }
}

/// The instruction sets a pass can run on, narrowest first.
///
/// A pass works in tiles of [`Isa::tile`] firms: several registers' worth of lanes, so that
/// what a tile does once (gather its sector's values, test whether any lane needs an event,
/// branch) is shared by more firms. Measured at 10^6 firms on one thread (docs/performance.md):
/// a tile of one register (2 / 4 / 8 firms) cost 218 / 195 / 200 ns per firm-step, of four
/// AVX2 or two AVX-512 registers (16 firms) 172 / 149; wider tiles spill registers and lose
/// again (32 firms with AVX2: 190, with AVX-512: 155; 16 with SSE2: 250).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    /// One firm at a time (the reference; any processor).
    Scalar,
    /// SSE2, 2 lanes per register (every x86-64; elsewhere the same code without vector
    /// registers), tiles of 8 firms.
    Sse2,
    /// AVX2, 4 lanes per register, tiles of 16 firms.
    Avx2,
    /// AVX-512 (foundation, DQ and VL), 8 lanes per register, tiles of 16 firms.
    Avx512,
}

/// Firms per tile with SSE2 (see [`Isa`]).
const TILE_SSE2: usize = 8;
/// Firms per tile with AVX2.
const TILE_AVX2: usize = 16;
/// Firms per tile with AVX-512.
const TILE_AVX512: usize = 16;

impl Isa {
    /// Every level, narrowest first.
    pub const ALL: [Isa; 4] = [Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Avx512];

    /// Firms per tile: the `W` a [`Kernel`] runs with at this level.
    pub fn tile(self) -> usize {
        match self {
            Isa::Scalar => 1,
            Isa::Sse2 => TILE_SSE2,
            Isa::Avx2 => TILE_AVX2,
            Isa::Avx512 => TILE_AVX512,
        }
    }

    /// The name `NQPSIM_ISA` takes.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Sse2 => "sse2",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// Whether this processor can run the level.
    pub fn supported(self) -> bool {
        match self {
            Isa::Scalar | Isa::Sse2 => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx2 | Isa::Avx512 => false,
        }
    }

    /// The widest level this processor runs.
    pub fn best() -> Isa {
        *Isa::ALL
            .iter()
            .rev()
            .find(|isa| isa.supported())
            .expect("scalar is always supported")
    }

    /// The level asked for by `value` (a value of `NQPSIM_ISA`), if it names one this
    /// processor runs; an error that says why not otherwise.
    pub fn parse(value: &str) -> Result<Isa, String> {
        let isa = Isa::ALL
            .into_iter()
            .find(|isa| isa.name() == value.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!("NQPSIM_ISA is `{value}`, but must be scalar, sse2, avx2 or avx512")
            })?;
        if isa.supported() {
            Ok(isa)
        } else {
            Err(format!(
                "NQPSIM_ISA is `{value}`, but this processor does not run it"
            ))
        }
    }

    /// The level of this process: `NQPSIM_ISA` if set, else [`Isa::best`]; read once. An
    /// unknown or unsupported `NQPSIM_ISA` falls back to [`Isa::best`] with a warning on
    /// stderr (the output bytes are the same at every level).
    pub fn selected() -> Isa {
        static SELECTED: OnceLock<Isa> = OnceLock::new();
        *SELECTED.get_or_init(|| match std::env::var("NQPSIM_ISA") {
            Ok(value) => Isa::parse(&value).unwrap_or_else(|why| {
                eprintln!("warning: {why}; using {}", Isa::best().name());
                Isa::best()
            }),
            Err(_) => Isa::best(),
        })
    }
}

/// Per-chunk work of a pass, written once for tiles of any number of firms `W`, one per lane:
/// `run::<1>` is the scalar reference, and wider runs give the same bits. Implementations mark
/// `run` `#[inline(always)]` so that it is compiled for the instruction set [`dispatch`]
/// enables.
pub trait Kernel {
    /// What the work returns.
    type Output;
    /// Does the work in tiles of `W` firms.
    fn run<const W: usize>(self) -> Self::Output;
}

/// Runs `kernel` at the level `isa` (see [`Isa::selected`]).
#[inline]
pub fn dispatch<K: Kernel>(isa: Isa, kernel: K) -> K::Output {
    match isa {
        Isa::Scalar => kernel.run::<1>(),
        Isa::Sse2 => kernel.run::<TILE_SSE2>(),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 if Isa::Avx2.supported() => {
            // SAFETY: the processor has AVX2 (checked just above).
            unsafe { run_avx2(kernel) }
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if Isa::Avx512.supported() => {
            // SAFETY: the processor has AVX-512 F, DQ and VL (checked just above).
            unsafe { run_avx512(kernel) }
        }
        Isa::Avx2 | Isa::Avx512 => kernel.run::<TILE_SSE2>(),
    }
}

/// `kernel` in tiles of [`TILE_AVX2`] firms, compiled for AVX2.
///
/// # Safety
/// The processor must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<K: Kernel>(kernel: K) -> K::Output {
    kernel.run::<TILE_AVX2>()
}

/// `kernel` in tiles of [`TILE_AVX512`] firms, compiled for AVX-512 (F, DQ, VL: `vpmullq`
/// multiplies the keyed draws' 64-bit words in lanes).
///
/// # Safety
/// The processor must support AVX-512 F, DQ and VL.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512dq,avx512vl")]
unsafe fn run_avx512<K: Kernel>(kernel: K) -> K::Output {
    kernel.run::<TILE_AVX512>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic spread of points: `n` uniform in `[lo, hi]`.
    fn points(lo: f64, hi: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = crate::rng::mix64(state.wrapping_add(0x9E37_79B9_7F4A_7C15));
                lo + (hi - lo) * crate::rng::to_unit(state)
            })
            .collect()
    }

    /// Edge cases every lane function must get right: zeros, infinities, NaN, subnormals,
    /// the ends of the fast ranges.
    fn edges() -> Vec<f64> {
        vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            -f64::MAX,
            709.78,
            709.79,
            709.8,
            -745.13,
            -745.2,
            -745.3,
            -708.4,
            -740.0,
            1e-300,
            1.0 - 1e-16,
            1.0 + 2e-16,
        ]
    }

    /// `lane` and `scalar` agree bit for bit on every input, in tiles of 16 (the widest tile
    /// of [`Isa::tile`]; NaN for NaN).
    fn same_bits(inputs: &[f64], scalar: impl Fn(f64) -> f64, lane: impl Fn(F64s<16>) -> F64s<16>) {
        fn check(x: f64, got: f64, want: f64) {
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "input {x:e}: lanes {got:e}, scalar {want:e}"
            );
        }
        for chunk in inputs.chunks(16) {
            let mut lanes = [0.5; 16];
            lanes[..chunk.len()].copy_from_slice(chunk);
            let out = lane(F64s(lanes));
            for (l, &x) in chunk.iter().enumerate() {
                check(x, out.0[l], scalar(x));
            }
        }
    }

    fn inputs(lo: f64, hi: f64) -> Vec<f64> {
        let mut v = points(lo, hi, 200_000, 1);
        v.extend(edges());
        v
    }

    #[test]
    fn lane_exp_is_the_scalar_exp_bit_for_bit() {
        let mut x = inputs(-750.0, 712.0);
        x.extend(points(-1.0, 1.0, 100_000, 2));
        x.extend(points(-1e-5, 1e-5, 10_000, 3));
        same_bits(&x, math::exp, exp);
        same_bits(&x, math::exp, exp_lanes::<16>);
        for v in x.chunks(4) {
            if let [a, b, c, d] = *v {
                let out = exp(F64s([a, b, c, d]));
                assert_eq!(out.0[2].to_bits(), math::exp(c).to_bits());
            }
        }
    }

    #[test]
    fn lane_ln_is_the_scalar_ln_bit_for_bit() {
        let mut x = inputs(1e-300, 1e300);
        x.extend(points(0.5, 2.0, 100_000, 4));
        x.extend(points(-1.0, 1e-300, 1_000, 5));
        same_bits(&x, math::ln, ln);
    }

    #[test]
    fn lane_logistic_is_the_scalar_logistic_bit_for_bit() {
        let x = inputs(-800.0, 800.0);
        same_bits(&x, math::logistic, logistic);
        same_bits(&x, math::logistic, |v| F64s(v.0.map(logistic::<f64>)));
        same_bits(&points(-5.0, 5.0, 100_000, 6), math::logistic, logistic);
    }

    #[test]
    fn lane_quantiles_are_the_scalar_quantiles_bit_for_bit() {
        let mut p = points(0.0, 1.0, 200_000, 7);
        // the extreme uniforms a draw can give, and the region boundaries
        p.extend([
            crate::rng::to_unit(0),
            crate::rng::to_unit(u64::MAX),
            0.075,
            0.925,
            0.5,
            1e-11,
            1.0 - 1e-11,
            1e-15,
        ]);
        p.extend(points(0.0, 1e-9, 10_000, 8));
        same_bits(&p, math::normal_quantile, normal_quantile);
        same_bits(&p, math::normal_quantile, |v| {
            F64s(v.0.map(normal_quantile::<f64>))
        });
        same_bits(&p, math::laplace_quantile, laplace_quantile);
        same_bits(&p, math::laplace_quantile, |v| {
            F64s(v.0.map(laplace_quantile::<f64>))
        });
    }

    #[test]
    fn lane_draws_are_the_scalar_draws() {
        let words: Vec<u64> = (0..10_000u64)
            .map(crate::rng::mix64)
            .chain([0, u64::MAX, 1 << 63, 4095, 4096])
            .collect();
        for chunk in words.chunks(4) {
            let mut w = [7u64; 4];
            w[..chunk.len()].copy_from_slice(chunk);
            let lanes = U64s(w);
            for l in 0..4 {
                assert_eq!(lanes.mix64().0[l], crate::rng::mix64(w[l]));
                assert_eq!(lanes.rrmxmx().0[l], crate::rng::rrmxmx(w[l]));
                assert_eq!(
                    lanes.to_unit().0[l].to_bits(),
                    crate::rng::to_unit(w[l]).to_bits()
                );
                assert_eq!(
                    U64s::combine(0x1234, lanes).0[l],
                    crate::rng::combine(0x1234, w[l])
                );
            }
        }
    }

    #[test]
    fn lane_powers_are_the_scalar_powers() {
        let x = points(0.01, 3.0, 4_000, 9);
        for y in [0.0, 1.0, 3.0, 2.5, 64.0, 65.0] {
            same_bits(
                &x,
                |x| math::pow_positive(x, y),
                |v| v.pow_positive(F64s::splat(y)),
            );
        }
        // lanes with different exponents
        let v = F64s([0.5, 0.7, 1.3, 2.0]);
        let y = F64s([3.0, 2.0, 1.5, 3.0]);
        let out = v.pow_positive(y);
        for l in 0..4 {
            assert_eq!(out.0[l], math::pow_positive(v.0[l], y.0[l]));
        }
    }

    #[test]
    fn every_supported_level_can_be_forced_and_unknown_ones_are_refused() {
        assert_eq!(Isa::parse("scalar"), Ok(Isa::Scalar));
        assert_eq!(Isa::parse(" SSE2 "), Ok(Isa::Sse2));
        assert!(Isa::parse("avx1024").is_err());
        assert_eq!(Isa::parse("avx512").is_ok(), Isa::Avx512.supported());
        assert!(Isa::best().supported());
        struct Width;
        impl Kernel for Width {
            type Output = usize;
            fn run<const W: usize>(self) -> usize {
                W
            }
        }
        for isa in Isa::ALL {
            if isa.supported() {
                assert_eq!(dispatch(isa, Width), isa.tile(), "{}", isa.name());
            }
        }
        assert_eq!(dispatch(Isa::Scalar, Width), 1);
        assert_eq!(dispatch(Isa::Sse2, Width), 8);
        if Isa::Avx2.supported() {
            assert_eq!(dispatch(Isa::Avx2, Width), 16);
        }
        if Isa::Avx512.supported() {
            assert_eq!(dispatch(Isa::Avx512, Width), 16);
        }
    }
}

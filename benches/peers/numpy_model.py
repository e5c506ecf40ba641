"""A vectorised NumPy implementation of the nqpsim model, written from docs/model.md.

This is "what an economist would write instead" of nqpsim: the model of docs/model.md
(model version 1) in plain NumPy, struct-of-arrays (one array per firm attribute), vectorised
over firms. Python loops run only over sectors, transition rules, replicates and steps.

Scope: the three-tier baseline of the document (parameters §3.1-§3.2, matrices W and B §3.3,
the three default transition rules §3.4) under levers that are constant over time (§4.1, no
schedules §4.4 and no budget cap §4.3). The default policy is the document's: carbon price
0.02 and nothing else. Any number of firms, steps and replicates.

Random numbers come from NumPy's own generator (`np.random.default_rng`, PCG64), one
independent stream per replicate, not from nqpsim's keyed draws (§6): the model is the same,
the random numbers are not, so results agree in distribution, not bit for bit.

Layout: the firms of a sector are stored contiguously, sectors in order, so that a sector is a
slice `starts[j]:starts[j+1]` of every array. Per-sector statistics that need a sector's own
values (quantiles, maxima) use the slices; per-sector sums use np.bincount. Sector-level
constants are computed on the few sector values first and then expanded to the firms once
(`_expand`, an np.repeat over the contiguous sectors), rather than per parameter. The next
population is assembled sector by sector into a reused set of buffers (§5.12).

Usage:  python numpy_model.py --firms 2000 --steps 30 --replicates 4 --seed 1
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np

# --------------------------------------------------------------------------------------------
# Parameters (§3) and levers (§4.1)
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Rule:
    """One transition rule (§3.4)."""

    kind: str  # "switch" or "spawn"
    src: int  # `from` sector index
    dst: int  # `to` sector index
    probability: float
    d_min: float = 0.0
    tfp_condition: str | None = None  # from_median, from_frontier, to_median, to_frontier
    scale_by_digital: bool = False


def _v(*xs):
    return np.array(xs, dtype=float)


@dataclasses.dataclass
class Params:
    """Every parameter of the baseline scenario; per-sector values are arrays in sector order."""

    names: tuple = ("traditional", "emerging", "future")
    # §3.1, per sector (traditional / emerging / future)
    firm_share: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.80, 0.17, 0.03))
    output_share: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.80, 0.17, 0.03))
    tfp_mean: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.00, 0.15, 0.05))
    tfp_sd: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.25, 0.30, 0.40))
    rho: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.015, 0.05, 0.10))
    lam: np.ndarray = dataclasses.field(default_factory=lambda: _v(7.0, 7.0, 5.0))
    mu_z: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.00, 0.01, 0.00))
    sigma_z: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.04, 0.06, 0.12))
    kappa: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.3, 0.3, 0.3))
    theta: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.5, 0.8, 1.0))
    mu: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.10, 0.15, 0.20))
    chi: np.ndarray = dataclasses.field(default_factory=lambda: _v(1.0, 1.0, 1.0))
    digital_init: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.2, 0.5, 0.6))
    green_init: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.1, 0.3, 0.3))
    digital_cost: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.5, 0.5, 0.5))
    green_cost: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.4, 0.4, 0.4))
    e: np.ndarray = dataclasses.field(default_factory=lambda: _v(1.0, 0.3, 0.2))
    gamma: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.01, 0.05, 0.08))
    eta: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.5, 0.8, 0.9))
    sigma: np.ndarray = dataclasses.field(default_factory=lambda: _v(4.0, 4.0, 4.0))
    adj: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.5, 0.5, 0.5))
    entry_rate: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.02, 0.04, 0.08))
    entry_tfp_gap: np.ndarray = dataclasses.field(default_factory=lambda: _v(-0.05, 0.00, 0.05))
    death_rate: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.01, 0.01, 0.02))
    shock_sd: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.0, 0.0, 0.0))
    entry_size: np.ndarray = dataclasses.field(default_factory=lambda: _v(1.0, 1.0, 1.0))
    spawn_tfp_sd: np.ndarray = dataclasses.field(default_factory=lambda: _v(0.1, 0.1, 0.1))
    # §3.2, global
    delta_D: float = 0.2
    mu_amp: float = 1.0
    q: float = 0.9  # frontier_quantile
    exit_share: float = 0.1
    u: float = 0.1  # upgrade_step
    H: float = 5.0
    p_max: float = 0.5
    beta_net: float = 3.0
    beta_peer: float = 4.0
    min_margin: float = 0.01
    # §3.3, rows receive, columns give
    W: np.ndarray = dataclasses.field(
        default_factory=lambda: np.array([[0.20, 0.15, 0.03], [0.02, 0.25, 0.10], [0.00, 0.05, 0.20]])
    )
    B: np.ndarray = dataclasses.field(
        default_factory=lambda: np.array([[0.0, 0.20, 0.05], [0.0, 0.0, 0.10], [0.0, 0.0, 0.0]])
    )
    # §3.4, default rules
    rules: list = dataclasses.field(
        default_factory=lambda: [
            Rule("switch", 0, 1, 0.02, d_min=0.4, tfp_condition="from_median"),
            Rule("spawn", 0, 1, 0.01, scale_by_digital=True),
            Rule("spawn", 1, 2, 0.01, scale_by_digital=True),
        ]
    )
    # §4.1, levers (constant over time here)
    rd_subsidy: np.ndarray = dataclasses.field(default_factory=lambda: _v(0, 0, 0))
    digital_subsidy: np.ndarray = dataclasses.field(default_factory=lambda: _v(0, 0, 0))
    green_subsidy: np.ndarray = dataclasses.field(default_factory=lambda: _v(0, 0, 0))
    entry_subsidy: np.ndarray = dataclasses.field(default_factory=lambda: _v(0, 0, 0))
    talent: np.ndarray = dataclasses.field(default_factory=lambda: _v(0, 0, 0))
    green_standard: np.ndarray = dataclasses.field(default_factory=lambda: _v(0, 0, 0))
    standard_enforcement: float = 1.0
    carbon_price: float = 0.02  # tau
    data_openness: float = 0.0  # omega
    targeting: str = "inclusive"  # inclusive, selective, laggards
    targeting_quantile: float = 0.75


# Metrics written per step and sector (the last column is the `all` row).
METRICS = (
    "firms", "entries", "exits", "switches_in", "switches_out", "spawns",
    "output", "output_share", "tfp", "tfp_index", "tfp_sd", "frontier",
    "digital_mean", "green_mean", "data_mean", "emissions", "innovations", "imitations",
    "clamped",
)  # fmt: skip


def initial_counts(firms: int, share: np.ndarray) -> np.ndarray:
    """Largest-remainder rounding of firms × firm_share (§2.4)."""
    exact = firms * share
    counts = np.floor(exact).astype(np.int64)
    left = firms - counts.sum()
    # largest fractional parts first; equal remainders to the earlier sector (stable sort)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:left]] += 1
    for j in np.flatnonzero((share > 0) & (counts == 0)):
        donor = int(np.argmax(counts))  # the most firms, the earlier among equals
        counts[donor] -= 1
        counts[j] += 1
    return counts


def beta_draw(rng: np.random.Generator, m: float, size: int) -> np.ndarray:
    """Beta with mean m and concentration 4 (§3.1); a mean of 0 or 1 puts every firm there."""
    if m <= 0.0:
        return np.zeros(size)
    if m >= 1.0:
        return np.ones(size)
    return rng.beta(4.0 * m, 4.0 * (1.0 - m), size)


# --------------------------------------------------------------------------------------------
# One replicate
# --------------------------------------------------------------------------------------------


class Simulation:
    """One replicate: the firm arrays, the sector statistics S(t) and the sector state."""

    def __init__(self, p: Params, firms: int, rng: np.random.Generator):
        self.p = p
        self.rng = rng
        self.nsec = S = len(p.names)
        # imitation (§5.3): running sums of each row of W for the source draw, and w_j
        self.w_cum = np.cumsum(p.W, axis=1)
        self.w_row = self.w_cum[:, -1]
        # sector statistics S(t) (§2.3); NaN for a sector that never had firms (§2.5)
        self.n = np.zeros(S, dtype=np.int64)
        self.F = np.full(S, np.nan)
        self.a50 = np.full(S, np.nan)
        self.a_tq = np.full(S, np.nan)
        self.a_lq = np.full(S, np.nan)
        self.dbar = np.full(S, np.nan)
        self.gbar = np.full(S, np.nan)
        self.Dbar = np.full(S, np.nan)
        self.Y = np.zeros(S)  # Y_j(t-1)
        self.Z = np.zeros(S)  # Z_j(t)
        self.si = None  # sector-and-eligibility class of each firm, None when inclusive (§4.2)
        self.flows = {k: np.zeros(S) for k in ("entries", "exits", "switches_in", "switches_out",
                                               "spawns", "innovations", "imitations", "clamped")}
        self._init_state(firms)

    # ---- the initial state (§5, end) ---------------------------------------------------------

    def _init_state(self, firms: int) -> None:
        p, rng, S = self.p, self.rng, self.nsec
        counts = initial_counts(firms, p.firm_share)
        s = np.repeat(np.arange(S), counts)
        a = p.tfp_mean[s] + p.tfp_sd[s] * rng.standard_normal(firms)
        d = np.concatenate([beta_draw(rng, p.digital_init[j], counts[j]) for j in range(S)])
        g = np.concatenate([beta_draw(rng, p.green_init[j], counts[j]) for j in range(S)])
        D = (p.chi / p.delta_D)[s] * d  # steady state of a firm of average size
        self.sector, self.a, self.d, self.g, self.D = s, a, d, g, D
        self.paid = np.zeros(firms)
        self._spare = [np.empty(0) for _ in range(6)]  # buffers for the next population
        self._set_bounds()
        # means of S(0)
        self._sector_means()
        # shares: the CES shares of initial competitiveness (§5.7, §5.8 with paid = 0)
        lnc, self.flows["clamped"] = self._ln_competitiveness(self._ln_tfp(self.Dbar))
        self.f = self._ces_ratio(lnc)
        # demand scales: Y_j(0) = output_share_j
        lnCbar = np.bincount(s, weights=self.f * lnc, minlength=S)
        has = self.n > 0
        self.Z = np.where(has, p.output_share / np.exp(p.eta * np.where(has, lnCbar, 0.0)),
                          p.output_share)

    # ---- helpers -----------------------------------------------------------------------------

    def _set_bounds(self) -> None:
        """Sector slices of the contiguous layout, and the counts n_j."""
        self.n = np.bincount(self.sector, minlength=self.nsec)
        self.starts = np.concatenate(([0], np.cumsum(self.n)))

    def _expand(self, v: np.ndarray) -> np.ndarray:
        """The per-firm array v[sector_i] of a per-sector vector v.

        With sectors contiguous this is np.repeat (several times faster than a gather). A vector
        of 2S entries (values for eligible firms, then for the others, §4.2) is expanded with the
        eligible values when targeting is inclusive, else gathered by sector and eligibility."""
        S = self.nsec
        if v.size == S or self.si is None:
            return np.repeat(v[:S], self.n)
        return v[self.si]

    def _slices(self):
        """(j, slice) for every sector that has firms."""
        st = self.starts
        return [(j, slice(st[j], st[j + 1])) for j in range(self.nsec) if st[j + 1] > st[j]]

    def _sector_means(self) -> None:
        """dbar, gbar, Dbar of S(t); an empty sector keeps its previous values (§2.5)."""
        s, S, has = self.sector, self.nsec, self.n > 0
        n = np.maximum(self.n, 1)
        for name, x in (("dbar", self.d), ("gbar", self.g), ("Dbar", self.D)):
            mean = np.bincount(s, weights=x, minlength=S) / n
            setattr(self, name, np.where(has, mean, getattr(self, name)))

    def _ln_competitiveness(self, lnA: np.ndarray):
        """ln c_i = ln A_i + ln max(1 - burden_i, min_margin) (§5.8).

        Returns ln c, and the per-sector count of firms at the min_margin floor."""
        p, s = self.p, self.sector
        tau_e = p.carbon_price * p.e
        margin = self._expand(1.0 - p.rho - tau_e) + self._expand(tau_e) * self.g
        margin -= self.paid  # 1 - rho_j - paid_i - tau e_j (1 - g_i)
        floor = margin < p.min_margin
        clamped = np.bincount(s[floor], minlength=self.nsec).astype(float)
        return lnA + np.log(np.maximum(margin, p.min_margin)), clamped

    def _ln_tfp(self, Dbar: np.ndarray) -> np.ndarray:
        """ln A_i = a_i + ln M_i, M_i = 1 + mu_j d_i ln(1 + D_i + omega Dbar_j) (§5.7)."""
        p = self.p
        shared = p.data_openness * np.nan_to_num(Dbar)
        ex = self._expand
        return self.a + np.log1p(ex(p.mu) * self.d * np.log1p(self.D + ex(shared)))

    def _ces_ratio(self, lnc: np.ndarray) -> np.ndarray:
        """c_i^(sigma_j - 1) / C_j for every firm (§5.10), without overflow.

        Each sector's terms are taken relative to its largest ln c, so every term is at most 1."""
        out = np.empty_like(lnc)
        for j, sl in self._slices():
            x = lnc[sl]
            t = np.exp((self.p.sigma[j] - 1.0) * (x - x.max()))
            out[sl] = t / t.sum()
        return out

    # ---- one step: the firm phase §5.1-§5.9, the market §5.10-§5.11, structure §5.12 -------

    def step(self) -> None:
        """Turns the population at the end of step t-1 into that of step t (before §5.13)."""
        p, rng, S = self.p, self.rng, self.nsec
        s, a, d, g, D = self.sector, self.a, self.d, self.g, self.D
        ex = self._expand
        N = s.size
        n = self.n.astype(float)  # n_j of S(t-1): the firms alive at the start of the step
        f0 = self.f  # shares at the start of the step
        paid = self.paid  # upgrade costs paid in this step
        paid[:] = 0.0
        flows = self.flows
        u = p.u

        # §5.1 policy: eligibility (§4.2) with a at the start of the step and S(t-1) thresholds.
        # Lever-dependent constants have 2S entries: [eligible firms of each sector, the others].
        if p.targeting == "inclusive":
            self.si = None
        else:
            sel = p.targeting == "selective"
            thr = ex(self.a_tq if sel else self.a_lq)
            elig = (a >= thr) if sel else (a <= thr)  # a NaN threshold: not eligible
            self.si = s + S * (~elig)

        def by_elig(rate):
            return np.concatenate((rate, np.zeros(S)))  # the lever if eligible, else 0

        s_rd, s_dig, s_green = map(by_elig, (p.rd_subsidy, p.digital_subsidy, p.green_subsidy))

        # §5.2 innovation: P = 1 - exp(-lambda_j r_i (1 + mu_amp d_i)), r_i = rho_j (1 + s_rd_i)
        P = -np.expm1(-ex(np.tile(p.lam * p.rho, 2) * (1.0 + s_rd)) * (1.0 + p.mu_amp * d))
        idx = np.flatnonzero(rng.random(N) < P)
        sj = s[idx]
        z = p.mu_z[sj] + p.sigma_z[sj] * rng.standard_normal(idx.size)
        up = z > 0.0
        a[idx[up]] += z[up]  # a_i <- a_i + max(0, z)
        flows["innovations"] = np.bincount(sj[up], minlength=S).astype(float)

        # §5.3 imitation: P = 1 - exp(-w_j (1 + s_rd_i)); source k with probability W[j][k]/w_j
        P = -np.expm1(-ex(np.tile(self.w_row, 2) * (1.0 + s_rd)))
        idx = np.flatnonzero(rng.random(N) < P)
        v = rng.random(idx.size)
        # source by inversion: the first k whose running sum of the row exceeds v w_j.
        # idx is sorted, so the imitators of each receiving sector are a slice of it.
        k = np.empty(idx.size, dtype=np.intp)
        cut = np.searchsorted(idx, self.starts)
        for j in range(S):
            vj = v[cut[j]:cut[j + 1]] * self.w_row[j]
            k[cut[j]:cut[j + 1]] = np.searchsorted(self.w_cum[j], vj, side="right")
        np.minimum(k, S - 1, out=k)  # only if rounding put v w_j at the row sum
        G = self.F[k] - a[idx]  # a after §5.2; a NaN frontier gives G > 0 False
        ok = G > 0.0
        idx, G = idx[ok], G[ok]
        sj = s[idx]
        scale = p.theta * (1.0 + p.talent)
        a[idx] += p.kappa[sj] * G * np.exp(-G / scale[sj])
        flows["imitations"] = np.bincount(sj, minlength=S).astype(float)

        # §5.3a shock (off by default)
        if np.any(p.shock_sd > 0):
            a += ex(p.shock_sd) * rng.standard_normal(N)

        # §5.4 digital upgrade (D_i, d_i at the start of the step)
        full = p.digital_cost * u  # the unsubsidised cost, > 0 in the baseline
        cost = np.tile(full, 2) * (1.0 - s_dig)  # what the firm pays
        # benefit = (1 + talent_j) mu_j u ln(1 + E_i + chi_j u / delta_D), E_i = D_i + omega Dbar_j
        shift = p.data_openness * np.nan_to_num(self.Dbar) + p.chi * u / p.delta_D
        benefit = ex((1.0 + p.talent) * p.mu * u) * np.log1p(D + ex(shift))
        # logit argument beta_net x + beta_peer (dbar_j - 0.5), x = (H benefit - cost) / full
        arg = ex(np.tile(p.beta_net * p.H / full, 2)) * benefit
        arg += ex(np.tile(p.beta_peer * (self.dbar - 0.5), 2) - p.beta_net * cost / np.tile(full, 2))
        P = p.p_max / (1.0 + np.exp(-arg))
        hit = np.flatnonzero((rng.random(N) < P) & (d < 1.0))
        d[hit] = np.minimum(1.0, d[hit] + u)
        paid[hit] += cost[s[hit]] if self.si is None else cost[self.si[hit]]

        # §5.5 green upgrade: the probability is a constant per sector and eligibility
        full = np.tile(p.green_cost * u, 2)
        cost = full * (1.0 - s_green)
        x = (p.H * np.tile(p.carbon_price * p.e * u, 2) - cost) / full
        P = p.p_max / (1.0 + np.exp(-(p.beta_net * x + np.tile(p.beta_peer * (self.gbar - 0.5), 2))))
        hit = np.flatnonzero((rng.random(N) < ex(P)) & (g < 1.0))
        g[hit] = np.minimum(1.0, g[hit] + u)
        paid[hit] += cost[s[hit]] if self.si is None else cost[self.si[hit]]

        # §5.6 data: d after this step's upgrade, f at the start of the step, n_j of S(t-1)
        D *= 1.0 - p.delta_D
        D += ex(p.chi * n) * d * f0

        # §5.7, §5.8 effective productivity and competitiveness, with Dbar of S(t-1)
        lnc, flows["clamped"] = self._ln_competitiveness(self._ln_tfp(self.Dbar))

        # §5.9 draws
        exit_ = rng.random(N) < ex(p.death_rate)  # dies_i
        closed = None
        if np.any(p.green_standard > 0):
            closed = (g < ex(p.green_standard)) & (rng.random(N) < p.standard_enforcement)
        switch_to = np.full(N, -1)  # destination of the first switch rule that hit
        spawn_hits = []  # (rule, parent indices)
        for r in p.rules:
            lo, hi = self.starts[r.src], self.starts[r.src + 1]
            if hi == lo:
                continue
            dr, ar = d[lo:hi], a[lo:hi]
            pr = r.probability * dr if r.scale_by_digital else r.probability
            cond = dr >= r.d_min
            if r.tfp_condition is not None:
                where, what = r.tfp_condition.split("_")
                j = r.src if where == "from" else r.dst
                cond &= ar >= (self.a50 if what == "median" else self.F)[j]  # NaN: never met
            hit = lo + np.flatnonzero((rng.random(hi - lo) < pr) & cond)
            if r.kind == "switch":
                hit = hit[switch_to[hit] < 0]  # at most one switch per firm: the first
                switch_to[hit] = r.dst
            else:
                spawn_hits.append((r, hit))

        # §5.10 CES reduce and §5.11 shares and exit (n_j of S(t-1))
        adj = ex(p.adj)
        f = (1.0 - adj) * f0 + adj * self._ces_ratio(lnc)
        exit_ |= f < ex(p.exit_share / np.maximum(n, 1))
        if closed is not None:
            exit_ |= closed
        flows["exits"] = np.bincount(s, weights=exit_, minlength=S)

        # §5.12 structure. Entrants' mean a: every firm in j at the start (a after §5.3a).
        abar = np.bincount(s, weights=a, minlength=S) / np.maximum(n, 1)
        newcomer_share = np.where(n > 0, 1.0 / np.maximum(n, 1), 1.0)  # 1/n_k, or 1 if empty
        # The next population is assembled sector by sector, so that sectors stay contiguous:
        # blocks[k] lists the parts of sector k, each a tuple (a, d, g, D, f, paid).
        blocks = [[] for _ in range(S)]
        stay = ~exit_ & (switch_to < 0)
        for j, sl in self._slices():
            m = stay[sl]
            blocks[j].append(tuple(x[sl][m] for x in (a, d, g, D, f, paid)))
        # switchers (survivors only) move with the share 1/n_k of their new sector
        moved = np.flatnonzero(~exit_ & (switch_to >= 0))
        dest = switch_to[moved]
        flows["switches_out"] = np.bincount(s[moved], minlength=S).astype(float)
        flows["switches_in"] = np.bincount(dest, minlength=S).astype(float)
        for k in np.unique(dest):
            i = moved[dest == k]
            blocks[k].append((a[i], d[i], g[i], D[i], np.full(i.size, newcomer_share[k]),
                              paid[i]))
        # spawned firms: surviving parents only (switchers too), in the rule's destination
        spawns = np.zeros(S)
        for r, hit in spawn_hits:
            par = hit[~exit_[hit]]
            m, k = par.size, r.dst
            blocks[k].append((a[par] + p.spawn_tfp_sd[k] * rng.standard_normal(m),
                              d[par], g[par], np.zeros(m), np.full(m, newcomer_share[k]),
                              np.zeros(m)))
            spawns[k] += m
        flows["spawns"] = spawns
        # entrants, sector by sector; none in an empty sector
        entries = np.where(n > 0, rng.poisson(p.entry_rate * n * (1.0 + p.entry_subsidy)), 0)
        for j in np.flatnonzero(entries):
            m = int(entries[j])
            blocks[j].append((abar[j] + p.entry_tfp_gap[j] + p.tfp_sd[j] * rng.standard_normal(m),
                              beta_draw(rng, p.digital_init[j], m),
                              beta_draw(rng, p.green_init[j], m),
                              np.zeros(m), np.full(m, p.entry_size[j] / n[j]), np.zeros(m)))
        flows["entries"] = entries.astype(float)

        parts = [b for k in range(S) for b in blocks[k]]
        counts = [sum(b[0].size for b in blocks[k]) for k in range(S)]
        self.sector = np.repeat(np.arange(S), counts)
        # Written into the spare set of buffers; this step's arrays become the spare set.
        # Reusing memory matters at 10^6 firms: fresh arrays each step cost page faults.
        total = sum(counts)
        if self._spare[0].size < total:
            self._spare = [np.empty(int(total * 1.25) + 16) for _ in range(6)]
        new = [np.concatenate([b[c] for b in parts], out=self._spare[c][:total])
               for c in range(6)]
        self._spare = [x if x.base is None else x.base for x in (a, d, g, D, f0, paid)]
        self.a, self.d, self.g, self.D, self.f, self.paid = new
        self._set_bounds()
        self.si = None  # eligibility belongs to the step

    # ---- §5.13 observation -------------------------------------------------------------------

    def observe(self, t: int, out: dict) -> None:
        """S(t), output, emissions and the metric rows of step t; then Z_j(t+1)."""
        p, S = self.p, self.nsec
        s, a = self.sector, self.a
        has = self.n > 0
        n = np.maximum(self.n, 1)
        # §5.12 item 6: renormalise the shares of each sector
        fsum = np.bincount(s, weights=self.f, minlength=S)
        for j, sl in self._slices():
            if fsum[j] > 0:
                self.f[sl] /= fsum[j]
            else:
                self.f[sl] = 1.0 / self.n[j]
        f = self.f
        # S(t): means, and the type-7 quantiles of a (one np.quantile call per sector)
        self._sector_means()
        qs = [p.q, 0.5, p.targeting_quantile, 1.0 - p.targeting_quantile]
        tfp_sd = np.full(S, np.nan)
        lnA = self._ln_tfp(self.Dbar)  # with Dbar(t)
        lnc, _ = self._ln_competitiveness(lnA)  # paid_i of this step; 0 for a firm born in it
        for j, sl in self._slices():
            self.F[j], self.a50[j], self.a_tq[j], self.a_lq[j] = np.quantile(a[sl], qs)
            tfp_sd[j] = lnA[sl].std()
        lnCbar = np.bincount(s, weights=f * lnc, minlength=S)
        Y = np.where(has, self.Z * np.exp(p.eta * lnCbar), 0.0)
        tfp = np.where(has, np.bincount(s, weights=f * lnA, minlength=S), np.nan)
        dirty = np.bincount(s, weights=f * (1.0 - self.g), minlength=S)
        emissions = p.e * Y * dirty

        Ytot = Y.sum()
        tfp_all = np.sum((Y / Ytot * tfp)[has])
        row = out  # arrays of shape (steps + 1, S + 1)
        fl = self.flows
        if t == 0:
            fl = {k: np.zeros(S) for k in fl}
            fl["clamped"] = self.flows["clamped"]
        for k, v in fl.items():
            row[k][t, :S] = v
            row[k][t, S] = v.sum()
        row["firms"][t, :S] = self.n
        row["firms"][t, S] = self.n.sum()
        row["output"][t, :S] = Y
        row["output"][t, S] = Ytot
        row["output_share"][t, :S] = Y / Ytot
        row["output_share"][t, S] = 1.0
        row["tfp"][t, :S] = tfp
        row["tfp"][t, S] = tfp_all
        row["tfp_index"][t] = np.exp(row["tfp"][t] - row["tfp"][0])
        row["tfp_sd"][t, :S] = tfp_sd
        row["tfp_sd"][t, S] = lnA.std()
        row["frontier"][t, :S] = np.where(has, self.F, np.nan)
        row["frontier"][t, S] = np.nan  # the pooled frontier is not computed
        for name, attr, x in (("digital_mean", "dbar", self.d), ("green_mean", "gbar", self.g),
                              ("data_mean", "Dbar", self.D)):
            row[name][t, :S] = np.where(has, getattr(self, attr), np.nan)
            row[name][t, S] = x.mean()
        row["emissions"][t, :S] = emissions
        row["emissions"][t, S] = emissions.sum()

        # demand scales for next year
        prev = self.Y
        gY = np.zeros(S) if t == 0 else np.where(prev > 0, Y / np.where(prev > 0, prev, 1) - 1, 0)
        self.Z = self.Z * (1.0 + p.gamma + p.B @ gY)
        self.Y = Y


# --------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------


def simulate(p: Params, firms: int, steps: int, rng: np.random.Generator) -> dict:
    """One replicate: metric arrays of shape (steps + 1, sectors + 1), the last column `all`."""
    out = {k: np.zeros((steps + 1, len(p.names) + 1)) for k in METRICS}
    sim = Simulation(p, firms, rng)
    sim.observe(0, out)
    for t in range(1, steps + 1):
        sim.step()
        sim.observe(t, out)
    return out


def run(p: Params, firms: int, steps: int, replicates: int, seed: int) -> dict:
    """Replicates 0..R-1, each with its own independent NumPy stream spawned from `seed`.

    Returns metric arrays of shape (replicates, steps + 1, sectors + 1)."""
    streams = np.random.SeedSequence(seed).spawn(replicates)
    reps = [simulate(p, firms, steps, np.random.default_rng(ss)) for ss in streams]
    return {k: np.stack([r[k] for r in reps]) for k in METRICS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--json", action="store_true",
                    help="print only {wall_s, firm_steps} as JSON (for time.py)")
    args = ap.parse_args()
    p = Params()
    t0 = time.perf_counter()
    res = run(p, args.firms, args.steps, args.replicates, args.seed)
    wall = time.perf_counter() - t0
    T = args.steps
    # firm-steps as nqpsim counts them: the firms alive at the start of each step, summed
    fs = int(res["firms"][:, :-1, -1].sum())
    if args.json:
        print(json.dumps({"wall_s": wall, "firm_steps": fs}))
        return
    print(f"{args.replicates} replicates x {T} steps, {args.firms} firms: {wall:.2f} s, "
          f"{fs / wall / 1e6:.2f} M firm-steps/s")
    print(f"{'sector':<12} {'TFP growth %/yr':>16} {'output share':>13} {'firms':>8}")
    for j, name in enumerate(list(p.names) + ["all"]):
        gr = 100 * np.log(res["tfp_index"][:, T, j]) / T
        print(f"{name:<12} {gr.mean():>16.3f} {res['output_share'][:, T, j].mean():>13.3f} "
              f"{res['firms'][:, T, j].mean():>8.0f}")


if __name__ == "__main__":
    main()

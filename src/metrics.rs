//! The output contract: one [`MetricsRow`] per (run, step, sector), plus the `all` row
//! (docs/model.md §7). Columns appear in the CSV in the order declared here.

/// Which sector a row describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowSector {
    /// The sector with this index in scenario order.
    Sector(usize),
    /// The whole economy.
    All,
}

/// The value of one metric: a count, a real number, or missing (an empty CSV field, NA).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MetricValue {
    /// A count.
    Count(u64),
    /// A real number.
    Real(f64),
    /// Not defined (e.g. the mean TFP of an empty sector).
    Missing,
}

impl MetricValue {
    /// The value as a number, if any.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            MetricValue::Count(n) => Some(n as f64),
            MetricValue::Real(x) => Some(x),
            MetricValue::Missing => None,
        }
    }
}

/// A metric field: a count or an amount (always present, summed over sectors in the `all`
/// row), or a statistic that may be missing (computed for the `all` row on its own).
pub trait IntoMetric: Default {
    /// The field as a [`MetricValue`].
    fn metric(&self) -> MetricValue;
    /// Adds another sector's value for the `all` row: counts and amounts add up; statistics
    /// are left alone.
    fn add_total(&mut self, other: &Self);
    /// Copies another row's count or amount; statistics are left alone.
    fn copy_total(&mut self, other: &Self);
    /// Sets the field from a real number (`false` if the field is a count).
    fn set_real(&mut self, value: f64) -> bool;
}

impl IntoMetric for u64 {
    fn metric(&self) -> MetricValue {
        MetricValue::Count(*self)
    }
    fn add_total(&mut self, other: &Self) {
        *self += other;
    }
    fn copy_total(&mut self, other: &Self) {
        *self = *other;
    }
    fn set_real(&mut self, _: f64) -> bool {
        false
    }
}

impl IntoMetric for f64 {
    fn metric(&self) -> MetricValue {
        MetricValue::Real(*self)
    }
    fn add_total(&mut self, other: &Self) {
        *self += other;
    }
    fn copy_total(&mut self, other: &Self) {
        *self = *other;
    }
    fn set_real(&mut self, value: f64) -> bool {
        *self = value;
        true
    }
}

impl IntoMetric for Option<f64> {
    fn metric(&self) -> MetricValue {
        self.map_or(MetricValue::Missing, MetricValue::Real)
    }
    fn add_total(&mut self, _: &Self) {}
    fn copy_total(&mut self, _: &Self) {}
    fn set_real(&mut self, value: f64) -> bool {
        *self = Some(value);
        true
    }
}

macro_rules! metrics_row {
    ($( $(#[doc = $doc:literal])+ $field:ident : $ty:ty, )+) => {
        /// One row of `trajectories.csv`: the metrics of one sector (or `all`) in one step of
        /// one run. Identifying columns come first, then the metrics of docs/model.md §7 in order.
        #[derive(Clone, Debug, PartialEq)]
        pub struct MetricsRow {
            /// Sweep point index (0 for a plain run).
            pub point: u32,
            /// Replicate.
            pub replicate: u32,
            /// Scenario seed.
            pub seed: u64,
            /// Step, 0 = initial state.
            pub step: u32,
            /// Calendar year, `start_year + step`.
            pub year: i32,
            /// Sector of the row.
            pub sector: RowSector,
            $( $(#[doc = $doc])+ pub $field: $ty, )+
            /// The model-2 columns (docs/model.md M2.10), written when a feature is on.
            pub model2: Model2Metrics,
        }

        impl MetricsRow {
            /// The identifying columns, in CSV order.
            pub const ID_COLUMNS: [&'static str; 8] =
                ["scenario", "point", "replicate", "seed", "step", "year", "sector", "tier"];

            /// The metric columns, in CSV order (docs/model.md §7).
            pub const METRIC_COLUMNS: [&'static str; metrics_row!(@count $($field)+)] =
                [ $( stringify!($field), )+ ];

            /// Documentation of each metric column, in CSV order.
            pub const METRIC_DOCS: [&'static str; metrics_row!(@count $($field)+)] =
                [ $( concat!($($doc),+), )+ ];

            /// The metric values, in CSV order.
            pub fn metric_values(&self) -> [MetricValue; metrics_row!(@count $($field)+)] {
                [ $( IntoMetric::metric(&self.$field), )+ ]
            }

            /// The value of the metric named `name`.
            pub fn metric(&self, name: &str) -> Option<MetricValue> {
                Self::METRIC_COLUMNS.iter().position(|c| *c == name).map(|i| self.metric_values()[i])
            }

            /// A row with the identifying columns given and every metric zero (counts and
            /// amounts) or missing (statistics).
            pub fn empty(replicate: u32, seed: u64, step: u32, year: i32, sector: RowSector) -> Self {
                MetricsRow {
                    point: 0,
                    replicate,
                    seed,
                    step,
                    year,
                    sector,
                    $( $field: Default::default(), )+
                    model2: Model2Metrics::default(),
                }
            }

            /// Sets the real-valued metric named `name`; `false` if there is none.
            pub fn set_real(&mut self, name: &str, value: f64) -> bool {
                match name {
                    $( stringify!($field) => IntoMetric::set_real(&mut self.$field, value), )+
                    _ => false,
                }
            }

            /// Adds the counts and amounts of `other` (another sector's row), as the `all`
            /// row sums them; statistics are left alone.
            pub fn add_totals(&mut self, other: &MetricsRow) {
                $( IntoMetric::add_total(&mut self.$field, &other.$field); )+
            }

            /// Copies the counts and amounts of `other`; statistics are left alone.
            pub fn copy_totals(&mut self, other: &MetricsRow) {
                $( IntoMetric::copy_total(&mut self.$field, &other.$field); )+
            }
        }
    };
    (@count $($x:ident)*) => { <[()]>::len(&[$(metrics_row!(@unit $x)),*]) };
    (@unit $x:ident) => { () };
}

metrics_row! {
    /// Number of firms at the end of the step.
    firms: u64,
    /// Entrants this step (not spawned or switched firms).
    entries: u64,
    /// Firms that exited this step (share below the bar, death draw or green standard).
    exits: u64,
    /// Exits forced by the green standard.
    standard_exits: u64,
    /// Firms that switched into the sector this step.
    switches_in: u64,
    /// Firms that switched out of the sector this step.
    switches_out: u64,
    /// Firms spawned into the sector this step.
    spawns: u64,
    /// Output Y_j (total output is 1 at step 0).
    output: f64,
    /// Share of total output.
    output_share: Option<f64>,
    /// Employment: sum of Y_i / A_i.
    employment: f64,
    /// Output per unit of employment.
    labour_productivity: Option<f64>,
    /// Share-weighted mean of ln A_i.
    tfp: Option<f64>,
    /// exp(tfp(t) - tfp(0)).
    tfp_index: Option<f64>,
    /// Unweighted mean of ln A_i.
    tfp_unweighted: Option<f64>,
    /// 10th percentile of ln A_i.
    tfp_p10: Option<f64>,
    /// Median of ln A_i.
    tfp_p50: Option<f64>,
    /// 90th percentile of ln A_i.
    tfp_p90: Option<f64>,
    /// Standard deviation of ln A_i (divides by n).
    tfp_sd: Option<f64>,
    /// Olley-Pakes covariance term: tfp - tfp_unweighted.
    op_covariance: Option<f64>,
    /// Share-weighted mean of the technology component a_i.
    technology: Option<f64>,
    /// Frontier F_j: the frontier_quantile of a_i.
    frontier: Option<f64>,
    /// Mean digital level.
    digital_mean: Option<f64>,
    /// Mean green level.
    green_mean: Option<f64>,
    /// Mean data stock.
    data_mean: Option<f64>,
    /// Mean data multiplier A_i / exp(a_i).
    data_multiplier_mean: Option<f64>,
    /// Emissions: sum of e_j (1 - g_i) Y_i.
    emissions: f64,
    /// Emissions per unit of output.
    emission_intensity: Option<f64>,
    /// Firms whose innovation raised a_i this step.
    innovations: u64,
    /// Firms that imitated a frontier above them this step.
    imitations: u64,
    /// Firms at the min_margin floor of competitiveness (section 5.8).
    clamped: u64,
    /// R&D subsidy spending.
    subsidy_rd: f64,
    /// Digital upgrade subsidy spending.
    subsidy_digital: f64,
    /// Green upgrade subsidy spending.
    subsidy_green: f64,
    /// Entry subsidy spending.
    subsidy_entry: f64,
    /// Talent support spending.
    subsidy_talent: f64,
    /// Sum of the five subsidies.
    subsidy_total: f64,
    /// Carbon price times emissions (not recycled).
    carbon_revenue: f64,
}

impl MetricsRow {
    /// Every column of `trajectories.csv` of a model-1 scenario, in order.
    pub fn columns() -> Vec<&'static str> {
        Self::columns_with(false)
    }

    /// Every column of `trajectories.csv`, in order, with the model-2 block when `model2`
    /// (some feature is on).
    pub fn columns_with(model2: bool) -> Vec<&'static str> {
        let block: &[&str] = if model2 { &Model2Metrics::COLUMNS } else { &[] };
        Self::ID_COLUMNS
            .iter()
            .chain(Self::METRIC_COLUMNS.iter())
            .chain(block)
            .copied()
            .collect()
    }
}

/// One row of `regions.csv` (docs/model.md M2.10): a region in one step of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionRow {
    /// Sweep point index (0 for a plain run).
    pub point: u32,
    /// Replicate.
    pub replicate: u32,
    /// Step.
    pub step: u32,
    /// The region's index in scenario order.
    pub region: usize,
    /// Firms in the region at the end of the step.
    pub firms: u64,
    /// Output of the region's firms, `sum Y_i`.
    pub output: f64,
    /// Share of total output (missing if total output is 0).
    pub output_share: Option<f64>,
    /// Output-weighted mean of ln A_i (missing if the region's output is 0).
    pub tfp: Option<f64>,
    /// Model 2 (labour): unskilled employment of the region's firms.
    pub employment_low: Option<f64>,
    /// Model 2 (labour): skilled employment of the region's firms.
    pub employment_high: Option<f64>,
    /// Model 2 (labour): `Dh_r`, skilled demand (the same as `employment_high`).
    pub talent_demand: Option<f64>,
    /// Model 2 (labour): `H_r`, the talent pool.
    pub talent_pool: Option<f64>,
    /// The sectors the region backs this step, in sector order.
    pub backed: Vec<usize>,
}

impl RegionRow {
    /// The columns of `regions.csv`, in order.
    pub const COLUMNS: [&'static str; 16] = [
        "scenario",
        "point",
        "replicate",
        "seed",
        "step",
        "year",
        "region",
        "firms",
        "output",
        "output_share",
        "tfp",
        "employment_low",
        "employment_high",
        "talent_demand",
        "talent_pool",
        "backed",
    ];

    /// The columns of `regions.csv` that hold a number per region: those between `region`
    /// and `backed`, in order.
    pub const METRIC_COLUMNS: [&'static str; 8] = [
        "firms",
        "output",
        "output_share",
        "tfp",
        "employment_low",
        "employment_high",
        "talent_demand",
        "talent_pool",
    ];

    /// The values of [`RegionRow::METRIC_COLUMNS`], in order (`None`: missing).
    pub fn metric_values(&self) -> [Option<f64>; 8] {
        [
            Some(self.firms as f64),
            Some(self.output),
            self.output_share,
            self.tfp,
            self.employment_low,
            self.employment_high,
            self.talent_demand,
            self.talent_pool,
        ]
    }
}

macro_rules! model2_metrics {
    ($( $(#[doc = $doc:literal])+ $field:ident, )+) => {
        /// The model-2 columns of a row (docs/model.md M2.10), in CSV order after
        /// `carbon_revenue`; a column whose feature is off is missing (NA).
        #[derive(Clone, Copy, Debug, Default, PartialEq)]
        pub struct Model2Metrics {
            $( $(#[doc = $doc])+ pub $field: Option<f64>, )+
        }

        impl Model2Metrics {
            /// The column names, in CSV order.
            pub const COLUMNS: [&'static str; metrics_row!(@count $($field)+)] =
                [ $( stringify!($field), )+ ];

            /// Documentation of each column, in CSV order.
            pub const DOCS: [&'static str; metrics_row!(@count $($field)+)] =
                [ $( concat!($($doc),+), )+ ];

            /// The values, in CSV order.
            pub fn values(&self) -> [MetricValue; metrics_row!(@count $($field)+)] {
                [ $( IntoMetric::metric(&self.$field), )+ ]
            }
        }
    };
}

model2_metrics! {
    /// Capacity K_j installed for the step, after scrapping (output units; `all`: sum).
    capacity,
    /// Capacity utilisation Y_j / K_j (`all`: total output over total capacity).
    capacity_utilisation,
    /// Planned excess capacity x_j charged in the step (share of planned output; `all`:
    /// output-weighted).
    idle_capacity,
    /// Unskilled employment, sum of L_lo (`all`: sum).
    employment_low,
    /// Skilled employment, sum of L_hi (`all`: sum).
    employment_high,
    /// Unskilled jobs automated away this step (`all`: sum).
    displaced,
    /// Talent shortage, share of the regions' pools (`all` row only).
    talent_shortage,
    /// Platform lift l_j in log points (`all`: output-weighted).
    platform_lift,
    /// Firms' platform contributions Cn_j (output units; `all`: sum).
    contributions,
    /// Autonomy of key inputs (model 2 part two; empty in this version).
    autonomy,
    /// Key-input availability (model 2 part two; empty in this version).
    supply_availability,
    /// The carbon price in force, premium included (always filled when a feature is on).
    carbon_price,
    /// Regional backing's R&D subsidy and entry support (output units).
    subsidy_backing,
    /// Common-technology fund and matching (output units).
    subsidy_platform,
    /// Autonomy spending (model 2 part two; empty in this version).
    subsidy_autonomy,
    /// Talent training (output units; not under the budget cap).
    subsidy_training,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_columns_are_those_of_model_section_7_in_order() {
        let expected = "firms, entries, exits, standard_exits, switches_in, switches_out, spawns, \
            output, output_share, employment, labour_productivity, tfp, tfp_index, tfp_unweighted, \
            tfp_p10, tfp_p50, tfp_p90, tfp_sd, op_covariance, technology, frontier, digital_mean, \
            green_mean, data_mean, data_multiplier_mean, emissions, emission_intensity, innovations, \
            imitations, clamped, subsidy_rd, subsidy_digital, subsidy_green, subsidy_entry, \
            subsidy_talent, subsidy_total, carbon_revenue";
        let expected: Vec<&str> = expected.split(',').map(str::trim).collect();
        assert_eq!(MetricsRow::METRIC_COLUMNS.to_vec(), expected);
    }

    #[test]
    fn a_region_rows_numbers_are_the_columns_between_its_name_and_its_backing() {
        let region = RegionRow::COLUMNS
            .iter()
            .position(|c| *c == "region")
            .unwrap();
        let backed = RegionRow::COLUMNS
            .iter()
            .position(|c| *c == "backed")
            .unwrap();
        assert_eq!(
            RegionRow::METRIC_COLUMNS,
            RegionRow::COLUMNS[region + 1..backed]
        );
    }
}

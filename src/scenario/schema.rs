//! What may appear where in a scenario file: one tree of every field and its kind of value,
//! built from the same tables as the raw types (the parameter tables of
//! [`crate::model::params`], the lever table of [`crate::model::levers`]).
//!
//! Serde stops at the first unknown field or wrong type; this walk goes on and reports every
//! one, each with the field path, what was found and what is allowed in words (with the
//! range), and a "did you mean" for a misspelt key. It checks the files one by one (positions
//! in the file) and the merged scenario after `--set` (positions at the argument), and it
//! checks a `--set` path before the value is written. A value it refuses is removed, so that
//! the rest of the scenario can still be validated and every problem reported at once.
//!
//! A test checks that the tree knows exactly the fields the raw serde types know.

use std::sync::OnceLock;

pub use crate::error::did_you_mean;

use crate::model::features::Feature;
use crate::model::levers::{LEVERS, Scope};
use crate::model::params::{ModelParams, Range, SectorParams};

/// The kind of value a field takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A table with these fields, in order.
    Table(Vec<(&'static str, Shape)>),
    /// A table whose keys are names of the user's choosing (`what` says what they name), each
    /// holding `value`.
    Map {
        /// What a key names, e.g. `sector`.
        what: &'static str,
        /// The shape of each value.
        value: Box<Shape>,
    },
    /// An array of values of one shape.
    Array(Box<Shape>),
    /// An integer in `min..=max`.
    Integer {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// A number (an integer is taken as one); the range is checked by validation and named
    /// here for messages.
    Number(Range),
    /// A string.
    Text,
    /// `true` or `false`.
    Bool,
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// A per-sector lever: one number for every sector, or a table of sector = number.
    PerSector(Range),
    /// A per-region lever: one number for every region, or a table of region = number.
    PerRegion(Range),
}

/// One problem the walk found: the field, what is there, what is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Field path, e.g. `run.firms` or `matrices.spillover[0][2]`.
    pub path: String,
    /// What was found, e.g. `"many"` or `an unknown field`.
    pub value: String,
    /// What is allowed, e.g. `must be an integer from 1 to ...`.
    pub allowed: String,
    /// Whether the key is at fault (an unknown field), not its value: the key's position is
    /// the one to show.
    pub key: bool,
    /// The value removed because of it: the field itself, or the array that holds it (an
    /// array loses its positions if an element goes).
    pub removed: String,
}

/// The largest integer TOML can write (2^63 - 1).
const TOML_MAX: i64 = i64::MAX;

/// The shape of a whole scenario file.
pub fn scenario() -> &'static Shape {
    static SCENARIO: OnceLock<Shape> = OnceLock::new();
    SCENARIO.get_or_init(|| {
        let number = |range| Shape::Number(range);
        let run = Shape::Table(vec![
            (
                "steps",
                Shape::Integer {
                    min: 0,
                    max: u32::MAX.into(),
                },
            ),
            (
                "firms",
                Shape::Integer {
                    min: 1,
                    max: TOML_MAX,
                },
            ),
            (
                "replicates",
                Shape::Integer {
                    min: 1,
                    max: u32::MAX.into(),
                },
            ),
            (
                "seed",
                Shape::Integer {
                    min: 0,
                    max: TOML_MAX,
                },
            ),
            (
                "start_year",
                Shape::Integer {
                    min: i32::MIN.into(),
                    max: i32::MAX.into(),
                },
            ),
        ]);
        let model = Shape::Table(
            ModelParams::INFO
                .iter()
                .map(|p| (p.name, number(p.range)))
                .collect(),
        );
        let mut sector = vec![("tier", Shape::Choice(&TIER_NAMES))];
        sector.extend(SectorParams::INFO.iter().map(|p| (p.name, number(p.range))));
        let matrix = || Shape::Array(Box::new(Shape::Array(Box::new(number(Range::NonNegative)))));
        let transition = Shape::Table(vec![
            ("kind", Shape::Choice(&["switch", "spawn"])),
            ("from", Shape::Text),
            ("to", Shape::Text),
            ("probability", number(Range::Unit)),
            ("d_min", number(Range::Unit)),
            (
                "tfp_condition",
                Shape::Choice(&["from_median", "from_frontier", "to_median", "to_frontier"]),
            ),
            ("scale_by_digital", Shape::Bool),
        ]);
        Shape::Table(vec![
            ("name", Shape::Text),
            ("description", Shape::Text),
            ("extends", Shape::Text),
            ("run", run),
            ("model", model),
            (
                "sectors",
                Shape::Map {
                    what: "sector",
                    value: Box::new(Shape::Table(sector)),
                },
            ),
            (
                "matrices",
                Shape::Table(vec![
                    ("spillover", matrix()),
                    ("demand_linkage", matrix()),
                    ("input_output", matrix()),
                ]),
            ),
            ("transitions", Shape::Array(Box::new(transition))),
            ("policy", policy(0)),
            (
                "features",
                Shape::Table(
                    Feature::ALL
                        .iter()
                        .map(|f| (f.name(), Shape::Bool))
                        .collect(),
                ),
            ),
            (
                "regions",
                Shape::Map {
                    what: "region",
                    value: Box::new(region()),
                },
            ),
            (
                "national",
                Shape::Table(vec![
                    ("talent_endowment", number(Range::Positive)),
                    ("talent_growth", number(Range::AboveMinusOne)),
                ]),
            ),
        ])
    })
}

/// `[regions.<name>]` (docs/model.md M2.8).
fn region() -> Shape {
    let number = Shape::Number;
    Shape::Table(vec![
        (
            "firm_share",
            Shape::Table(
                TIER_NAMES
                    .iter()
                    .map(|&t| (t, number(Range::Unit)))
                    .collect(),
            ),
        ),
        ("tfp_offset", number(Range::Finite)),
        ("data_infra", number(Range::NonNegative)),
        ("talent_endowment", number(Range::Positive)),
        ("talent_growth", number(Range::AboveMinusOne)),
        (
            "aptitude",
            Shape::Map {
                what: "sector",
                value: Box::new(number(Range::Finite)),
            },
        ),
    ])
}

/// The tiers' names ([`Tier::as_str`]; a test checks they agree).
const TIER_NAMES: [&str; 3] = ["traditional", "emerging", "future"];

/// `[policy]` at nesting `depth`: the levers and a schedule whose entries `set` levers
/// (depth 1; validation refuses a schedule there with its own message, so the shape takes
/// it; deeper, none).
fn policy(depth: usize) -> Shape {
    let mut fields: Vec<(&'static str, Shape)> = LEVERS
        .iter()
        .map(|l| {
            let shape = match (l.scope, l.choices) {
                (Scope::Sector, _) => Shape::PerSector(l.range),
                (Scope::Region, _) => Shape::PerRegion(l.range),
                (Scope::Global, []) => Shape::Number(l.range),
                (Scope::Global, choices) => Shape::Choice(choices),
            };
            (l.name, shape)
        })
        .collect();
    if depth < 2 {
        let step = || Shape::Integer {
            min: 0,
            max: u32::MAX.into(),
        };
        let year = || Shape::Integer {
            min: i32::MIN.into(),
            max: i32::MAX.into(),
        };
        fields.push((
            "schedule",
            Shape::Array(Box::new(Shape::Table(vec![
                ("from_step", step()),
                ("to_step", step()),
                ("from_year", year()),
                ("to_year", year()),
                ("ramp", Shape::Bool),
                ("set", policy(depth + 1)),
            ]))),
        ));
    }
    Shape::Table(fields)
}

impl Shape {
    /// What a value of this shape must be, as a phrase for messages.
    pub fn allowed(&self) -> String {
        match self {
            Shape::Table(fields) => format!(
                "must be a table of {}",
                fields
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Shape::Map { what, .. } => format!("must be a table of {what} names"),
            Shape::Array(item) => format!("must be an array ({})", words(item)),
            Shape::Integer { min, max } => {
                format!("must be an integer from {} to {}", bound(*min), bound(*max))
            }
            Shape::Number(range) => format!("must be {}", number_words(*range)),
            Shape::Text => "must be a string (in quotes)".into(),
            Shape::Bool => "must be true or false".into(),
            Shape::Choice(choices) => {
                let quoted: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
                format!("must be one of {}", quoted.join(", "))
            }
            Shape::PerSector(range) => format!(
                "must be {} (every sector) or a table of sector = number",
                number_words(*range)
            ),
            Shape::PerRegion(range) => format!(
                "must be {} (every region) or a table of region = number",
                number_words(*range)
            ),
        }
    }

    /// The shape at `path` (`policy.schedule[0].set.carbon_price`), or the problem with the
    /// path: an unknown field (with a suggestion), an index into a table, a key into an array
    /// or a value.
    pub fn at(&self, path: &str) -> Result<&Shape, Problem> {
        let mut shape = self;
        let mut walked = String::new();
        for segment in segments(path) {
            shape = match (shape, &segment) {
                (Shape::Table(fields), Segment::Key(k)) => {
                    match fields.iter().find(|(name, _)| name == k) {
                        Some((_, s)) => s,
                        None => return Err(unknown_field(&walked, k, fields)),
                    }
                }
                (Shape::Map { value, .. }, Segment::Key(_)) => value,
                // `policy.rd_subsidy.steel`: one sector's value, `policy.talent_training.west`
                // one region's (validation checks the name)
                (Shape::PerSector(range) | Shape::PerRegion(range), Segment::Key(_)) => {
                    leaf_number(*range)
                }
                (Shape::Array(item), Segment::Index(_)) => item,
                (_, segment) => {
                    let what = match shape {
                        Shape::Table(_) | Shape::Map { .. } => "a table, not an array",
                        Shape::Array(_) => "an array: index it with [N]",
                        _ => "a value, not a table or array",
                    };
                    let shown = match segment {
                        Segment::Key(k) => join(&walked, k),
                        Segment::Index(i) => format!("{walked}[{i}]"),
                    };
                    return Err(Problem {
                        removed: shown.clone(),
                        path: shown,
                        value: format!("a path into `{walked}`"),
                        allowed: format!("`{walked}` is {what}"),
                        key: true,
                    });
                }
            };
            match segment {
                Segment::Key(k) => walked = join(&walked, &k),
                Segment::Index(i) => walked = format!("{walked}[{i}]"),
            }
        }
        Ok(shape)
    }

    /// Checks `value` (at `path`) against the shape, recording every problem in `out` and
    /// removing what it refuses from tables. Returns whether the value itself is kept: a value
    /// of the wrong kind is not, and neither is an array with a bad element (its positions
    /// would shift), so the caller removes it.
    pub fn check(&self, value: &mut toml::Value, path: &str, out: &mut Vec<Problem>) -> bool {
        let refuse = |out: &mut Vec<Problem>, value: &toml::Value| {
            out.push(Problem {
                path: path.to_string(),
                value: describe(value),
                allowed: self.allowed(),
                key: false,
                removed: path.to_string(),
            });
            false
        };
        match (self, &mut *value) {
            (Shape::Table(fields), toml::Value::Table(table)) => {
                let keys: Vec<String> = table.keys().cloned().collect();
                for key in keys {
                    let child = join(path, &key);
                    let keep = match fields.iter().find(|(name, _)| *name == key) {
                        Some((_, shape)) => shape.check(
                            table.get_mut(&key).expect("a key of the table"),
                            &child,
                            out,
                        ),
                        None => {
                            out.push(unknown_field(path, &key, fields));
                            false
                        }
                    };
                    if !keep {
                        table.remove(&key);
                    }
                }
                true
            }
            (Shape::Map { value: shape, .. }, toml::Value::Table(table)) => {
                let keys: Vec<String> = table.keys().cloned().collect();
                for key in keys {
                    let child = join(path, &key);
                    if !shape.check(table.get_mut(&key).expect("a key"), &child, out) {
                        table.remove(&key);
                    }
                }
                true
            }
            (Shape::Array(item), toml::Value::Array(items)) => {
                let first = out.len();
                let mut all = true;
                for (i, v) in items.iter_mut().enumerate() {
                    all &= item.check(v, &format!("{path}[{i}]"), out);
                }
                if !all {
                    // the whole array goes
                    out[first..]
                        .iter_mut()
                        .for_each(|p| p.removed = path.to_string());
                }
                all
            }
            (Shape::Integer { min, max }, toml::Value::Integer(i)) => {
                if (*min..=*max).contains(i) {
                    true
                } else {
                    refuse(out, value)
                }
            }
            (Shape::Number(_), toml::Value::Integer(_) | toml::Value::Float(_)) => true,
            (Shape::Text, toml::Value::String(_)) => true,
            (Shape::Bool, toml::Value::Boolean(_)) => true,
            (Shape::Choice(choices), toml::Value::String(s)) => {
                if choices.contains(&s.as_str()) {
                    true
                } else {
                    let suggestion = did_you_mean(s, choices.iter().copied())
                        .map(|m| format!(" (did you mean \"{m}\"?)"))
                        .unwrap_or_default();
                    out.push(Problem {
                        path: path.to_string(),
                        value: describe(value),
                        allowed: format!("{}{suggestion}", self.allowed()),
                        key: false,
                        removed: path.to_string(),
                    });
                    false
                }
            }
            (
                Shape::PerSector(_) | Shape::PerRegion(_),
                toml::Value::Integer(_) | toml::Value::Float(_),
            ) => true,
            (Shape::PerSector(range) | Shape::PerRegion(range), toml::Value::Table(table)) => {
                let keys: Vec<String> = table.keys().cloned().collect();
                let number = leaf_number(*range);
                for key in keys {
                    let child = join(path, &key);
                    if !number.check(table.get_mut(&key).expect("a key"), &child, out) {
                        table.remove(&key);
                    }
                }
                true
            }
            _ => refuse(out, value),
        }
    }

    /// The problem of an integer too large or small for 64 bits (which TOML cannot hold) at
    /// `path`, written as `text`.
    pub fn integer_too_large(&self, path: &str, text: &str) -> Problem {
        Problem {
            path: path.to_string(),
            removed: path.to_string(),
            value: text.to_string(),
            allowed: match self {
                Shape::Integer { .. } => self.allowed(),
                Shape::Number(_) | Shape::PerSector(_) | Shape::PerRegion(_) => format!(
                    "{} (an integer beyond 64 bits is not TOML: write it as a float, e.g. 1e20)",
                    self.allowed()
                ),
                other => other.allowed(),
            },
            key: false,
        }
    }
}

/// A number of the given range, as the leaf of a per-sector table.
fn leaf_number(range: Range) -> &'static Shape {
    static LEAVES: OnceLock<Vec<Shape>> = OnceLock::new();
    let leaves = LEAVES.get_or_init(|| RANGES.iter().map(|&r| Shape::Number(r)).collect());
    &leaves[RANGES
        .iter()
        .position(|&r| r == range)
        .expect("every range is listed")]
}

const RANGES: [Range; 10] = [
    Range::Finite,
    Range::NonNegative,
    Range::Positive,
    Range::Unit,
    Range::PositiveUnit,
    Range::UnitOpenAbove,
    Range::UpToTwo,
    Range::AboveOne,
    Range::Count,
    Range::AboveMinusOne,
];

/// A number of the range, in words: `a number in [0, 1]`.
pub fn number_words(range: Range) -> &'static str {
    match range {
        Range::Finite => "a finite number",
        Range::NonNegative => "a number >= 0",
        Range::Positive => "a number > 0",
        Range::Unit => "a number in [0, 1]",
        Range::PositiveUnit => "a number in (0, 1]",
        Range::UnitOpenAbove => "a number in [0, 1)",
        Range::UpToTwo => "a number in [0, 2]",
        Range::AboveOne => "a number > 1",
        Range::Count => "a whole number >= 0",
        Range::AboveMinusOne => "a number > -1",
    }
}

/// What an array's items must be, in words.
fn words(item: &Shape) -> String {
    match item {
        Shape::Array(inner) => format!("rows of {}", words(inner)),
        Shape::Number(range) => format!("{}s", number_words(*range).trim_start_matches("a ")),
        Shape::Table(_) => "tables".into(),
        other => other.allowed().trim_start_matches("must be ").to_string(),
    }
}

/// An integer bound as written in messages (the largest 32- and 64-bit ones named).
fn bound(x: i64) -> String {
    match x {
        i64::MAX => format!("{x} (2^63 - 1)"),
        x if x == i64::from(u32::MAX) => format!("{x} (2^32 - 1)"),
        x if x == i64::from(i32::MAX) => format!("{x} (2^31 - 1)"),
        x if x == i64::from(i32::MIN) => format!("{x} (-2^31)"),
        x => x.to_string(),
    }
}

/// A value as a message shows it: numbers as written, strings quoted, the kind of anything
/// else.
pub fn describe(value: &toml::Value) -> String {
    match value {
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(x) => x.to_string(),
        toml::Value::String(s) => {
            let mut shown: String = s.chars().take(60).collect();
            if shown.len() < s.len() {
                shown.push_str("...");
            }
            format!("{shown:?} (a string)")
        }
        toml::Value::Boolean(b) => format!("{b} (true or false)"),
        toml::Value::Datetime(d) => format!("{d} (a date)"),
        toml::Value::Array(a) => format!("an array of {} entries", a.len()),
        toml::Value::Table(_) => "a table".into(),
    }
}

fn unknown_field(table: &str, key: &str, fields: &[(&'static str, Shape)]) -> Problem {
    let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    let suggestion = did_you_mean(key, names.iter().copied())
        .map(|m| format!("did you mean `{m}`? "))
        .unwrap_or_default();
    Problem {
        path: join(table, key),
        removed: join(table, key),
        value: "an unknown field".into(),
        key: true,
        allowed: format!(
            "{suggestion}{} takes: {}",
            if table.is_empty() {
                "a scenario".to_string()
            } else {
                format!("`{table}`")
            },
            names.join(", ")
        ),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// The segments of a well-formed path (`a.b[0][1].c`); the `--set` parser has refused any
/// other.
fn segments(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !key.is_empty() {
            out.push(Segment::Key(key.to_string()));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(i) = rest[1..close].parse() {
                out.push(Segment::Index(i));
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::raw::{RawMatrices, RawRun, RawScenario, RawTransition};
    use crate::scenario::{RawPolicy, RawScheduleEntry};
    use serde::de::{Deserialize, Deserializer, Visitor};

    /// A deserializer that only records the field names a struct asks for.
    struct Fields(Vec<&'static str>);

    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<T: std::fmt::Display>(_: T) -> Self {
            Stop
        }
    }

    impl<'de> Deserializer<'de> for &mut Fields {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 = fields.to_vec();
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    fn serde_fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
        let mut f = Fields(Vec::new());
        let _ = T::deserialize(&mut f);
        f.0
    }

    fn shape_fields(shape: &Shape) -> Vec<&'static str> {
        match shape {
            Shape::Table(fields) => fields.iter().map(|(k, _)| *k).collect(),
            other => panic!("not a table: {other:?}"),
        }
    }

    #[test]
    fn the_shape_knows_exactly_the_fields_of_the_raw_types() {
        let root = scenario();
        let field = |path: &str| root.at(path).expect("a known path");
        assert_eq!(shape_fields(root), serde_fields::<RawScenario>());
        assert_eq!(shape_fields(field("run")), serde_fields::<RawRun>());
        assert_eq!(
            shape_fields(field("matrices")),
            serde_fields::<RawMatrices>()
        );
        assert_eq!(
            shape_fields(field("transitions[0]")),
            serde_fields::<RawTransition>()
        );
        assert_eq!(shape_fields(field("policy")), serde_fields::<RawPolicy>());
        assert_eq!(
            shape_fields(field("policy.schedule[0]")),
            serde_fields::<RawScheduleEntry>()
        );
        assert_eq!(
            shape_fields(field("sectors.any")),
            serde_fields::<crate::model::params::RawSector>()
        );
        assert_eq!(
            shape_fields(field("model")),
            serde_fields::<crate::model::params::RawModelParams>()
        );
        let tiers: Vec<&str> = crate::model::params::Tier::ALL
            .iter()
            .map(|t| t.as_str())
            .collect();
        assert_eq!(TIER_NAMES.to_vec(), tiers);
    }

    #[test]
    fn a_resolved_scenario_passes_the_shape_untouched() {
        let text = crate::scenario::Scenario::baseline().to_toml();
        let mut value = toml::Value::Table(toml::from_str(&text).unwrap());
        let before = value.clone();
        let mut problems = Vec::new();
        assert!(scenario().check(&mut value, "", &mut problems));
        assert_eq!(problems, []);
        assert_eq!(value, before);
    }

    #[test]
    fn slips_are_suggested_and_strangers_are_not() {
        let words = ["spillover", "demand_linkage", "steps", "seed"];
        assert_eq!(
            did_you_mean("spilover", words.into_iter()),
            Some("spillover")
        );
        assert_eq!(did_you_mean("stpes", words.into_iter()), Some("steps"));
        assert_eq!(did_you_mean("colour", words.into_iter()), None);
    }

    #[test]
    fn a_path_through_a_value_or_past_an_array_says_what_is_there() {
        let root = scenario();
        let e = root.at("run.firms.x").unwrap_err();
        assert!(e.allowed.contains("`run.firms` is a value"), "{e:?}");
        let e = root.at("transitions.kind").unwrap_err();
        assert!(e.allowed.contains("index it with [N]"), "{e:?}");
        let e = root.at("run[0]").unwrap_err();
        assert!(e.allowed.contains("a table, not an array"), "{e:?}");
        assert!(root.at("policy.rd_subsidy.steel").is_ok());
        assert!(root.at("policy.talent_training.west").is_ok());
        assert_eq!(
            root.at("policy.talent_training"),
            Ok(&Shape::PerRegion(Range::NonNegative))
        );
        assert!(root.at("matrices.spillover[0][2]").is_ok());
    }
}

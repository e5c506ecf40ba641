//! `--set PATH=VALUE`: override any scenario field from the command line.
//!
//! `PATH` is a field path as in error messages (`policy.rd_subsidy.traditional`,
//! `sectors.future.entry_rate`, `transitions[0].probability`, `matrices.spillover[0][1]`).
//! `VALUE` is read as a TOML value (`0.3`, `2000`, `true`, `[0.1, 0.2]`); anything that is not
//! valid TOML is taken as a string, so `policy.targeting=selective` works unquoted.

use crate::error::ScenarioError;
use crate::model::levers::{LeverInfo, Scope};
use crate::model::regions::{DEFAULT_REGIONS, NATIONAL};

/// One parsed `--set` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The argument as given.
    pub arg: String,
    /// The field path, normalised.
    pub path: String,
    /// The flag this override stands for (`--steps 3`), if it came from one.
    pub flag: Option<String>,
    /// Where the override was written, when not on the command line (a sweep plan's `set`
    /// or axis value): problems with its value are reported there.
    pub location: Option<crate::error::Location>,
    segments: Vec<Segment>,
    value: toml::Value,
    /// The value as written, if it is an integer that does not fit in 64 bits (TOML's
    /// integers are 64-bit): refused with the field's allowed range, not read as a string.
    pub wide_integer: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl Override {
    /// Parses `PATH=VALUE`, or one of the run flags `--steps N`, `--firms N`,
    /// `--replicates N`, `--seed N` (which set `run.steps` and so on and are reported as that
    /// flag).
    pub fn parse(arg: &str) -> Result<Self, ScenarioError> {
        for flag in ["steps", "firms", "replicates", "seed"] {
            if let Some(value) = arg.strip_prefix(&format!("--{flag} ")) {
                let mut o = Override::parse(&format!("run.{flag}={}", value.trim()))?;
                o.arg = arg.to_string();
                o.flag = Some(arg.to_string());
                return Ok(o);
            }
        }
        let fail = |message: String| ScenarioError::Set {
            arg: arg.to_string(),
            message,
        };
        let (path, value) = arg
            .split_once('=')
            .ok_or_else(|| fail("expected PATH=VALUE, e.g. policy.carbon_price=0.05".into()))?;
        let segments = parse_path(path.trim()).map_err(fail)?;
        let (value, wide_integer) = parse_value(value.trim());
        Ok(Override {
            arg: arg.to_string(),
            flag: None,
            location: None,
            path: render(&segments),
            segments,
            value,
            wide_integer,
        })
    }

    /// An override of `path` with `value`, written at `location` (a sweep plan): `label` names
    /// it in messages.
    pub fn at(
        path: &str,
        value: toml::Value,
        location: crate::error::Location,
        label: String,
    ) -> Result<Self, ScenarioError> {
        let segments = parse_path(path.trim()).map_err(|message| ScenarioError::Set {
            arg: label.clone(),
            message,
        })?;
        Ok(Override {
            arg: label,
            flag: None,
            location: Some(location),
            path: render(&segments),
            segments,
            value,
            wide_integer: None,
        })
    }

    /// The value written.
    pub fn value(&self) -> &toml::Value {
        &self.value
    }

    /// Where the override was written: its place in a plan, the flag it stands for, or the
    /// `--set` argument.
    pub fn written_at(&self) -> crate::error::Location {
        use crate::error::Location;
        match (&self.location, &self.flag) {
            (Some(location), _) => location.clone(),
            (None, Some(flag)) => Location::Flag(flag.clone()),
            (None, None) => Location::Set(self.arg.clone()),
        }
    }

    /// Writes the value into `table`, creating tables on the way.
    ///
    /// A per-sector policy lever written as one number for every sector
    /// (`rd_subsidy = 0.2`) is first spread over the sectors, so that
    /// `policy.rd_subsidy.traditional=0.3` changes one sector and keeps the others at 0.2; a
    /// per-region lever likewise over the regions (`policy.talent_training.west=0.02`).
    ///
    /// An index one past the end of an array appends to it (`policy.schedule[0]` on a
    /// scenario without a schedule starts one), and a missing array is created for it.
    pub fn apply(&self, table: &mut toml::Table) -> Result<(), ScenarioError> {
        let fail = |message: String| ScenarioError::Set {
            arg: self.arg.clone(),
            message,
        };
        let sector_names = sector_names(table);
        let region_names = region_names(table);
        let mut current = TargetMut::Table(table);
        let (last, init) = self.segments.split_last().expect("paths are non-empty");
        let mut walked = Vec::new();
        for (depth, seg) in init.iter().enumerate() {
            walked.push(seg.clone());
            let next = &self.segments[depth + 1];
            current = match (current, seg) {
                (TargetMut::Table(t), Segment::Key(k)) => {
                    let entry = t.entry(k.clone()).or_insert_with(|| empty_for(next));
                    match lever_scope(k) {
                        Some(Scope::Sector) => spread_over(entry, &sector_names),
                        Some(Scope::Region) => spread_over(entry, &region_names),
                        Some(Scope::Global) | None => {}
                    }
                    TargetMut::from_value(entry).ok_or_else(|| {
                        fail(format!("`{}` is a value, not a table", render(&walked)))
                    })?
                }
                (TargetMut::Array(a), Segment::Index(i)) => {
                    let len = a.len();
                    if *i == len {
                        a.push(empty_for(next));
                    }
                    let entry = a.get_mut(*i).ok_or_else(|| {
                        fail(format!(
                            "`{}` has {len} entries; index {i} is out of range (index {len} appends one)",
                            render(&walked[..walked.len() - 1])
                        ))
                    })?;
                    TargetMut::from_value(entry).ok_or_else(|| {
                        fail(format!(
                            "`{}` is a value, not a table or array",
                            render(&walked)
                        ))
                    })?
                }
                (TargetMut::Table(_), Segment::Index(_)) => {
                    return Err(fail(format!(
                        "`{}` is not an array",
                        render(&walked[..walked.len() - 1])
                    )));
                }
                (TargetMut::Array(_), Segment::Key(_)) => {
                    return Err(fail(format!(
                        "`{}` is an array: index it with [N]",
                        render(&walked[..walked.len() - 1])
                    )));
                }
            };
        }
        match (current, last) {
            (TargetMut::Table(t), Segment::Key(k)) => {
                t.insert(k.clone(), self.value.clone());
            }
            (TargetMut::Array(a), Segment::Index(i)) => {
                let len = a.len();
                if *i == len {
                    a.push(toml::Value::Boolean(false)); // replaced below
                }
                let slot = a.get_mut(*i).ok_or_else(|| {
                    fail(format!(
                        "`{}` has {len} entries; index {i} is out of range (index {len} appends one)",
                        render(init)
                    ))
                })?;
                *slot = self.value.clone();
            }
            (TargetMut::Table(_), Segment::Index(_)) => {
                return Err(fail(format!("`{}` is not an array", render(init))));
            }
            (TargetMut::Array(_), Segment::Key(_)) => {
                return Err(fail(format!(
                    "`{}` is an array: index it with [N]",
                    render(init)
                )));
            }
        }
        Ok(())
    }
}

/// An empty table, or an empty array where the next segment indexes one.
fn empty_for(next: &Segment) -> toml::Value {
    match next {
        Segment::Key(_) => toml::Value::Table(toml::Table::new()),
        Segment::Index(_) => toml::Value::Array(Vec::new()),
    }
}

/// The sector names of a merged scenario table (the default three if it lists none).
fn sector_names(table: &toml::Table) -> Vec<String> {
    match table.get("sectors").and_then(toml::Value::as_table) {
        Some(sectors) => sectors.keys().cloned().collect(),
        None => crate::model::params::Tier::ALL
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
    }
}

/// The region names of a merged scenario table: its `[regions]` tables when `regions` is on
/// (the default four if it lists none), else the one region `national`.
fn region_names(table: &toml::Table) -> Vec<String> {
    let regions_on = table
        .get("features")
        .and_then(|f| f.get("regions"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(false);
    if !regions_on {
        return vec![NATIONAL.to_string()];
    }
    match table.get("regions").and_then(toml::Value::as_table) {
        Some(regions) => regions.keys().cloned().collect(),
        None => DEFAULT_REGIONS
            .iter()
            .map(|(name, ..)| name.to_string())
            .collect(),
    }
}

/// The scope of the lever named `key`, if it names one.
fn lever_scope(key: &str) -> Option<Scope> {
    LeverInfo::find(key).map(|l| l.scope)
}

/// Turns `lever = x` into `lever = { k1 = x, k2 = x, ... }` over the sectors (or regions)
/// `keys`.
fn spread_over(value: &mut toml::Value, keys: &[String]) {
    if matches!(value, toml::Value::Integer(_) | toml::Value::Float(_)) {
        let table = keys.iter().map(|s| (s.clone(), value.clone())).collect();
        *value = toml::Value::Table(table);
    }
}

enum TargetMut<'a> {
    Table(&'a mut toml::Table),
    Array(&'a mut Vec<toml::Value>),
}

impl<'a> TargetMut<'a> {
    fn from_value(value: &'a mut toml::Value) -> Option<Self> {
        match value {
            toml::Value::Table(t) => Some(TargetMut::Table(t)),
            toml::Value::Array(a) => Some(TargetMut::Array(a)),
            _ => None,
        }
    }
}

fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    if path.is_empty() {
        return Err("the field path is empty".into());
    }
    let mut segments = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && (segments.is_empty() || rest.is_empty()) {
            return Err(format!("`{path}` has an empty field name"));
        }
        if !key.is_empty() {
            if !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "`{key}` is not a field name (letters, digits, _ and -)"
                ));
            }
            segments.push(Segment::Key(key.to_string()));
        }
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .ok_or_else(|| format!("`{part}`: missing `]`"))?;
            let index = rest[1..close]
                .parse::<usize>()
                .map_err(|_| format!("`{part}`: `{}` is not an index", &rest[1..close]))?;
            segments.push(Segment::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(format!("`{part}`: unexpected `{rest}`"));
            }
        }
    }
    Ok(segments)
}

/// The value of `--set PATH=VALUE`: TOML, or else a string; an integer that does not fit in
/// 64 bits is returned as written, beside.
fn parse_value(text: &str) -> (toml::Value, Option<String>) {
    let doc = format!("v = {text}");
    match toml::from_str::<toml::Table>(&doc) {
        Ok(mut t) if t.len() == 1 => (t.remove("v").expect("one key"), None),
        _ => {
            let wide = matches!(
                toml::de::DeValue::parse(text).map(|v| v.into_inner()),
                Ok(toml::de::DeValue::Integer(_))
            );
            (
                toml::Value::String(text.to_string()),
                wide.then(|| text.to_string()),
            )
        }
    }
}

fn render(segments: &[Segment]) -> String {
    let mut s = String::new();
    for seg in segments {
        match seg {
            Segment::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Segment::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn sets_nested_fields_creating_tables() {
        let mut t = table("[run]\nfirms = 10\n");
        Override::parse("run.firms=2000")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        Override::parse("policy.rd_subsidy.traditional=0.3")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        assert_eq!(t["run"]["firms"].as_integer(), Some(2000));
        assert_eq!(
            t["policy"]["rd_subsidy"]["traditional"].as_float(),
            Some(0.3)
        );
    }

    #[test]
    fn a_lever_set_for_every_sector_is_spread_before_one_sector_changes() {
        let mut t = table("[sectors.a]\n[sectors.b]\n[policy]\nrd_subsidy = 0.2\n");
        Override::parse("policy.rd_subsidy.b=0.3")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        assert_eq!(t["policy"]["rd_subsidy"]["a"].as_float(), Some(0.2));
        assert_eq!(t["policy"]["rd_subsidy"]["b"].as_float(), Some(0.3));
    }

    #[test]
    fn a_lever_set_for_every_region_is_spread_over_the_regions_before_one_region_changes() {
        let mut t = table(
            "[features]\nregions = true\n[regions.west]\n[regions.east]\n\
             [policy]\ntalent_training = 0.01\n",
        );
        Override::parse("policy.talent_training.east=0.03")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        assert_eq!(
            t["policy"]["talent_training"]["west"].as_float(),
            Some(0.01)
        );
        assert_eq!(
            t["policy"]["talent_training"]["east"].as_float(),
            Some(0.03)
        );
        assert_eq!(t["policy"]["talent_training"].as_table().unwrap().len(), 2);
    }

    #[test]
    fn the_regions_are_the_default_four_without_a_regions_table_and_national_with_regions_off() {
        let mut t = table("[features]\nregions = true\n[policy]\ntalent_training = 0.01\n");
        Override::parse("policy.talent_training.west=0.03")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        let keys: Vec<&String> = t["policy"]["talent_training"]
            .as_table()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
        assert_eq!(
            t["policy"]["talent_training"]["west"].as_float(),
            Some(0.03)
        );
        assert_eq!(
            t["policy"]["talent_training"]["east"].as_float(),
            Some(0.01)
        );

        let mut t = table("[policy]\ntalent_training = 0.01\n");
        Override::parse("policy.talent_training.national=0.02")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        let spread = t["policy"]["talent_training"].as_table().unwrap();
        assert_eq!(spread.len(), 1);
        assert_eq!(spread["national"].as_float(), Some(0.02));
    }

    #[test]
    fn bare_words_become_strings() {
        let mut t = toml::Table::new();
        Override::parse("policy.targeting=selective")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        assert_eq!(t["policy"]["targeting"].as_str(), Some("selective"));
    }

    #[test]
    fn indexes_into_arrays() {
        let mut t = table("m = [[1.0, 2.0], [3.0, 4.0]]\n");
        Override::parse("m[1][0]=9.5")
            .unwrap()
            .apply(&mut t)
            .unwrap();
        assert_eq!(t["m"][1][0].as_float(), Some(9.5));
        let err = Override::parse("m[5][0]=1")
            .unwrap()
            .apply(&mut t)
            .unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    #[test]
    fn malformed_arguments_are_refused() {
        assert!(Override::parse("run.firms").is_err());
        assert!(Override::parse("=3").is_err());
        assert!(Override::parse("run..firms=3").is_err());
        assert!(Override::parse("run.fi rms=3").is_err());
        let mut t = table("[run]\nfirms = 10\n");
        assert!(
            Override::parse("run.firms.x=3")
                .unwrap()
                .apply(&mut t)
                .is_err()
        );
    }
}

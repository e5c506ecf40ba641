//! Targets: what a run must reach to count, as the user writes them on the command line.
//!
//! A condition is an outcome (`METRIC:SECTOR:STEP`, as `nqpsim sensitivity` reads it), a
//! comparison (`>=`, `<=`, `>`, `<`, or `≥`, `≤`) and a bound: `tfp_index:all:last>=1.5`.
//! A target joins conditions with `and` and `or` (also `&`, `|`), `and` binding tighter, no
//! parentheses: `a>=1 and b<=2 or c>=3` is `(a>=1 and b<=2) or c>=3`. A run meets a set of
//! targets (several `--target` flags) when it meets every one.
//!
//! `tfp_growth` is the yearly TFP growth since step 0, in % per year, as `nqpsim compare`
//! defines it: `100 (tfp_t - tfp_0) / t` (= `100 ln(tfp_index_t) / t`), with `tfp` the log of
//! TFP (docs/model.md §7); it has no value at step 0.

use std::fmt;
use std::str::FromStr;

use crate::analysis::outcome::Outcome;

/// How an outcome is compared with its bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `>=`.
    AtLeast,
    /// `<=`.
    AtMost,
    /// `>`.
    Above,
    /// `<`.
    Below,
}

impl Comparison {
    /// The operator as written in canonical form (`>=`, `<=`, `>`, `<`).
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => ">=",
            Comparison::AtMost => "<=",
            Comparison::Above => ">",
            Comparison::Below => "<",
        }
    }

    /// Whether `value` compares so with `bound`; a missing value (NaN) meets nothing.
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Comparison::AtLeast => value >= bound,
            Comparison::AtMost => value <= bound,
            Comparison::Above => value > bound,
            Comparison::Below => value < bound,
        }
    }
}

/// One condition on one outcome of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The outcome: a metric of `trajectories.csv` or `tfp_growth`, a sector or `all`, a
    /// step or `last`.
    pub outcome: Outcome,
    /// The comparison.
    pub comparison: Comparison,
    /// The bound, a finite number.
    pub bound: f64,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.outcome,
            self.comparison.symbol(),
            self.bound
        )
    }
}

impl FromStr for Condition {
    type Err = String;

    fn from_str(text: &str) -> Result<Condition, String> {
        // Two-character operators first, so `>=` is not read as `>` and `=1.5`.
        const OPERATORS: [(&str, Comparison); 6] = [
            (">=", Comparison::AtLeast),
            ("<=", Comparison::AtMost),
            ("≥", Comparison::AtLeast),
            ("≤", Comparison::AtMost),
            (">", Comparison::Above),
            ("<", Comparison::Below),
        ];
        let Some((at, op, comparison)) = OPERATORS
            .iter()
            .filter_map(|&(op, c)| text.find(op).map(|at| (at, op, c)))
            .min_by_key(|&(at, op, _)| (at, std::cmp::Reverse(op.len())))
        else {
            return Err(format!(
                "`{text}` has no comparison: write METRIC:SECTOR:STEP>=VALUE (or <=, >, <), \
                 e.g. tfp_index:all:last>=1.5"
            ));
        };
        let (left, right) = (text[..at].trim(), text[at + op.len()..].trim());
        let outcome: Outcome = left.parse()?;
        let bound: f64 = right
            .parse()
            .ok()
            .filter(|b: &f64| b.is_finite())
            .ok_or_else(|| {
                format!("the bound `{right}` in `{text}` is not a finite number, e.g. 1.5")
            })?;
        Ok(Condition {
            outcome,
            comparison,
            bound,
        })
    }
}

/// One `--target`: conditions joined by `and` and `or`. It holds when all the conditions of
/// any one alternative hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The alternatives (joined by `or`), each a list of conditions (joined by `and`).
    pub alternatives: Vec<Vec<Condition>>,
}

impl Target {
    /// Every condition, in the order written.
    pub fn conditions(&self) -> impl Iterator<Item = &Condition> {
        self.alternatives.iter().flatten()
    }

    /// Whether the target holds, given each condition's value (NaN: missing).
    pub fn holds(&self, value: impl Fn(&Condition) -> f64) -> bool {
        self.alternatives
            .iter()
            .any(|all| all.iter().all(|c| c.comparison.holds(value(c), c.bound)))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, all) in self.alternatives.iter().enumerate() {
            if i > 0 {
                f.write_str(" or ")?;
            }
            for (j, c) in all.iter().enumerate() {
                if j > 0 {
                    f.write_str(" and ")?;
                }
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// A piece of a target's text.
#[derive(Debug, PartialEq)]
enum Token {
    And,
    Or,
    Word(String),
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(match word.to_ascii_lowercase().as_str() {
                "and" => Token::And,
                "or" => Token::Or,
                _ => Token::Word(std::mem::take(word)),
            });
            word.clear();
        }
    };
    for c in text.chars() {
        match c {
            '&' | '|' => {
                flush(&mut word, &mut out);
                let token = if c == '&' { Token::And } else { Token::Or };
                // `&&` and `||` are one operator.
                if out.last() != Some(&token) {
                    out.push(token);
                }
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

impl FromStr for Target {
    type Err = String;

    fn from_str(text: &str) -> Result<Target, String> {
        let mut alternatives = vec![Vec::new()];
        let mut condition = String::new();
        let close = |condition: &mut String,
                     alternatives: &mut Vec<Vec<Condition>>,
                     joiner: &str|
         -> Result<(), String> {
            if condition.is_empty() {
                return Err(format!(
                    "`{text}`: `{joiner}` needs a condition on each side, e.g. \
                     tfp_index:all:last>=1.5 and emissions:all:last<=0.8"
                ));
            }
            let parsed = condition.parse()?;
            alternatives.last_mut().expect("one at least").push(parsed);
            condition.clear();
            Ok(())
        };
        for token in tokens(text) {
            match token {
                // Words between operators make one condition: `a >= 1.5` is `a>=1.5`.
                Token::Word(w) => condition.push_str(&w),
                Token::And => close(&mut condition, &mut alternatives, "and")?,
                Token::Or => {
                    close(&mut condition, &mut alternatives, "or")?;
                    alternatives.push(Vec::new());
                }
            }
        }
        if condition.is_empty() && alternatives.len() == 1 && alternatives[0].is_empty() {
            return Err(
                "an empty target: write METRIC:SECTOR:STEP>=VALUE, e.g. tfp_index:all:last>=1.5"
                    .into(),
            );
        }
        close(&mut condition, &mut alternatives, "and/or")?;
        Ok(Target { alternatives })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::outcome::StepChoice;

    fn target(text: &str) -> Target {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn a_condition_reads_outcome_operator_and_bound_with_or_without_spaces() {
        let t = target("tfp_index:all:last>=1.5");
        let [c] = &t.alternatives[0][..] else {
            panic!("one condition")
        };
        assert_eq!(c.outcome.metric, "tfp_index");
        assert_eq!(c.outcome.step, StepChoice::Last);
        assert_eq!((c.comparison, c.bound), (Comparison::AtLeast, 1.5));
        assert_eq!(target("tfp_index:all:last >= 1.5"), t);
        assert_eq!(target("tfp_index:all:last ≥ 1.5"), t);
        let c = &target("emissions:future:30<0.8").alternatives[0][0];
        assert_eq!(c.outcome.step, StepChoice::Number(30));
        assert_eq!((c.comparison, c.bound), (Comparison::Below, 0.8));
        assert_eq!(
            target("emissions:all:last<=-2e-1").alternatives[0][0].bound,
            -0.2
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let t = target("a:all:1>=1 and b:all:1<=2 OR c:all:1>3 && d:all:1<4 | e:all:last>=0");
        let shape: Vec<usize> = t.alternatives.iter().map(Vec::len).collect();
        assert_eq!(shape, [2, 2, 1]);
        assert_eq!(
            t.to_string(),
            "a:all:1 >= 1 and b:all:1 <= 2 or c:all:1 > 3 and d:all:1 < 4 or e:all:last >= 0"
        );
        assert_eq!(target(&t.to_string()), t, "the canonical form reads back");
        let value = |a: f64, b: f64, c: f64, d: f64, e: f64| {
            move |cond: &Condition| match cond.outcome.metric.as_str() {
                "a" => a,
                "b" => b,
                "c" => c,
                "d" => d,
                _ => e,
            }
        };
        let nan = f64::NAN;
        assert!(t.holds(value(1.0, 2.0, 0.0, 9.0, -1.0)));
        assert!(!t.holds(value(1.0, 2.5, 0.0, 9.0, -1.0)));
        assert!(t.holds(value(0.0, 9.0, 3.5, 3.9, -1.0)));
        assert!(!t.holds(value(0.0, 9.0, 3.0, 3.9, -1.0)), "> is strict");
        assert!(t.holds(value(nan, nan, nan, nan, 0.0)));
        assert!(!t.holds(value(nan, 2.0, nan, 1.0, nan)), "NA meets nothing");
    }

    #[test]
    fn bad_targets_say_what_is_wrong() {
        for (text, expected) in [
            ("tfp_index:all:last", "has no comparison"),
            ("tfp_index:all:last>=", "not a finite number"),
            ("tfp_index:all:last>=nan", "not a finite number"),
            ("tfp_index:all:last>=inf", "not a finite number"),
            ("tfp_index:all:1:2>=1", "METRIC:SECTOR:STEP"),
            ("tfp_index::1>=1", "names no sector"),
            ("tfp_index:all:soon>=1", "neither a step number nor `last`"),
            ("and tfp_index:all:1>=1", "needs a condition on each side"),
            ("tfp_index:all:1>=1 or", "needs a condition on each side"),
            (
                "a:all:1>=1 and or b:all:1<=1",
                "needs a condition on each side",
            ),
            ("", "an empty target"),
            ("   ", "an empty target"),
        ] {
            let e = text.parse::<Target>().unwrap_err();
            assert!(e.contains(expected), "{text}: {e}");
        }
    }
}

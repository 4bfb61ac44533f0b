//! A model call's generation settings, with Gemini's ranges.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValueError;
use super::ranges::{integer_between, integer_within};

/// The largest thinking budget any Gemini model takes (2.5 Pro; 2.5 Flash stops at
/// 24576 and the API clamps it).
const MAX_THINKING_BUDGET: i64 = 32_768;
/// The largest `maxOutputTokens` of the 2.5 models.
const MAX_OUTPUT_TOKENS: i64 = 65_536;
const DEFAULT_MAX_OUTPUT_TOKENS: u32 = 16_384;

/// Sampling temperature, a finite number from 0.0 to 2.0. Displays like Python's
/// `str(float)` (`0.7`, `1.0`), which the experiment name relies on.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Temperature(f64);

impl Temperature {
    pub fn parse(value: f64) -> Result<Self, ValueError> {
        check_range(value, 0.0, 2.0, "must be between 0.0 and 2.0").map(Temperature)
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// Nucleus sampling share, a finite number from 0.0 to 1.0.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(into = "f64")]
pub struct TopP(f64);

impl TopP {
    pub fn parse(value: f64) -> Result<Self, ValueError> {
        check_range(value, 0.0, 1.0, "must be between 0.0 and 1.0").map(TopP)
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// Top-k sampling: at least 1, at most Gemini's int32 limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TopK(u32);

impl TopK {
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        integer_between(value, 1, i32::MAX.into()).map(TopK)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// Gemini's sampling seed, an int32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Seed(i32);

impl Seed {
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        integer_between(value, i32::MIN.into(), i32::MAX.into()).map(Seed)
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// Thinking tokens allowed: −1 = dynamic (the model decides), 0 = off, else a
/// budget of 1 to `MAX_THINKING_BUDGET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ThinkingBudget(i32);

impl ThinkingBudget {
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        integer_within(value, -1, MAX_THINKING_BUDGET, || {
            format!("must be -1 (dynamic), 0 (off) or between 1 and {MAX_THINKING_BUDGET}")
        })
        .map(ThinkingBudget)
    }

    pub fn get(self) -> i32 {
        self.0
    }

    pub fn is_dynamic(self) -> bool {
        self.0 == -1
    }

    pub fn is_off(self) -> bool {
        self.0 == 0
    }
}

/// The most tokens one answer may take, thinking included: 1 to
/// `MAX_OUTPUT_TOKENS`, default 16384.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MaxOutputTokens(u32);

impl MaxOutputTokens {
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        integer_between(value, 1, MAX_OUTPUT_TOKENS).map(MaxOutputTokens)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for MaxOutputTokens {
    fn default() -> Self {
        MaxOutputTokens(DEFAULT_MAX_OUTPUT_TOKENS)
    }
}

impl TryFrom<f64> for Temperature {
    type Error = ValueError;

    fn try_from(value: f64) -> Result<Self, ValueError> {
        Temperature::parse(value)
    }
}

impl From<Temperature> for f64 {
    fn from(value: Temperature) -> f64 {
        value.0
    }
}

impl From<TopP> for f64 {
    fn from(value: TopP) -> f64 {
        value.0
    }
}

impl fmt::Display for Temperature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&python_float(self.0))
    }
}

impl fmt::Display for TopP {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&python_float(self.0))
    }
}

/// `value` when it is finite and within `min..=max`; `-0.0` becomes `0.0` so it
/// never shows as `-0.0` in a name.
fn check_range(value: f64, min: f64, max: f64, rule: &str) -> Result<f64, ValueError> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(value + 0.0)
    } else {
        Err(ValueError::new(rule, python_float(value)))
    }
}

/// Formats a float as Python's `str(float)` does: the shortest digits that read back
/// to the same value (Rust's `{:e}` gives exactly those), in fixed notation when the
/// decimal exponent is in -4..16 — always with a fractional part (`1.0`) — and in
/// scientific notation with a signed two-digit exponent otherwise (`1e-05`).
fn python_float(value: f64) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "nan".to_string()
        } else if value > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        };
    }
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits = mantissa.replace('.', "");
    let sign = if value.is_sign_negative() && value != 0.0 {
        "-"
    } else {
        ""
    };
    let body = if (-4..16).contains(&exponent) {
        if exponent < 0 {
            format!("0.{}{digits}", "0".repeat((-exponent - 1) as usize))
        } else {
            let integer_len = exponent as usize + 1;
            if digits.len() <= integer_len {
                format!("{digits}{}.0", "0".repeat(integer_len - digits.len()))
            } else {
                format!("{}.{}", &digits[..integer_len], &digits[integer_len..])
            }
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{exponent_sign}{:02}", exponent.abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_matches_python_str() {
        // Expected values are what CPython 3 prints for str(x).
        for (value, python) in [
            (0.0, "0.0"),
            (-0.0, "0.0"),
            (0.7, "0.7"),
            (1.0, "1.0"),
            (2.0, "2.0"),
            (1.25, "1.25"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000015, "1.5e-05"),
            (123456.0, "123456.0"),
            (1e16, "1e+16"),
            (1.5e300, "1.5e+300"),
            (-3.5, "-3.5"),
            (f64::INFINITY, "inf"),
        ] {
            assert_eq!(python_float(value), python, "{value:e}");
        }
    }

    #[test]
    fn temperature_range_is_inclusive_and_finite() {
        assert_eq!(Temperature::parse(0.0).unwrap().to_string(), "0.0");
        assert_eq!(Temperature::parse(-0.0).unwrap().to_string(), "0.0");
        assert_eq!(Temperature::parse(2.0).unwrap().get(), 2.0);
        assert_eq!(
            Temperature::parse(3.5).unwrap_err().to_string(),
            "must be between 0.0 and 2.0, got 3.5"
        );
        assert_eq!(
            Temperature::parse(f64::NAN).unwrap_err().to_string(),
            "must be between 0.0 and 2.0, got nan"
        );
        assert!(Temperature::parse(f64::INFINITY).is_err());
        assert!(serde_json::from_str::<Temperature>("2.5").is_err());
        assert_eq!(
            serde_json::from_str::<Temperature>("1")
                .unwrap()
                .to_string(),
            "1.0"
        );
    }

    #[test]
    fn top_p_and_top_k() {
        assert!(TopP::parse(1.0).is_ok());
        assert_eq!(
            TopP::parse(1.5).unwrap_err().to_string(),
            "must be between 0.0 and 1.0, got 1.5"
        );
        assert_eq!(TopK::parse(40).unwrap().get(), 40);
        assert_eq!(
            TopK::parse(0).unwrap_err().to_string(),
            "must be between 1 and 2147483647, got 0"
        );
    }

    #[test]
    fn seed_is_an_int32() {
        assert_eq!(Seed::parse(-7).unwrap().get(), -7);
        assert_eq!(Seed::parse(i32::MAX.into()).unwrap().get(), i32::MAX);
        assert_eq!(
            Seed::parse(1 << 31).unwrap_err().to_string(),
            "must be between -2147483648 and 2147483647, got 2147483648"
        );
    }

    #[test]
    fn thinking_budget_knows_dynamic_and_off() {
        assert!(ThinkingBudget::parse(-1).unwrap().is_dynamic());
        assert!(ThinkingBudget::parse(0).unwrap().is_off());
        assert_eq!(ThinkingBudget::parse(24_576).unwrap().get(), 24_576);
        assert_eq!(
            ThinkingBudget::parse(-2).unwrap_err().to_string(),
            "must be -1 (dynamic), 0 (off) or between 1 and 32768, got -2"
        );
        assert!(ThinkingBudget::parse(32_769).is_err());
    }

    #[test]
    fn max_output_tokens_defaults_to_16384() {
        assert_eq!(MaxOutputTokens::default().get(), 16_384);
        assert!(MaxOutputTokens::parse(65_536).is_ok());
        assert_eq!(
            MaxOutputTokens::parse(0).unwrap_err().to_string(),
            "must be between 1 and 65536, got 0"
        );
    }
}

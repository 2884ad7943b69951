//! Compose-style quantities: durations (`"10s"`, `"1m30s"`), byte sizes (`"512M"`, `"1G"`)
//! and CPU counts (`"0.5"`), parsed into the integers Docker's API takes.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use thiserror::Error;

/// Why a quantity could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnitError {
    /// Not a duration.
    #[error(
        "invalid duration \"{0}\": expected numbers with units ns, us, ms, s, m or h, e.g. \"10s\" or \"1m30s\""
    )]
    Duration(String),
    /// Not a byte size.
    #[error(
        "invalid memory size \"{0}\": expected a number of bytes with an optional unit b, k, m, g or t, e.g. \"512M\" or \"1G\""
    )]
    Memory(String),
    /// Not a CPU count.
    #[error(
        "invalid CPU count \"{0}\": expected a positive decimal number with at most 9 decimals, e.g. \"0.5\" or \"2\""
    )]
    Cpus(String),
    /// A well-formed quantity that is zero where zero makes no sense.
    #[error("\"{0}\" must be greater than zero")]
    Zero(String),
    /// A quantity too large for Docker's 64-bit fields.
    #[error("\"{0}\" is too large")]
    TooLarge(String),
}

/// Parses a Go-style duration into nanoseconds: one or more `<number><unit>` parts with
/// units `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`; numbers may have decimals. `"0"` is zero.
pub fn parse_duration(text: &str) -> Result<i64, UnitError> {
    let bad = || UnitError::Duration(text.to_owned());
    if text == "0" {
        return Ok(0);
    }
    let mut rest = text;
    let mut total: u128 = 0;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let (whole, frac, after) = split_number(rest).ok_or_else(bad)?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let unit = match &after[..unit_len] {
            "ns" => 1u128,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(bad()),
        };
        total = whole
            .checked_mul(unit)
            .and_then(|n| n.checked_add(scale_fraction(frac, unit)?))
            .and_then(|n| n.checked_add(total))
            .ok_or_else(|| UnitError::TooLarge(text.to_owned()))?;
        rest = &after[unit_len..];
    }
    i64::try_from(total).map_err(|_| UnitError::TooLarge(text.to_owned()))
}

/// Parses a byte size: a number with an optional binary unit `b`, `k`, `m`, `g`, `t`
/// (case-insensitive, optionally followed by `b` or `ib`, so `512M`, `512mb`, `1GiB`).
/// The result must be greater than zero.
pub fn parse_memory(text: &str) -> Result<i64, UnitError> {
    let bad = || UnitError::Memory(text.to_owned());
    let (whole, frac, unit) = split_number(text).ok_or_else(bad)?;
    let multiplier: u128 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(bad()),
    };
    let bytes = whole
        .checked_mul(multiplier)
        .and_then(|n| n.checked_add(scale_fraction(frac, multiplier)?))
        .ok_or_else(|| UnitError::TooLarge(text.to_owned()))?;
    if bytes == 0 {
        return Err(UnitError::Zero(text.to_owned()));
    }
    i64::try_from(bytes).map_err(|_| UnitError::TooLarge(text.to_owned()))
}

/// Parses a CPU count (`"0.5"`, `"2"`) into nano-CPUs (`500_000_000`, `2_000_000_000`).
pub fn parse_cpus(text: &str) -> Result<i64, UnitError> {
    let bad = || UnitError::Cpus(text.to_owned());
    let (whole, frac, rest) = split_number(text).ok_or_else(bad)?;
    if !rest.is_empty() || frac.len() > 9 {
        return Err(bad());
    }
    let nanos = whole
        .checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(scale_fraction(frac, 1_000_000_000)?))
        .ok_or_else(|| UnitError::TooLarge(text.to_owned()))?;
    if nanos == 0 {
        return Err(UnitError::Zero(text.to_owned()));
    }
    i64::try_from(nanos).map_err(|_| UnitError::TooLarge(text.to_owned()))
}

/// Splits a leading unsigned decimal number into its whole part, its fraction digits and the
/// remaining text. `None` if there is no number or the whole part overflows.
fn split_number(text: &str) -> Option<(u128, &str, &str)> {
    let whole_len = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (whole_text, rest) = text.split_at(whole_len);
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(after_dot) => {
            let len = after_dot
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after_dot.len());
            after_dot.split_at(len)
        }
        None => ("", rest),
    };
    if whole_text.is_empty() && frac.is_empty() {
        return None;
    }
    let whole = if whole_text.is_empty() {
        0
    } else {
        whole_text.parse().ok()?
    };
    Some((whole, frac, rest))
}

/// `0.<frac> * unit`, truncated; `None` on overflow (more than 30 fraction digits).
fn scale_fraction(frac: &str, unit: u128) -> Option<u128> {
    if frac.is_empty() {
        return Some(0);
    }
    let digits = u32::try_from(frac.len()).ok().filter(|d| *d <= 30)?;
    let numerator: u128 = frac.parse().ok()?;
    numerator.checked_mul(unit).map(|n| n / 10u128.pow(digits))
}

/// A duration in nanoseconds, deserialised from a duration string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DurationNs(pub(crate) i64);

/// A byte count, deserialised from a size string or a plain integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bytes(pub(crate) i64);

/// Nano-CPUs, deserialised from a decimal string or number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NanoCpus(pub(crate) i64);

impl<'de> de::Deserialize<'de> for DurationNs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationNs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"10s\" or \"1m30s\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationNs, E> {
                parse_duration(v).map(DurationNs).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DurationNs, E> {
                match v {
                    0 => Ok(DurationNs(0)),
                    _ => Err(E::custom(format!(
                        "duration {v} has no unit: write e.g. \"{v}s\""
                    ))),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> de::Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a memory size such as \"512M\" or \"1G\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
                parse_memory(v).map(Bytes).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bytes, E> {
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> de::Deserialize<'de> for NanoCpus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NanoCpus;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CPU count such as \"0.5\" or 2")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NanoCpus, E> {
                parse_cpus(v).map(NanoCpus).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NanoCpus, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NanoCpus, E> {
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(10_000_000_000));
        assert_eq!(parse_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_duration("500ms"), Ok(500_000_000));
        assert_eq!(parse_duration("1.5h"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("2us"), Ok(2_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("0s"), Ok(0));
    }

    #[test]
    fn bad_durations() {
        for text in [
            "",
            "10",
            "s",
            "10x",
            "1m30",
            "-5s",
            "10 s",
            "1.s.",
            "ten seconds",
        ] {
            assert!(
                matches!(parse_duration(text), Err(UnitError::Duration(_))),
                "{text:?} should be rejected"
            );
        }
        assert!(matches!(
            parse_duration("99999999999h"),
            Err(UnitError::TooLarge(_))
        ));
        assert_eq!(
            parse_duration("10x").unwrap_err().to_string(),
            "invalid duration \"10x\": expected numbers with units ns, us, ms, s, m or h, e.g. \"10s\" or \"1m30s\""
        );
    }

    #[test]
    fn memory() {
        assert_eq!(parse_memory("512M"), Ok(512 * 1024 * 1024));
        assert_eq!(parse_memory("1G"), Ok(1 << 30));
        assert_eq!(parse_memory("1gb"), Ok(1 << 30));
        assert_eq!(parse_memory("1GiB"), Ok(1 << 30));
        assert_eq!(parse_memory("1.5k"), Ok(1536));
        assert_eq!(parse_memory("4096"), Ok(4096));
        assert_eq!(parse_memory("100b"), Ok(100));
    }

    #[test]
    fn bad_memory() {
        for text in ["", "M", "12Q", "1 G", "-1G", "1GG"] {
            assert!(
                matches!(parse_memory(text), Err(UnitError::Memory(_))),
                "{text:?} should be rejected"
            );
        }
        assert_eq!(parse_memory("0M"), Err(UnitError::Zero("0M".to_owned())));
        assert!(matches!(
            parse_memory("99999999999999t"),
            Err(UnitError::TooLarge(_))
        ));
    }

    #[test]
    fn cpus() {
        assert_eq!(parse_cpus("0.5"), Ok(500_000_000));
        assert_eq!(parse_cpus("2"), Ok(2_000_000_000));
        assert_eq!(parse_cpus(".25"), Ok(250_000_000));
        assert_eq!(parse_cpus("0.000000001"), Ok(1));
        for text in ["", "abc", "1.5x", "0.0000000001", "-1"] {
            assert!(
                matches!(parse_cpus(text), Err(UnitError::Cpus(_))),
                "{text:?} should be rejected"
            );
        }
        assert_eq!(parse_cpus("0"), Err(UnitError::Zero("0".to_owned())));
    }
}

//! Reads template text into a YAML value tree and deserialises typed structures from it,
//! so that every error carries the full key path and unsupported keys are named as such.
//!
//! YAML anchors, aliases and merge keys (`<<: *anchor`) are resolved first. Top-level keys
//! starting with `x-` other than `x-plenum` are compose extension fields: they exist only to
//! hold anchors and are dropped after the merge, as `docker stack deploy` ignores them.

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer, StrDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde_norway::Value;

use super::error::Issue;

/// The top-level key of Plenum's extension block.
pub(crate) const PLENUM_KEY: &str = "x-plenum";

/// Parses YAML text, resolves merge keys and drops top-level anchor holders.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    let mut value: Value = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    value.apply_merge().map_err(|e| e.to_string())?;
    if let Value::Mapping(map) = &mut value {
        map.retain(|key, _| match key.as_str() {
            Some(key) => !key.starts_with("x-") || key.starts_with(PLENUM_KEY),
            None => true,
        });
    }
    Ok(value)
}

/// Deserialises `T` from a value tree; errors carry the key path.
pub(crate) fn deserialize<T: DeserializeOwned>(value: &Value) -> Result<T, Issue> {
    serde_path_to_error::deserialize(ValueDeserializer(value)).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." {
            "top level".to_owned()
        } else {
            path
        };
        Issue::at(path, err.into_inner().to_string())
    })
}

/// A deserialisation error with wording meant for template authors.
#[derive(Debug)]
pub(crate) enum DeError {
    UnsupportedKey(String),
    MissingKey(&'static str),
    Message(String),
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeError::UnsupportedKey(key) => write!(f, "key \"{key}\" is not supported"),
            DeError::MissingKey(key) => write!(f, "required key \"{key}\" is missing"),
            DeError::Message(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::Message(msg.to_string())
    }

    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        DeError::UnsupportedKey(field.to_owned())
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError::Message(format!(
            "\"{variant}\" is not supported here (expected one of: {})",
            expected.join(", ")
        ))
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::MissingKey(field)
    }
}

/// A serde deserializer over a borrowed [`Value`].
#[derive(Clone, Copy)]
struct ValueDeserializer<'a>(&'a Value);

impl<'de> IntoDeserializer<'de, DeError> for ValueDeserializer<'_> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else if let Some(f) = n.as_f64() {
                    visitor.visit_f64(f)
                } else {
                    Err(DeError::Message(format!("unsupported number {n}")))
                }
            }
            Value::String(s) => visitor.visit_str(s),
            Value::Sequence(items) => {
                let mut seq = SeqDeserializer::new(items.iter().map(ValueDeserializer));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Mapping(entries) => {
                let mut map = MapDeserializer::new(
                    entries
                        .iter()
                        .map(|(k, v)| (ValueDeserializer(k), ValueDeserializer(v))),
                );
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
            Value::Tagged(tagged) => Err(DeError::Message(format!(
                "YAML tags such as {} are not supported",
                tagged.tag
            ))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(StrDeserializer::<DeError>::new(s)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

//! Values compose accepts in more than one form, each normalised on deserialisation:
//! key/value maps written as a map or as a `KEY=value` list, commands written as a string or
//! a list, service networks written as a list or a map with aliases, and octal file modes.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::template::shell::split_words;

/// A scalar (string, number or boolean) read as a string, as compose does for
/// environment values (`DATABASE_PORT: 5432`).
pub(crate) struct Scalar(pub(crate) String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Err(E::custom(
                    "a value is required (Plenum does not pass values through from the host)",
                ))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Key/value pairs (environment, labels): a map, or a list of `KEY=value` strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyValues(pub(crate) BTreeMap<String, String>);

impl<'de> Deserialize<'de> for KeyValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyValues;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map or a list of \"KEY=value\" strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyValues, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: Scalar = map.next_value()?;
                    insert_unique(&mut out, key, value.0)?;
                }
                Ok(KeyValues(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyValues, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(item) = seq.next_element::<String>()? {
                    let Some((key, value)) = item.split_once('=') else {
                        return Err(de::Error::custom(format!(
                            "\"{item}\" has no \"=value\" (Plenum does not pass values through from the host)"
                        )));
                    };
                    insert_unique(&mut out, key.to_owned(), value.to_owned())?;
                }
                Ok(KeyValues(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyValues, E> {
                Ok(KeyValues::default())
            }
        }
        deserializer.deserialize_any(V)
    }
}

fn insert_unique<E: de::Error>(
    map: &mut BTreeMap<String, String>,
    key: String,
    value: String,
) -> Result<(), E> {
    if key.is_empty() {
        return Err(E::custom("empty key"));
    }
    if map.contains_key(&key) {
        return Err(E::custom(format!("\"{key}\" is set twice")));
    }
    map.insert(key, value);
    Ok(())
}

/// A command: a list of words, or one string split like a shell would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Command;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Command, E> {
                let words = split_words(v).map_err(E::custom)?;
                if words.is_empty() {
                    return Err(E::custom("the command is empty"));
                }
                Ok(Command(words))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Command, A::Error> {
                let mut words = Vec::new();
                while let Some(word) = seq.next_element::<Scalar>()? {
                    words.push(word.0);
                }
                if words.is_empty() {
                    return Err(de::Error::custom("the command is empty"));
                }
                Ok(Command(words))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The networks of a service: a list of names, or a map from name to `{ aliases: [...] }`.
/// Normalised to network name → extra aliases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ServiceNetworks(pub(crate) BTreeMap<String, Vec<String>>);

/// The long form of one service network entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkEntry {
    #[serde(default)]
    aliases: Vec<String>,
}

impl<'de> Deserialize<'de> for ServiceNetworks {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ServiceNetworks;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of network names or a map of networks")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ServiceNetworks, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(name) = seq.next_element::<String>()? {
                    if out.insert(name.clone(), Vec::new()).is_some() {
                        return Err(de::Error::custom(format!(
                            "network \"{name}\" is listed twice"
                        )));
                    }
                }
                Ok(ServiceNetworks(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ServiceNetworks, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(name) = map.next_key::<String>()? {
                    let entry: Option<NetworkEntry> = map.next_value()?;
                    out.insert(name, entry.unwrap_or_default().aliases);
                }
                Ok(ServiceNetworks(out))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A file mode: an integer, or an octal string such as `"0440"` or `"0o440"`
/// (YAML reads an unquoted `0440` as the string `"0440"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileMode(pub(crate) u32);

impl<'de> Deserialize<'de> for FileMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FileMode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a file mode such as 0440")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FileMode, E> {
                u32::try_from(v)
                    .ok()
                    .filter(|m| *m <= 0o777)
                    .map(FileMode)
                    .ok_or_else(|| E::custom(format!("file mode {v:#o} is above 0777")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FileMode, E> {
                let digits = v
                    .strip_prefix("0o")
                    .or_else(|| v.strip_prefix('0'))
                    .ok_or_else(|| {
                        E::custom(format!(
                            "file mode \"{v}\" must be octal with a leading 0, e.g. \"0440\""
                        ))
                    })?;
                let mode = if digits.is_empty() {
                    0
                } else {
                    u64::from_str_radix(digits, 8).map_err(|_| {
                        E::custom(format!("file mode \"{v}\" is not an octal number"))
                    })?
                };
                self.visit_u64(mode)
            }
        }
        deserializer.deserialize_any(V)
    }
}

//! One entry under `services:`: image, command, environment, secrets, networks, volumes,
//! labels, healthcheck and deploy settings, with compose's short and long forms.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::deploy::Deploy;
use super::forms::{Command, FileMode, KeyValues, ServiceNetworks};
use crate::template::units::DurationNs;

/// A service as written in the template.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceDef {
    pub(crate) image: String,
    pub(crate) command: Option<Command>,
    pub(crate) entrypoint: Option<Command>,
    #[serde(default)]
    pub(crate) environment: KeyValues,
    #[serde(default)]
    pub(crate) secrets: Vec<ServiceSecret>,
    #[serde(default)]
    pub(crate) networks: ServiceNetworks,
    #[serde(default)]
    pub(crate) volumes: Vec<ServiceVolume>,
    #[serde(default)]
    pub(crate) labels: KeyValues,
    pub(crate) healthcheck: Option<HealthcheckDef>,
    #[serde(default)]
    pub(crate) deploy: Deploy,
}

/// A secret given to a service: `- name` or `{ source, target, mode }`.
#[derive(Debug)]
pub(crate) struct ServiceSecret {
    pub(crate) source: String,
    pub(crate) target: Option<String>,
    pub(crate) mode: Option<FileMode>,
}

/// A named volume mounted into a service: `vol:/path[:ro]` or
/// `{ type: volume, source, target, read_only }`.
#[derive(Debug)]
pub(crate) struct ServiceVolume {
    pub(crate) source: String,
    pub(crate) target: String,
    pub(crate) read_only: bool,
}

/// The mount types Plenum supports: named volumes only.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum VolumeType {
    #[default]
    Volume,
}

/// A service healthcheck.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthcheckDef {
    pub(crate) test: Option<HealthTest>,
    pub(crate) interval: Option<DurationNs>,
    pub(crate) timeout: Option<DurationNs>,
    pub(crate) retries: Option<u64>,
    pub(crate) start_period: Option<DurationNs>,
    #[serde(default)]
    pub(crate) disable: bool,
}

/// A healthcheck test: a string (run with `CMD-SHELL`) or a list starting with
/// `NONE`, `CMD` or `CMD-SHELL`. Kept in Docker's list form.
#[derive(Debug)]
pub(crate) struct HealthTest(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for HealthTest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HealthTest;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command string or a list starting with NONE, CMD or CMD-SHELL")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HealthTest, E> {
                if v.trim().is_empty() {
                    return Err(E::custom("the healthcheck test is empty"));
                }
                Ok(HealthTest(vec!["CMD-SHELL".to_owned(), v.to_owned()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<HealthTest, A::Error> {
                let mut words: Vec<String> = Vec::new();
                while let Some(word) = seq.next_element()? {
                    words.push(word);
                }
                match words.first().map(String::as_str) {
                    Some("NONE") if words.len() == 1 => Ok(HealthTest(words)),
                    Some("CMD" | "CMD-SHELL") if words.len() > 1 => Ok(HealthTest(words)),
                    _ => Err(de::Error::custom(
                        "a healthcheck test list must be [\"NONE\"] or start with \"CMD\" or \"CMD-SHELL\" followed by the command",
                    )),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for ServiceSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShortOrLong::<ServiceSecret>::new("a secret name or a map"))
    }
}

impl<'de> Deserialize<'de> for ServiceVolume {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShortOrLong::<ServiceVolume>::new(
            "\"volume:/path[:ro]\" or a map",
        ))
    }
}

/// Short (string) forms that expand into the long form.
trait FromShort: Sized {
    fn from_short(text: &str) -> Result<Self, String>;
}

impl FromShort for ServiceSecret {
    fn from_short(text: &str) -> Result<Self, String> {
        Ok(ServiceSecret {
            source: text.to_owned(),
            target: None,
            mode: None,
        })
    }
}

impl FromShort for ServiceVolume {
    fn from_short(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let (source, target, read_only) = match parts.as_slice() {
            [source, target] => (*source, *target, false),
            [source, target, "ro"] => (*source, *target, true),
            [source, target, "rw"] => (*source, *target, false),
            [_, _, other] => {
                return Err(format!(
                    "volume option \"{other}\" is not supported (use \"ro\" or \"rw\")"
                ));
            }
            _ => {
                return Err(format!(
                    "\"{text}\" is not of the form \"volume:/path\" or \"volume:/path:ro\" (anonymous volumes are not supported)"
                ));
            }
        };
        Ok(ServiceVolume {
            source: source.to_owned(),
            target: target.to_owned(),
            read_only,
        })
    }
}

/// Visits either a string (short form) or a map (long form, with its own error paths).
struct ShortOrLong<T> {
    expecting: &'static str,
    marker: std::marker::PhantomData<T>,
}

impl<T> ShortOrLong<T> {
    fn new(expecting: &'static str) -> Self {
        ShortOrLong {
            expecting,
            marker: std::marker::PhantomData,
        }
    }
}

/// The long form, deserialised by the derived implementation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LongSecret {
    source: String,
    target: Option<String>,
    mode: Option<FileMode>,
}

/// The long form, deserialised by the derived implementation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LongVolume {
    /// Only `volume` is accepted; checked by deserialisation alone.
    #[serde(rename = "type", default)]
    _kind: VolumeType,
    source: String,
    target: String,
    #[serde(default)]
    read_only: bool,
}

/// Long forms deserialise through a private twin struct to avoid recursing into
/// the short-or-long visitor.
trait FromLong<'de>: Sized {
    fn from_long<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

impl<'de> FromLong<'de> for ServiceSecret {
    fn from_long<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let long = LongSecret::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(ServiceSecret {
            source: long.source,
            target: long.target,
            mode: long.mode,
        })
    }
}

impl<'de> FromLong<'de> for ServiceVolume {
    fn from_long<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let long = LongVolume::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(ServiceVolume {
            source: long.source,
            target: long.target,
            read_only: long.read_only,
        })
    }
}

impl<'de, T: FromShort + FromLong<'de>> Visitor<'de> for ShortOrLong<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_short(v).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_long(map)
    }
}

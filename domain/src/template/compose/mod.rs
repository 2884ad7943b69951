//! The compose-file subset as typed structures. Deserialisation rejects every key outside
//! the subset (naming its path) and normalises short and long forms; cross-references are
//! checked afterwards by [`super::validate`].

pub(crate) mod deploy;
pub(crate) mod forms;
pub(crate) mod service;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::extension::{GenerateDef, PlenumDef};
use forms::KeyValues;
use service::ServiceDef;

/// A whole template file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComposeFile {
    /// Accepted and ignored, as `docker stack deploy` does.
    #[serde(rename = "version")]
    _version: Option<IgnoredAny>,
    pub(crate) services: BTreeMap<String, ServiceDef>,
    #[serde(default)]
    pub(crate) networks: BTreeMap<String, Option<NetworkDef>>,
    #[serde(default)]
    pub(crate) volumes: BTreeMap<String, Option<VolumeDef>>,
    #[serde(default)]
    pub(crate) secrets: BTreeMap<String, Option<SecretDef>>,
    #[serde(rename = "x-plenum")]
    pub(crate) plenum: PlenumDef,
}

/// A top-level network.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkDef {
    pub(crate) driver: Option<String>,
    #[serde(default)]
    pub(crate) internal: bool,
    #[serde(default)]
    pub(crate) attachable: bool,
    #[serde(default)]
    pub(crate) labels: KeyValues,
}

/// A top-level volume.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VolumeDef {
    #[serde(default)]
    pub(crate) labels: KeyValues,
}

/// A top-level secret. `file` and `external` are read only to reject them with a
/// message saying that Plenum generates secrets.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecretDef {
    #[serde(rename = "x-plenum-generate")]
    pub(crate) generate: Option<GenerateDef>,
    #[serde(default)]
    pub(crate) labels: KeyValues,
    pub(crate) file: Option<IgnoredAny>,
    pub(crate) external: Option<IgnoredAny>,
}

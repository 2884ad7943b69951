//! Loading a template: YAML text → checked [`Template`].

use std::collections::BTreeMap;

use super::compose::ComposeFile;
use super::error::TemplateError;
use super::extension::{
    BackupDeclaration, EntryPoint, InitialAdmin, MigrationStep, ScalingRule, SecretGeneration,
    SsoDeclaration,
};
use super::rendered::{RenderedNetwork, RenderedSecret, RenderedVolume};
use super::validate::service::ServiceTemplate;
use super::{placeholder, validate, yaml};

/// A checked stack template, ready to be rendered for any number of instances.
#[derive(Debug, Clone)]
pub struct Template {
    pub(crate) name: String,
    pub(crate) services: BTreeMap<String, ServiceTemplate>,
    pub(crate) networks: BTreeMap<String, RenderedNetwork>,
    pub(crate) volumes: BTreeMap<String, RenderedVolume>,
    pub(crate) secrets: BTreeMap<String, RenderedSecret>,
    pub(crate) entry: EntryPoint,
    pub(crate) initial_admin: Option<InitialAdmin>,
    pub(crate) migration: Option<MigrationStep>,
    pub(crate) sso: Option<SsoDeclaration>,
    pub(crate) backup: Option<BackupDeclaration>,
}

impl Template {
    /// Parses and checks the template text `text`, calling the template `name` in errors.
    ///
    /// Every key outside the supported subset, every unknown placeholder and every
    /// malformed value is an error naming its key path.
    pub fn parse(name: &str, text: &str) -> Result<Template, TemplateError> {
        let value = yaml::parse(text).map_err(|message| TemplateError::Syntax {
            template: name.to_owned(),
            message,
        })?;
        placeholder::check_tree(&value, "").map_err(|issue| issue.into_error(name))?;
        let file: ComposeFile =
            yaml::deserialize(&value).map_err(|issue| issue.into_error(name))?;
        validate::validate(name, file).map_err(|issue| issue.into_error(name))
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Service names, sorted.
    pub fn service_names(&self) -> impl Iterator<Item = &str> {
        self.services.keys().map(String::as_str)
    }

    /// The replica counts a service may run with; `None` for an unknown service.
    pub fn scaling_rule(&self, service: &str) -> Option<ScalingRule> {
        self.services.get(service).map(|s| s.scaling)
    }

    /// The replica count a service runs with when no override is given.
    pub fn default_replicas(&self, service: &str) -> Option<u64> {
        self.services.get(service).map(|s| s.proto.replicas)
    }

    /// The entry service, its port and health path.
    pub fn entry(&self) -> &EntryPoint {
        &self.entry
    }

    /// The initial administrator, if declared.
    pub fn initial_admin(&self) -> Option<&InitialAdmin> {
        self.initial_admin.as_ref()
    }

    /// How the instance's people sign in through Plenum, if declared.
    pub fn sso(&self) -> Option<&SsoDeclaration> {
        self.sso.as_ref()
    }

    /// How the instance is backed up and restored, if declared.
    pub fn backup(&self) -> Option<&BackupDeclaration> {
        self.backup.as_ref()
    }

    /// The migration job an upgrade runs before services roll, if declared.
    pub fn migration(&self) -> Option<&MigrationStep> {
        self.migration.as_ref()
    }

    /// How each secret's value is generated, by secret name.
    pub fn secret_generation(&self) -> impl Iterator<Item = (&str, SecretGeneration)> {
        self.secrets
            .iter()
            .map(|(name, s)| (name.as_str(), s.generate))
    }
}

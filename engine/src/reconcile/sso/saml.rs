//! The instance's SAML service provider at Plenum's identity provider, and the job that
//! writes the instance's SAML settings.
//!
//! While the instance exists (running or stopped) its service provider is registered with
//! the entity id and ACS URL the template's paths give under its public URL; a removed or
//! erased instance loses it. Once the instance runs and answers, a one-off job
//! (`x-plenum.sso.configure`) fetches the settings from Plenum (presenting the template's
//! settings secret) and writes them; its success is recorded with the settings' digest, and
//! the services the template names restart by carrying that digest
//! ([`DesiredStack::carry_sso_settings`]). The pure plan is
//! [`domain::plan::sso_configuration`].

use chrono::Utc;
use domain::instance::{EventKind, Lifecycle, Status};
use domain::plan::sso_configuration::{
    ConfigurationAction, ConfigurationInputs, plan_configuration,
};
use domain::template::SamlDeclaration;
use sha2::{Digest, Sha256};
use store::{InstanceRecord, SamlServiceProviderRecord, StoreError};

use super::public_url;
use crate::docker::{Observation, job_states};
use crate::reconcile::apply::observed_refs;
use crate::reconcile::step;
use crate::reconcile::{Applied, Context, DesiredStack, ReconcileError};
use crate::spec::{SsoJob, sso_job_name};

/// How long after a failed job the next one starts.
pub const RETRY_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// A registered service provider and the settings the instance should have.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The template's declaration.
    pub declaration: SamlDeclaration,
    /// The service provider as registered.
    pub service_provider: SamlServiceProviderRecord,
    /// The digest of the settings the instance should have.
    pub digest: String,
}

impl Registration {
    /// The services to restart and the digest they carry, once settings were written.
    pub fn carried(&self) -> Option<(&[String], &str)> {
        self.service_provider
            .configured_digest
            .as_deref()
            .map(|digest| (self.declaration.configure.restart.as_slice(), digest))
    }
}

/// The digest of the settings Plenum gives an instance: they follow from the identity
/// provider (issuer and instance) and the service provider's entity id and ACS URL.
pub fn settings_digest(issuer: &str, instance_id: i64, entity_id: &str, acs_url: &str) -> String {
    let mut hash = Sha256::new();
    for part in [
        "plenum-saml-settings",
        issuer,
        &instance_id.to_string(),
        entity_id,
        acs_url,
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Registers (or re-registers, when its host name changed) or removes the service provider;
/// each change is a step event. The registration while the instance exists.
pub async fn register(
    ctx: &Context,
    record: &InstanceRecord,
    saml: &SamlDeclaration,
) -> Result<Option<Registration>, ReconcileError> {
    let existing = match ctx.db.saml_service_provider(record.id).await {
        Ok(sp) => Some(sp),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    if !matches!(record.lifecycle, Lifecycle::Running | Lifecycle::Stopped) {
        if let Some(sp) = existing {
            match ctx.db.remove_saml_service_provider(record.id).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
            let message = format!("remove SAML service provider {}", sp.entity_id);
            step(ctx, record.id, &message).await?;
        }
        return Ok(None);
    }
    let public = public_url(ctx, record);
    let entity_id = format!("{public}{}", saml.entity_path);
    let acs_url = format!("{public}{}", saml.acs_path);
    let slo_url = saml
        .logout_path
        .as_ref()
        .map(|path| format!("{public}{path}"));
    let service_provider = match existing {
        Some(sp) if sp.entity_id == entity_id && sp.acs_url == acs_url && sp.slo_url == slo_url => {
            sp
        }
        _ => {
            let sp = ctx
                .db
                .register_saml_service_provider(record.id, &entity_id, &acs_url, slo_url.as_deref())
                .await?;
            let message = format!("register SAML service provider {entity_id}");
            step(ctx, record.id, &message).await?;
            sp
        }
    };
    Ok(Some(Registration {
        digest: settings_digest(&ctx.settings.oidc_issuer, record.id, &entity_id, &acs_url),
        declaration: saml.clone(),
        service_provider,
    }))
}

/// Runs, waits for, records or removes the configuration job. `status` is the status this
/// pass derived, `applied` what it changed. Whether to look again soon.
pub async fn configure(
    ctx: &Context,
    record: &InstanceRecord,
    registration: Option<&Registration>,
    desired: &DesiredStack,
    observation: &Observation,
    status: Status,
    applied: &Applied,
) -> Result<bool, ReconcileError> {
    let ids: Vec<String> = observation.sso_jobs.iter().map(|j| j.id.clone()).collect();
    let tasks = if ids.is_empty() {
        Vec::new()
    } else {
        ctx.docker.tasks(&ids).await?
    };
    let jobs = job_states(&observation.sso_jobs, &tasks);
    let stack = &desired.stack().stack;
    let digest = registration.map_or("", |r| r.digest.as_str());
    let job_name = sso_job_name(stack, digest);
    let plan = plan_configuration(&ConfigurationInputs {
        runs: registration.is_some() && record.lifecycle == Lifecycle::Running,
        ready: status == Status::Running && applied.done + applied.waiting == 0,
        desired: digest,
        configured: registration.and_then(|r| r.service_provider.configured_digest.as_deref()),
        retry_due: registration
            .and_then(|r| r.service_provider.configure_failed_at)
            .is_none_or(|at| Utc::now() - at >= RETRY_AFTER),
        job_name: &job_name,
        jobs: &jobs,
    });
    for (name, id) in &plan.remove {
        ctx.docker.remove_service(name, id).await?;
    }
    let id = record.id;
    let soon = match (&plan.action, registration) {
        (ConfigurationAction::Create { name, digest }, Some(registration)) => {
            let refs = observed_refs(&desired.objects()?, observation);
            let settings_url = format!(
                "{}{}",
                ctx.settings.plenum_url,
                domain::identity::saml_settings_path(id)
            );
            let spec = desired.sso_job(
                &SsoJob {
                    step: &registration.declaration.configure,
                    settings_secret: &registration.declaration.settings_secret,
                    settings_url: &settings_url,
                    digest,
                },
                &refs,
            )?;
            ctx.docker.create_service(spec).await?;
            step(ctx, id, &format!("write the SAML settings (job {name})")).await?;
            true
        }
        (ConfigurationAction::Wait { .. }, _) => true,
        (ConfigurationAction::Record { digest }, Some(registration)) => {
            ctx.db.record_saml_configuration(id, Ok(digest)).await?;
            let restart = registration.declaration.configure.restart.join(", ");
            let message = if restart.is_empty() {
                "SAML settings written".to_owned()
            } else {
                format!("SAML settings written; restarting {restart}")
            };
            step(ctx, id, &message).await?;
            true
        }
        (ConfigurationAction::Failed { name, reason }, Some(_)) => {
            ctx.db
                .record_saml_configuration(id, Err(Utc::now()))
                .await?;
            let minutes = RETRY_AFTER.num_minutes();
            let message = format!(
                "writing the SAML settings failed (job {name}: {reason}); trying again in {minutes} minutes"
            );
            ctx.db
                .add_instance_event(id, None, EventKind::Error, &message)
                .await?;
            false
        }
        _ => false,
    };
    Ok(soon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_follows_what_the_settings_are_made_of() {
        let a = settings_digest("https://p.example", 7, "https://a/e", "https://a/acs");
        assert_eq!(a.len(), 64);
        assert_eq!(
            a,
            settings_digest("https://p.example", 7, "https://a/e", "https://a/acs")
        );
        for other in [
            settings_digest("https://q.example", 7, "https://a/e", "https://a/acs"),
            settings_digest("https://p.example", 8, "https://a/e", "https://a/acs"),
            settings_digest("https://p.example", 7, "https://b/e", "https://a/acs"),
            settings_digest("https://p.example", 7, "https://a/e", "https://b/acs"),
        ] {
            assert_ne!(a, other);
        }
    }
}

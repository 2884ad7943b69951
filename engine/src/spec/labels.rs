//! The labels Plenum puts on every Swarm object it creates.

use std::collections::HashMap;

use domain::template::RenderedStack;

/// The stack an object belongs to (the label `docker stack` commands filter on).
pub const LABEL_NAMESPACE: &str = "com.docker.stack.namespace";
/// The image a service runs, as `docker stack deploy` records it.
pub const LABEL_IMAGE: &str = "com.docker.stack.image";
/// Marks objects Plenum created and may change or remove (`"true"`).
pub const LABEL_MANAGED: &str = "org.plenum.managed";
/// The id of the instance an object belongs to.
pub const LABEL_INSTANCE: &str = "org.plenum.instance";
/// The content hash of the rendered service a Swarm service was created from.
pub const LABEL_SPEC_HASH: &str = "org.plenum.spec-hash";
/// The tag (version) of the instance a service was rendered for: the upgrade's migration
/// gate compares it with the desired tag.
pub const LABEL_TAG: &str = "org.plenum.tag";
/// Marks an upgrade's migration job; the value is the tag it migrates to.
pub const LABEL_MIGRATION: &str = "org.plenum.migration";
/// Marks a SAML instance's configuration job; the value is the digest of the settings it
/// writes.
pub const LABEL_SSO_SETTINGS: &str = "org.plenum.sso-settings";
/// Marks a job that moves an instance's volumes to another node; the value is the id of
/// the node they move to.
pub const LABEL_MOVE: &str = "org.plenum.move";
/// Marks an instance's backup job; the value is the backup's id.
pub const LABEL_BACKUP: &str = "org.plenum.backup";
/// Marks an instance's restore job; the value is the id of the backup it restores.
pub const LABEL_RESTORE: &str = "org.plenum.restore";
/// The id of the Plenum installation that manages an object: objects of other
/// installations on the same Swarm are neither changed nor reported as orphans.
pub const LABEL_INSTALLATION: &str = "org.plenum.installation";

/// The labels every object of the stack carries.
pub fn stack_labels(stack: &RenderedStack) -> HashMap<String, String> {
    HashMap::from([
        (LABEL_NAMESPACE.to_owned(), stack.stack.clone()),
        (LABEL_MANAGED.to_owned(), "true".to_owned()),
        (LABEL_INSTANCE.to_owned(), stack.instance_id.to_string()),
    ])
}

/// `own` labels (from the template) plus the stack labels, which win.
pub(crate) fn with_stack_labels<'a>(
    stack: &RenderedStack,
    own: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> HashMap<String, String> {
    let mut labels: HashMap<String, String> = own
        .into_iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.extend(stack_labels(stack));
    labels
}

/// Adds the installation label to `labels`.
pub fn add_installation_label(labels: &mut HashMap<String, String>, installation: &str) {
    labels.insert(LABEL_INSTALLATION.to_owned(), installation.to_owned());
}

/// What the plan compares a service by: its content hash and the tag it was rendered for
/// (`<hash>@<tag>`; the hash alone for a service made before Plenum labelled tags). So an
/// upgrade updates every service, also one whose image has no `{{ tag }}`, and afterwards
/// every service's `org.plenum.tag` names the tag the instance runs.
pub fn tagged_hash(hash: &str, tag: Option<&str>) -> String {
    match tag {
        Some(tag) => format!("{hash}@{tag}"),
        None => hash.to_owned(),
    }
}

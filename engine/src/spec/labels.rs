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

//! Docker's event stream, reduced to "something happened to instance N".

use std::collections::HashMap;

use bollard::query_parameters::EventsOptions;
use futures::{Stream, StreamExt};

use super::{Docker, DockerError, classify};
use crate::spec::{LABEL_INSTALLATION, LABEL_INSTANCE};

impl Docker {
    /// Ids of instances of this installation whose containers changed (tasks starting,
    /// dying, being removed with their service). Containers carry the instance labels, so
    /// the stream is filtered by label on the engine's side. Ends when the connection
    /// breaks.
    pub fn instance_events(
        &self,
        installation: &str,
    ) -> impl Stream<Item = Result<i64, DockerError>> + use<> {
        let filters = HashMap::from([
            ("type".to_owned(), vec!["container".to_owned()]),
            (
                "label".to_owned(),
                vec![format!("{LABEL_INSTALLATION}={installation}")],
            ),
        ]);
        self.client()
            .events(Some(EventsOptions {
                filters: Some(filters),
                ..Default::default()
            }))
            .filter_map(|event| async move {
                match event {
                    Err(e) => Some(Err(classify("watch events", e))),
                    Ok(message) => message
                        .actor
                        .and_then(|a| a.attributes)
                        .and_then(|attrs| attrs.get(LABEL_INSTANCE)?.parse().ok())
                        .map(Ok),
                }
            })
    }
}

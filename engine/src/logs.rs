//! Reading an instance's service logs: all its services merged, or one of them. Only the
//! instance's own services are ever read (their names follow from its stack), so nothing
//! of another instance can appear.

use std::pin::Pin;

use domain::template::builtin;
use domain::validation::Invalid;
use futures::{Stream, StreamExt};
use store::InstanceRecord;

use crate::docker::{DockerError, LogLine, LogWindow};
use crate::spec::service_name;
use crate::{Engine, EngineError};

/// A line of an instance's logs, with the service that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    /// The template's name of the service.
    pub service: String,
    /// The line.
    pub line: LogLine,
}

/// An instance's log lines as they come.
pub type LogStream = Pin<Box<dyn Stream<Item = Result<ServiceLine, DockerError>> + Send>>;

impl Engine {
    /// The log lines of `record`'s service `service` (a name of its template), or of all
    /// its services, in `window`. An unknown service is refused (field `service`).
    pub fn logs(
        &self,
        record: &InstanceRecord,
        service: Option<&str>,
        window: LogWindow,
    ) -> Result<LogStream, EngineError> {
        let template = builtin(&record.template)?;
        let services: Vec<String> = match service {
            Some(short) if template.service_names().any(|s| s == short) => vec![short.to_owned()],
            Some(short) => {
                return Err(Invalid::new(
                    "service",
                    format!("{short} is no service of this instance"),
                )
                .into());
            }
            None => template.service_names().map(str::to_owned).collect(),
        };
        let stack = record.stack();
        let docker = self.context().docker.clone();
        let streams = services.into_iter().map(move |short| {
            let name = service_name(&stack, &short);
            docker
                .service_logs(&name, window)
                .map(move |line| {
                    line.map(|line| ServiceLine {
                        service: short.clone(),
                        line,
                    })
                })
                .boxed()
        });
        Ok(futures::stream::select_all(streams).boxed())
    }
}

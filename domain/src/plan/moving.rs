//! Moving an instance to another node (its node is drained): stop its services, copy its
//! volumes with a sending and a receiving job, and only when the receiver has checked and
//! unpacked everything does the instance live on the new node. Pure: the engine observes,
//! this decides the next step.

use super::migration::JobState;

/// What the engine does next for an instance that is moving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveStep {
    /// Its services still have tasks: wait until they are stopped (the copy must read
    /// volumes nobody writes).
    StopServices,
    /// Create the jobs that are missing (the receiver first).
    StartCopy,
    /// The copy is under way.
    Copying,
    /// The receiver unpacked everything: the instance lives on the new node now.
    Arrived,
    /// A job failed (why): the move is given up and the instance stays where it is.
    Failed(String),
}

/// The next step, from whether its services are stopped and how far the sending and the
/// receiving job got (None: the job does not exist).
pub fn next_move_step(
    services_stopped: bool,
    send: Option<&JobState>,
    receive: Option<&JobState>,
) -> MoveStep {
    if let Some(JobState::Failed(why)) = receive {
        return MoveStep::Failed(format!("receiving its data failed: {why}"));
    }
    if let Some(JobState::Failed(why)) = send {
        return MoveStep::Failed(format!("sending its data failed: {why}"));
    }
    if receive == Some(&JobState::Completed) {
        return MoveStep::Arrived;
    }
    if !services_stopped {
        return MoveStep::StopServices;
    }
    match (send, receive) {
        (Some(_), Some(_)) => MoveStep::Copying,
        _ => MoveStep::StartCopy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_stops_copies_and_arrives_only_when_the_receiver_is_done() {
        let running = JobState::Running;
        let done = JobState::Completed;
        assert_eq!(next_move_step(false, None, None), MoveStep::StopServices);
        assert_eq!(next_move_step(true, None, None), MoveStep::StartCopy);
        assert_eq!(
            next_move_step(true, Some(&running), None),
            MoveStep::StartCopy
        );
        assert_eq!(
            next_move_step(true, None, Some(&running)),
            MoveStep::StartCopy
        );
        assert_eq!(
            next_move_step(true, Some(&running), Some(&running)),
            MoveStep::Copying
        );
        // The sender finishing first proves nothing: only the receiver checked the data.
        assert_eq!(
            next_move_step(true, Some(&done), Some(&running)),
            MoveStep::Copying
        );
        assert_eq!(
            next_move_step(true, Some(&done), Some(&done)),
            MoveStep::Arrived
        );
    }

    #[test]
    fn a_failed_job_gives_the_move_up() {
        let failed = JobState::Failed("task: non-zero exit (1)".to_owned());
        assert_eq!(
            next_move_step(true, Some(&JobState::Running), Some(&failed)),
            MoveStep::Failed("receiving its data failed: task: non-zero exit (1)".to_owned())
        );
        assert_eq!(
            next_move_step(true, Some(&failed), None),
            MoveStep::Failed("sending its data failed: task: non-zero exit (1)".to_owned())
        );
    }
}

//! The desired lifecycle of an instance and which operations may change it.

use std::fmt;
use std::str::FromStr;

use crate::validation::Invalid;

/// What the customer (or staff) wants an instance to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lifecycle {
    /// Services run with their replica counts.
    Running,
    /// Services exist with zero replicas; data, networks and secrets are kept.
    Stopped,
    /// Services and networks are gone; volumes and secrets are kept for a grace period, after
    /// which the instance is erased.
    Removed,
    /// Everything is gone (final).
    Erased,
}

impl Lifecycle {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Running => "running",
            Lifecycle::Stopped => "stopped",
            Lifecycle::Removed => "removed",
            Lifecycle::Erased => "erased",
        }
    }

    /// The lifecycle after `op`, or why `op` is not possible now.
    pub fn apply(self, op: Operation) -> Result<Lifecycle, Invalid> {
        use Lifecycle::*;
        let refuse = |message: &str| Err(Invalid::new("lifecycle", message));
        match (self, op) {
            (Erased, _) => refuse("This instance has been erased."),
            (_, Operation::Erase) => Ok(Erased),
            (Running | Stopped | Removed, Operation::Start) => Ok(Running),
            (Running | Stopped, Operation::Stop) => Ok(Stopped),
            (Running | Stopped | Removed, Operation::Remove) => Ok(Removed),
            (Running | Stopped, Operation::Scale | Operation::Upgrade) => Ok(self),
            (Removed, Operation::Stop | Operation::Scale | Operation::Upgrade) => {
                refuse("This instance has been removed: start it again first.")
            }
        }
    }
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lifecycle {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "running" => Ok(Lifecycle::Running),
            "stopped" => Ok(Lifecycle::Stopped),
            "removed" => Ok(Lifecycle::Removed),
            "erased" => Ok(Lifecycle::Erased),
            _ => Err(Invalid::new(
                "lifecycle",
                format!("unknown lifecycle {s:?}"),
            )),
        }
    }
}

/// A lifecycle operation the web layer can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Run the services (also restores a removed instance within its grace period).
    Start,
    /// Scale every service to zero, keeping everything else.
    Stop,
    /// Change one service's replica count.
    Scale,
    /// Move to another image tag.
    Upgrade,
    /// Remove services and networks; keep volumes and secrets for a grace period.
    Remove,
    /// Remove everything now.
    Erase,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lifecycles_round_trip() {
        for l in [
            Lifecycle::Running,
            Lifecycle::Stopped,
            Lifecycle::Removed,
            Lifecycle::Erased,
        ] {
            assert_eq!(l.as_str().parse::<Lifecycle>().unwrap(), l);
        }
        assert!("gone".parse::<Lifecycle>().is_err());
    }

    #[test]
    fn transitions() {
        use Lifecycle::*;
        assert_eq!(Running.apply(Operation::Stop).unwrap(), Stopped);
        assert_eq!(Stopped.apply(Operation::Start).unwrap(), Running);
        assert_eq!(Removed.apply(Operation::Start).unwrap(), Running);
        assert_eq!(Stopped.apply(Operation::Upgrade).unwrap(), Stopped);
        assert_eq!(Running.apply(Operation::Remove).unwrap(), Removed);
        assert_eq!(Removed.apply(Operation::Erase).unwrap(), Erased);
        assert!(Removed.apply(Operation::Scale).is_err());
        assert!(Removed.apply(Operation::Stop).is_err());
        assert!(Erased.apply(Operation::Start).is_err());
        assert!(Erased.apply(Operation::Erase).is_err());
    }
}

//! The states of an order and the rules for moving between them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::validation::{Invalid, check_max_len};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Waiting for staff.
    Pending,
    /// Approved; becomes an instance when its rental period starts.
    Approved,
    /// Refused by staff, with a reason the customer sees.
    Rejected,
    /// Withdrawn by the customer before it was provisioned.
    Cancelled,
    /// Its instance exists.
    Provisioned,
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Pending,
        OrderStatus::Approved,
        OrderStatus::Rejected,
        OrderStatus::Cancelled,
        OrderStatus::Provisioned,
    ];

    /// The stored and transmitted name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Approved => "approved",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Provisioned => "provisioned",
        }
    }

    /// Whether the customer may still cancel: until its instance exists.
    pub fn may_cancel(self) -> bool {
        matches!(self, OrderStatus::Pending | OrderStatus::Approved)
    }

    /// Whether staff may still approve or reject it.
    pub fn awaits_decision(self) -> bool {
        self == OrderStatus::Pending
    }

    /// Whether the order still holds its address (a cancelled or rejected one frees it).
    pub fn holds_slug(self) -> bool {
        !matches!(self, OrderStatus::Rejected | OrderStatus::Cancelled)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| Invalid::new("status", format!("unknown order status {s:?}")))
    }
}

/// Longest reason for a rejection.
pub const REASON_MAX_LEN: usize = 500;

/// Checks the reason staff give for a rejection: required, at most [`REASON_MAX_LEN`]
/// characters. Returns it trimmed.
pub fn check_reason(raw: &str) -> Result<String, Invalid> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err(Invalid::new(
            "reason",
            "Give a reason; the customer will see it.",
        ));
    }
    check_max_len("reason", reason, REASON_MAX_LEN)?;
    Ok(reason.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_know_their_transitions() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>().unwrap(), status);
        }
        assert!("done".parse::<OrderStatus>().is_err());
        let cancellable: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|s| s.may_cancel())
            .collect();
        assert_eq!(
            cancellable,
            [OrderStatus::Pending, OrderStatus::Approved],
            "cancel only before the instance exists"
        );
        assert!(OrderStatus::Pending.awaits_decision());
        assert!(!OrderStatus::Approved.awaits_decision());
        assert!(!OrderStatus::Cancelled.holds_slug());
        assert!(OrderStatus::Provisioned.holds_slug());
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert_eq!(check_reason("  too big ").unwrap(), "too big");
        assert_eq!(check_reason(" ").unwrap_err().field, "reason");
        assert_eq!(check_reason(&"x".repeat(501)).unwrap_err().field, "reason");
    }
}

//! Limits on sign-in attempts, per account and per client address, so that passwords cannot
//! be guessed at speed. Both count every attempt (successful ones too), whether or not the
//! account exists, so the answer never reveals an account. Counts live in this process.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};

/// The window the limits are counted over.
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// `[login]` settings: how many sign-in attempts are allowed per 15 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginLimits {
    /// Attempts for one account (1–1000).
    pub attempts_per_account: u32,
    /// Attempts from one client address (1–100000; several people may share one).
    pub attempts_per_address: u32,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            attempts_per_account: 10,
            attempts_per_address: 60,
        }
    }
}

/// The sign-in limiter shared by every login form.
#[derive(Clone)]
pub struct LoginThrottle {
    by_account: Arc<DefaultKeyedRateLimiter<String>>,
    by_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginThrottle")
    }
}

/// `attempts` at once, coming back one by one over the window.
fn quota(attempts: u32) -> Quota {
    let burst = NonZeroU32::new(attempts).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(WINDOW / burst.get())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl LoginThrottle {
    /// A throttle with these limits.
    pub fn new(limits: LoginLimits) -> Self {
        Self {
            by_account: Arc::new(RateLimiter::keyed(quota(limits.attempts_per_account))),
            by_address: Arc::new(RateLimiter::keyed(quota(limits.attempts_per_address))),
        }
    }

    /// Counts an attempt for `account` (the normalised email) from `address` (when known);
    /// false when either is over its limit.
    pub fn allow(&self, account: &str, address: Option<IpAddr>) -> bool {
        let by_address = address.is_none_or(|ip| self.by_address.check_key(&ip).is_ok());
        let by_account = self.by_account.check_key(&account.to_owned()).is_ok();
        if self.by_account.len() > 100_000 {
            self.by_account.retain_recent();
        }
        if self.by_address.len() > 100_000 {
            self.by_address.retain_recent();
        }
        by_address && by_account
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_addresses_are_limited_separately() {
        let limits = LoginLimits::default();
        let throttle = LoginThrottle::new(limits);
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..limits.attempts_per_account {
            assert!(throttle.allow("a@example.org", Some(ip)));
        }
        assert!(
            !throttle.allow("a@example.org", Some(ip)),
            "the account is spent"
        );
        assert!(
            !throttle.allow("a@example.org", Some([10, 0, 0, 2].into())),
            "from any address"
        );
        assert!(throttle.allow("b@example.org", Some([10, 0, 0, 3].into())));
        let other = LoginThrottle::new(limits);
        let spent = (0..limits.attempts_per_address + 1)
            .map(|i| other.allow(&format!("p{i}@example.org"), Some(ip)))
            .filter(|ok| !ok)
            .count();
        assert_eq!(spent, 1, "one address, many accounts");
    }
}

//! In-memory state of the sign-in, without I/O: a bounded, expiring map for
//! sessions and pending sign-ins, and the cookies that point into it.
//!
//! The demo app keeps its sessions **per process**, in memory: a restart (or an
//! update) signs everybody out, and several replicas would not share them. That
//! is enough for a demo; a real app would keep them in its database.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// Cookie that points to the browser's pending sign-in.
pub const LOGIN_COOKIE: &str = "demo_login";
/// Cookie that points to the browser's session.
pub const SESSION_COOKIE: &str = "demo_session";

/// A map from random keys to values that holds at most `capacity` entries
/// (inserting beyond drops the oldest) and forgets entries `ttl` after their
/// insertion.
#[derive(Debug)]
pub struct BoundedMap<V> {
    /// The entries by key.
    entries: HashMap<String, Entry<V>>,
    /// Insertion number → key, oldest first.
    order: BTreeMap<u64, String>,
    /// The next insertion number.
    next: u64,
    /// At most this many entries are kept.
    capacity: usize,
    /// Entries are forgotten this long after their insertion.
    ttl: Duration,
}

/// One value with its insertion number and time.
#[derive(Debug)]
struct Entry<V> {
    /// Its key in [`BoundedMap::order`].
    number: u64,
    /// When it was inserted.
    inserted: Instant,
    /// The value.
    value: V,
}

impl<V> BoundedMap<V> {
    /// An empty map.
    pub fn new(capacity: usize, ttl: Duration) -> BoundedMap<V> {
        BoundedMap {
            entries: HashMap::new(),
            order: BTreeMap::new(),
            next: 0,
            capacity: capacity.max(1),
            ttl,
        }
    }

    /// Number of entries (expired ones included until they are purged).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Inserts (or replaces) `key`; purges expired entries and drops the
    /// oldest while there are more than `capacity`.
    pub fn insert(&mut self, key: String, value: V, now: Instant) {
        self.remove(&key);
        let number = self.next;
        self.next += 1;
        self.order.insert(number, key.clone());
        self.entries.insert(
            key,
            Entry {
                number,
                inserted: now,
                value,
            },
        );
        while let Some((_, oldest)) = self.order.first_key_value() {
            let expired = self
                .entries
                .get(oldest)
                .is_none_or(|e| self.expired(e, now));
            if !expired && self.entries.len() <= self.capacity {
                break;
            }
            if let Some((_, oldest)) = self.order.pop_first() {
                self.entries.remove(&oldest);
            }
        }
    }

    /// The value of `key`, unless it expired.
    pub fn get(&self, key: &str, now: Instant) -> Option<&V> {
        self.entries
            .get(key)
            .filter(|e| !self.expired(e, now))
            .map(|e| &e.value)
    }

    /// Removes `key` and returns its value, unless it expired.
    pub fn take(&mut self, key: &str, now: Instant) -> Option<V> {
        let entry = self.remove(key)?;
        (!self.expired(&entry, now)).then_some(entry.value)
    }

    /// Removes `key` (expired or not).
    fn remove(&mut self, key: &str) -> Option<Entry<V>> {
        let entry = self.entries.remove(key)?;
        self.order.remove(&entry.number);
        Some(entry)
    }

    /// Whether `entry` is older than the time to live.
    fn expired(&self, entry: &Entry<V>, now: Instant) -> bool {
        now.saturating_duration_since(entry.inserted) >= self.ttl
    }
}

/// The value of cookie `name` in the request's `Cookie` header(s) (joined by
/// `; `), if present and non-empty.
pub fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for a cookie only the app's server reads (`HttpOnly`,
/// `SameSite=Lax` so that it comes along when the provider sends the browser
/// back, `Path=/`, `Secure` over HTTPS). `max_age: None` makes it last until
/// the browser closes.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<Duration>) -> String {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        cookie.push_str("; Secure");
    }
    if let Some(max_age) = max_age {
        cookie.push_str(&format!("; Max-Age={}", max_age.as_secs()));
    }
    cookie
}

/// A `Set-Cookie` value that deletes the cookie `name`.
pub fn clear_cookie(name: &str, secure: bool) -> String {
    set_cookie(name, "", secure, Some(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_taken_once_and_replaced() {
        let now = Instant::now();
        let mut map = BoundedMap::new(10, Duration::from_secs(60));
        map.insert("a".to_owned(), 1, now);
        map.insert("b".to_owned(), 2, now);
        assert_eq!(map.get("a", now), Some(&1));
        assert_eq!(map.take("a", now), Some(1));
        assert_eq!(map.take("a", now), None);
        map.insert("b".to_owned(), 3, now);
        assert_eq!(map.get("b", now), Some(&3));
        assert_eq!(map.len(), 1);
        assert_eq!(map.order.len(), 1);
    }

    #[test]
    fn the_oldest_entries_go_beyond_the_capacity() {
        let now = Instant::now();
        let mut map = BoundedMap::new(3, Duration::from_secs(60));
        for i in 0..5 {
            map.insert(format!("k{i}"), i, now);
        }
        assert_eq!(map.len(), 3);
        assert_eq!(map.get("k0", now), None);
        assert_eq!(map.get("k1", now), None);
        assert_eq!(map.get("k4", now), Some(&4));
        // Taking an entry frees its place without dropping another.
        assert_eq!(map.take("k3", now), Some(3));
        map.insert("k5".to_owned(), 5, now);
        assert_eq!(map.get("k2", now), Some(&2));
        assert_eq!(map.order.len(), map.len());
    }

    #[test]
    fn entries_expire() {
        let start = Instant::now();
        let ttl = Duration::from_secs(600);
        let mut map = BoundedMap::new(10, ttl);
        map.insert("old".to_owned(), 1, start);
        map.insert("young".to_owned(), 2, start + Duration::from_secs(300));
        let later = start + ttl;
        assert_eq!(map.get("old", later), None);
        assert_eq!(map.get("young", later), Some(&2));
        // An insertion purges what expired.
        map.insert("new".to_owned(), 3, later);
        assert_eq!(map.len(), 2);
        assert_eq!(map.take("young", start + Duration::from_secs(900)), None);
        assert!(!map.is_empty());
    }

    #[test]
    fn cookies_are_found_in_the_header() {
        let header = Some("a=1; demo_session=abc ;demo_login=\"xyz\"; empty=");
        assert_eq!(cookie(header, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(header, LOGIN_COOKIE), Some("xyz"));
        assert_eq!(cookie(header, "empty"), None);
        assert_eq!(cookie(header, "demo"), None);
        assert_eq!(cookie(None, SESSION_COOKIE), None);
    }

    #[test]
    fn set_cookie_has_the_attributes() {
        assert_eq!(
            set_cookie("demo_session", "v", true, None),
            "demo_session=v; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            set_cookie("demo_login", "v", false, Some(Duration::from_secs(600))),
            "demo_login=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=600"
        );
        assert_eq!(
            clear_cookie("demo_login", true),
            "demo_login=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0"
        );
    }
}

//! The instance's PostgreSQL database: one lazily opened connection, shared by
//! the worker threads, reopened whenever it is lost.
//!
//! The app never exits because the database is down: every operation tries to
//! (re)connect and reports a failure as an error string, which the caller
//! turns into a 503. Errors name the problem, never the password.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};

use crate::config::{DatabaseSettings, read_password_file};

/// How long one connection attempt (per resolved address) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long sent data may stay unacknowledged before the connection counts as dead.
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle time before TCP keepalive probes start.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(15);
/// After a failed connection attempt, requests within this time get the same
/// error at once instead of queueing for their own (possibly slow: DNS on an
/// internal network times out) attempt.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Creates the counter and migrations tables when they do not exist yet.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS plenum_demo_counter (\
     name text PRIMARY KEY, \
     visits bigint NOT NULL); \
     CREATE TABLE IF NOT EXISTS plenum_demo_migrations (\
     version text PRIMARY KEY, \
     applied_at timestamptz NOT NULL DEFAULT now())";
/// Records that the database was migrated to a version (idempotent).
const MIGRATE: &str =
    "INSERT INTO plenum_demo_migrations (version) VALUES ($1) ON CONFLICT (version) DO NOTHING";
/// The versions the database was migrated to, sorted, comma-separated.
const MIGRATIONS: &str = "SELECT COALESCE(string_agg(version, ',' ORDER BY version), '') \
     FROM plenum_demo_migrations";
/// How long `migrate` waits for the database to accept connections.
const MIGRATE_WAIT: Duration = Duration::from_secs(60);
/// Counts one visit and returns the new count, atomically.
const INCREMENT: &str = "INSERT INTO plenum_demo_counter (name, visits) VALUES ('visits', 1) \
     ON CONFLICT (name) DO UPDATE SET visits = plenum_demo_counter.visits + 1 \
     RETURNING visits";
/// Reads the current count (0 before the first visit).
const CURRENT: &str = "SELECT COALESCE(\
     (SELECT visits FROM plenum_demo_counter WHERE name = 'visits'), 0::bigint)";

/// Describes an error with its chain of causes (postgres' own `Display` often
/// stops at "error connecting to server" and hides the reason in `source()`).
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The shared database handle.
pub struct Database {
    settings: DatabaseSettings,
    state: Mutex<State>,
}

/// The connection, or why there is none.
#[derive(Default)]
struct State {
    client: Option<Client>,
    last_failure: Option<(Instant, String)>,
}

impl Database {
    /// A handle that connects on first use.
    pub fn new(settings: DatabaseSettings) -> Database {
        Database {
            settings,
            state: Mutex::new(State::default()),
        }
    }

    /// Checks that the database answers `SELECT 1`.
    pub fn ping(&self) -> Result<(), String> {
        self.with_client(|client| client.batch_execute("SELECT 1"))
    }

    /// Counts one visit and returns the new count.
    pub fn increment(&self) -> Result<i64, String> {
        self.with_client(|client| client.query_one(INCREMENT, &[])?.try_get::<_, i64>(0))
    }

    /// The versions the database was migrated to (`"1.1"`, `"1.1,1.2"`, or empty).
    pub fn migrations(&self) -> Result<String, String> {
        self.with_client(|client| client.query_one(MIGRATIONS, &[])?.try_get::<_, String>(0))
    }

    /// Migrates the database to `version`, waiting up to a minute for it to accept
    /// connections: records the version in the migrations table (created if missing).
    pub fn migrate(&self, version: &str) -> Result<(), String> {
        let start = Instant::now();
        let mut client = loop {
            match self.connect() {
                Ok(client) => break client,
                Err(e) if start.elapsed() >= MIGRATE_WAIT => return Err(e),
                Err(_) => std::thread::sleep(RETRY_AFTER),
            }
        };
        client
            .execute(MIGRATE, &[&version])
            .map(|_| ())
            .map_err(|e| format!("cannot record the migration: {}", describe(&e)))
    }

    /// Returns the current count.
    pub fn current(&self) -> Result<i64, String> {
        self.with_client(|client| client.query_one(CURRENT, &[])?.try_get::<_, i64>(0))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state inconsistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `op` on a live connection. A connection found closed is replaced
    /// and `op` retried once; any other failure drops the connection so the
    /// next request starts afresh.
    fn with_client<T, F>(&self, mut op: F) -> Result<T, String>
    where
        F: FnMut(&mut Client) -> Result<T, postgres::Error>,
    {
        let mut state = self.lock();
        for attempt in 0..2 {
            let client = match state.client.take() {
                Some(client) if !client.is_closed() => state.client.insert(client),
                _ => {
                    if let Some((at, error)) = &state.last_failure
                        && at.elapsed() < RETRY_AFTER
                    {
                        return Err(error.clone());
                    }
                    match self.connect() {
                        Ok(client) => {
                            state.last_failure = None;
                            state.client.insert(client)
                        }
                        Err(error) => {
                            state.last_failure = Some((Instant::now(), error.clone()));
                            return Err(error);
                        }
                    }
                }
            };
            match op(client) {
                Ok(value) => return Ok(value),
                Err(e) => {
                    let lost = e.is_closed() || client.is_closed();
                    state.client = None;
                    let text = describe(&e);
                    if lost && attempt == 0 {
                        eprintln!("demo-app: database connection lost ({text}); reconnecting");
                        continue;
                    }
                    eprintln!("demo-app: database error: {text}");
                    return Err(text);
                }
            }
        }
        Err("database connection lost twice in a row".to_owned())
    }

    /// Opens a connection and makes sure the schema exists.
    fn connect(&self) -> Result<Client, String> {
        let s = &self.settings;
        let mut config = postgres::Config::new();
        config
            .host(&s.host)
            .port(s.port)
            .dbname(&s.name)
            .user(&s.user)
            .application_name("plenum-demo-app")
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_user_timeout(TCP_USER_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(KEEPALIVE_IDLE);
        if let Some(path) = &s.password_file {
            let password = read_password_file(path).inspect_err(|e| eprintln!("demo-app: {e}"))?;
            config.password(password);
        }
        let mut client = config.connect(NoTls).map_err(|e| {
            let msg = format!(
                "cannot connect to {}:{} as {}: {}",
                s.host,
                s.port,
                s.user,
                describe(&e)
            );
            eprintln!("demo-app: {msg}");
            msg
        })?;
        client.batch_execute(SCHEMA).map_err(|e| {
            let msg = format!("cannot create the counter table: {}", describe(&e));
            eprintln!("demo-app: {msg}");
            msg
        })?;
        eprintln!(
            "demo-app: connected to database {} on {}:{}",
            s.name, s.host, s.port
        );
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn describe_appends_new_causes_only() {
        let e = Layer(
            "error connecting to server",
            Some(Box::new(Layer(
                "Connection refused (os error 111)",
                Some(Box::new(Layer("refused", None))),
            ))),
        );
        assert_eq!(
            describe(&e),
            "error connecting to server: Connection refused (os error 111)"
        );
        assert_eq!(describe(&Layer("plain", None)), "plain");
    }
}

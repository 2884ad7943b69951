//! Sessions kept in Plenum's own database (so they survive a restart), with hardened cookies.

use crate::config::Settings;
use async_trait::async_trait;
use store::{Backend, Db};
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "plenum_session";

/// The session store on whichever database Plenum uses.
#[derive(Debug, Clone)]
pub enum DbSessionStore {
    /// Sessions in the SQLite file.
    Sqlite(SqliteStore),
    /// Sessions in PostgreSQL (schema `tower_sessions`).
    Postgres(PostgresStore),
}

impl DbSessionStore {
    /// The store on `db`'s connection pool, with its table created if missing.
    pub async fn open(db: &Db) -> Result<Self, SessionTableError> {
        let conn = db.connection();
        let store = match db.backend() {
            Backend::Sqlite => {
                let s = SqliteStore::new(conn.get_sqlite_connection_pool().clone());
                s.migrate()
                    .await
                    .map_err(|e| SessionTableError(e.to_string()))?;
                DbSessionStore::Sqlite(s)
            }
            Backend::Postgres => {
                let s = PostgresStore::new(conn.get_postgres_connection_pool().clone());
                s.migrate()
                    .await
                    .map_err(|e| SessionTableError(e.to_string()))?;
                DbSessionStore::Postgres(s)
            }
        };
        Ok(store)
    }

    /// Deletes expired sessions every `period`, for as long as the process runs.
    pub fn spawn_cleanup(self, period: std::time::Duration) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tick.tick().await;
                if let Err(e) = self.delete_expired().await {
                    tracing::warn!(error = %e, "deleting expired sessions failed");
                }
            }
        });
    }
}

/// The session table could not be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot create the session table: {0}")]
pub struct SessionTableError(String);

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            DbSessionStore::Sqlite(s) => s.create(record).await,
            DbSessionStore::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            DbSessionStore::Sqlite(s) => s.save(record).await,
            DbSessionStore::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            DbSessionStore::Sqlite(s) => s.load(id).await,
            DbSessionStore::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            DbSessionStore::Sqlite(s) => s.delete(id).await,
            DbSessionStore::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            DbSessionStore::Sqlite(s) => s.delete_expired().await,
            DbSessionStore::Postgres(s) => s.delete_expired().await,
        }
    }
}

/// The session layer: HttpOnly, SameSite=Lax, Secure over HTTPS, idle expiry from the settings.
pub fn layer(store: DbSessionStore, settings: &Settings) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.is_https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(i64::from(
            settings.session_idle_minutes,
        ))))
}

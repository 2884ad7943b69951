//! Opening the database (SQLite file or PostgreSQL server) and bringing its schema up to date.

use crate::StoreError;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use std::time::Duration;

/// Which database engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A pooled connection to Plenum's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
}

impl Db {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`). Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(if url.starts_with("sqlite:") { 4 } else { 16 })
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        let conn = Database::connect(options).await?;
        if url.starts_with("sqlite:") {
            // WAL (a property of the file) lets readers work while one writer commits. sqlx
            // already turns foreign keys on and waits 5 s on a busy database per connection.
            conn.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        }
        Ok(Self { conn })
    }

    /// Applies every migration not yet applied.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.conn, None).await?;
        Ok(())
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.conn.ping().await?;
        Ok(())
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        match self.conn.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// The sea-orm connection, for repositories in this crate and for the session store.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }
}

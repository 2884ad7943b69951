//! Test harness: a real Plenum server on a free port, on SQLite or on a fresh PostgreSQL
//! database, and an HTTP client with its own cookie jar.

#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::Value;
use server::config::Settings;
use std::net::SocketAddr;

/// The databases every integration test runs against.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// A database URL for a fresh, empty database on `backend`, and a directory for the server's
/// files (and the SQLite file), kept alive by the returned guard.
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("plenum.db").display()
            );
            (url, Some(dir))
        }
        Backend::Postgres => {
            let admin_url = std::env::var("PLENUM_TEST_POSTGRES_URL").expect(
                "PLENUM_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL",
            );
            let name = format!("plenum_t_{}", uuid::Uuid::new_v4().simple());
            let admin = store::Db::connect(&admin_url)
                .await
                .expect("connect to the test PostgreSQL");
            use sea_orm::ConnectionTrait;
            admin
                .connection()
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            (
                format!("{base}/{name}"),
                Some(tempfile::tempdir().expect("temp dir")),
            )
        }
    }
}

/// A running server.
pub struct TestServer {
    pub base: String,
    pub addr: SocketAddr,
    pub state: app::server::AppState,
    pub database_url: String,
    /// The SQLite file and the data directory (the secret key file): kept for a restart.
    _dir: Option<tempfile::TempDir>,
    /// With `engine.enabled`: the engine, kept so that its controller runs.
    _engine: Option<engine::RunningEngine>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Settings for a test server on `database_url`.
pub fn settings(database_url: &str) -> Settings {
    Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: Some(database_url.to_owned()),
        ..Settings::default()
    }
}

impl TestServer {
    /// Starts a server on a fresh database of `backend`.
    pub async fn start(backend: Backend) -> Self {
        let (url, dir) = fresh_database(backend).await;
        Self::start_on(url, dir).await
    }

    /// Starts a server on a fresh database of `backend` with settings changed by `change`.
    pub async fn start_with(backend: Backend, change: impl FnOnce(&mut Settings)) -> Self {
        let (url, dir) = fresh_database(backend).await;
        let mut settings = settings(&url);
        change(&mut settings);
        Self::serve(settings, url, dir).await
    }

    /// Starts a server on an existing database (e.g. to restart on the same data).
    pub async fn start_on(database_url: String, dir: Option<tempfile::TempDir>) -> Self {
        Self::serve(settings(&database_url), database_url, dir).await
    }

    async fn serve(
        mut settings: Settings,
        database_url: String,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        // Plenum's files (the backup key and vault among them) never land in the checkout.
        let dir = Some(dir.unwrap_or_else(|| tempfile::tempdir().expect("a data directory")));
        if let Some(dir) = &dir
            && settings.data_dir == Settings::default().data_dir
        {
            settings.data_dir = dir.path().join("data");
        }
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        // With the edge on, Caddy dials the address the server listens on.
        if settings.edge.enabled
            && settings.edge.plenum_upstream == edge::EdgeSettings::default().plenum_upstream
        {
            settings.edge.plenum_upstream = addr.to_string();
        }
        // Instances' jobs reach Plenum where it listens.
        if settings.engine.enabled
            && settings.engine.plenum_url == engine::EngineSettings::default().plenum_url
        {
            settings.engine.plenum_url = format!("http://{addr}");
        }
        // The address clients use is also the OpenID Connect issuer.
        if settings.public_url == Settings::default().public_url {
            settings.public_url = format!("http://{addr}");
        }
        let plenum = server::start(&settings).await.expect("server starts");
        let router = plenum.router;
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        TestServer {
            base: format!("http://{addr}"),
            addr,
            state: plenum.state,
            database_url,
            _dir: dir,
            _engine: plenum.engine,
            task,
        }
    }

    /// A new browser-like client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    /// Grants `email` (with these names) `role` at instance `instance_id` for the days
    /// `from`..=`until`, directly in the store.
    pub async fn grant(
        &self,
        instance_id: i64,
        person: [&str; 4],
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    ) {
        let [email, given, family, role] = person;
        let grant = domain::identity::grant::GrantRequest::parse(email, given, family, role)
            .expect("a valid grant");
        let window = domain::identity::grant::GrantWindow::new(from, until).expect("a window");
        self.state
            .db
            .grant_access(instance_id, &[grant], window, 1)
            .await
            .expect("granted");
    }

    /// Moves the database directory guard out (to restart another server on it).
    pub fn take_dir(&mut self) -> Option<tempfile::TempDir> {
        self._dir.take()
    }
}

/// An HTTP client calling server functions like the app does.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

/// A server function's answer.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// The error variant name (e.g. "NotFound") of an error reply.
    pub fn error_kind(&self) -> String {
        match &self.body {
            Value::String(s) => s.clone(),
            Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// The `(field, message)` of an `Invalid` error reply.
    pub fn invalid(&self) -> (String, String) {
        let inner = &self.body["Invalid"];
        (
            inner["field"].as_str().unwrap_or_default().to_owned(),
            inner["message"].as_str().unwrap_or_default().to_owned(),
        )
    }
}

impl Client {
    /// POSTs `form` to `/api/<endpoint>` and decodes the JSON answer.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Reply {
        let response = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .form(form)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> Reply {
        self.call("auth/signup", &[("email", email), ("password", password)])
            .await
    }

    pub async fn log_in(&self, email: &str, password: &str) -> Reply {
        self.call("auth/login", &[("email", email), ("password", password)])
            .await
    }

    /// The signed-in user's JSON, or Null.
    pub async fn me(&self) -> Value {
        self.call("auth/me", &[]).await.body
    }

    /// The id of the first organisation the user belongs to.
    pub async fn first_org_id(&self) -> i64 {
        let reply = self.call("orgs/mine", &[]).await;
        reply.body[0]["id"].as_i64().expect("an organisation id")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }
}

/// A password that satisfies the rule.
pub const PASSWORD: &str = "correct horse 1";

/// A unique email address for a test.
pub fn email(name: &str) -> String {
    format!(
        "{name}-{}@example.org",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

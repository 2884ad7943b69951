//! `demo-app`: the web app of Plenum's demo instances and test images.
//!
//! A tiny synchronous HTTP server (tiny_http) that shows the instance's name,
//! its version and a visit counter kept in the instance's own PostgreSQL
//! database. It is built as a static musl binary and packed into the
//! `FROM scratch` images `plenum/demo-app:<version>` by `images/build.sh`.
//!
//! * Configuration: environment variables, see [`config`].
//! * Endpoints: see [`web`].
//! * Database: see [`db`]; the app starts and answers 503 while the database
//!   is unreachable, and reconnects when it comes back.
//! * Sign-in (only with `OIDC_ISSUER`): an OpenID Connect relying party of
//!   Plenum (or any provider with discovery, PKCE S256 and RS256 ID tokens),
//!   see [`rp`] (the flow), [`oidc`] (the protocol's rules) and [`sessions`]
//!   (in-memory sessions, per process). The page then shows who is signed in
//!   and their instance role.
//! * `demo-app --fail-at-start` exits with status 1 at once (the
//!   `plenum/demo-app:broken` image uses it to test rollbacks);
//!   `demo-app --version` prints the version.
//! * `demo-app migrate` (an upgrade's migration job) records `APP_VERSION` in
//!   the table `plenum_demo_migrations` (idempotent) and exits 0, waiting up to a
//!   minute for the database; `--fail-migration migrate` exits 1 instead (the
//!   `plenum/demo-app:bad-migration` image). `GET /migrations` lists the versions.
//!
//! Exit status: 0 after SIGTERM/SIGINT, 1 when it cannot start (bad
//! configuration, port in use, `--fail-at-start`), 2 on bad arguments.

mod config;
mod db;
#[cfg(test)]
mod flow_tests;
mod oidc;
mod rp;
mod sessions;
#[cfg(test)]
mod test_keys;
mod web;

use std::io::Cursor;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;

use tiny_http::{Header, Request, Response, Server};

use crate::config::{Config, Mode};
use crate::db::Database;
use crate::rp::RelyingParty;
use crate::web::{Reply, Route, SignIn};

/// Number of threads answering requests.
const WORKERS: usize = 4;

fn main() -> ExitCode {
    let migrate = match config::parse_args(std::env::args().skip(1)) {
        Ok(Mode::Serve) => false,
        Ok(Mode::Migrate) => true,
        Ok(Mode::FailMigration) => {
            eprintln!(
                "demo-app: migration refused (--fail-migration: this is the deliberately failing migration test image)"
            );
            return ExitCode::from(1);
        }
        Ok(Mode::PrintVersion) => {
            println!("{}", app_version());
            return ExitCode::SUCCESS;
        }
        Ok(Mode::FailAtStart) => {
            eprintln!(
                "demo-app: refusing to start (--fail-at-start: this is the deliberately broken test image)"
            );
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("demo-app: {e}");
            return ExitCode::from(2);
        }
    };

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("demo-app: configuration error: {e}");
            return ExitCode::from(1);
        }
    };

    if migrate {
        return match Database::new(config.database.clone()).migrate(&config.app_version) {
            Ok(()) => {
                eprintln!("demo-app: migrated the database to {}", config.app_version);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("demo-app: migration to {} failed: {e}", config.app_version);
                ExitCode::from(1)
            }
        };
    }

    let server = match Server::http(("0.0.0.0", config.port)) {
        Ok(server) => Arc::new(server),
        Err(e) => {
            eprintln!("demo-app: cannot listen on 0.0.0.0:{}: {e}", config.port);
            return ExitCode::from(1);
        }
    };
    exit_on_termination_signals();
    eprintln!(
        "demo-app {} for instance {:?} listening on 0.0.0.0:{} (database {} on {}:{})",
        config.app_version,
        config.instance_name,
        config.port,
        config.database.name,
        config.database.host,
        config.database.port
    );

    if let Some(oidc) = &config.oidc {
        eprintln!(
            "demo-app: sign-in through OpenID Connect: issuer {} (server-to-server via {}), client {}, redirect URI {}",
            oidc.issuer,
            oidc.internal_url,
            oidc.client_id,
            oidc.redirect_uri()
        );
    }

    let app = Arc::new(App {
        relying_party: config.oidc.clone().map(RelyingParty::new),
        database: Database::new(config.database.clone()),
        config,
    });
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (server, app) = (server.clone(), app.clone());
            thread::spawn(move || serve(&server, &app))
        })
        .collect();
    for worker in workers {
        if worker.join().is_err() {
            eprintln!("demo-app: a worker thread panicked");
        }
    }
    ExitCode::from(1)
}

/// The version compiled in, overridden by `APP_VERSION` (for `--version`).
fn app_version() -> String {
    std::env::var("APP_VERSION")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned())
}

/// Exits cleanly on SIGTERM/SIGINT. Needed because the app runs as PID 1 in a
/// `FROM scratch` container, where the kernel ignores signals without handler
/// (Docker would otherwise wait its full stop timeout before killing it).
fn exit_on_termination_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    match signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) {
        Ok(mut signals) => {
            thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    eprintln!("demo-app: received signal {signal}, exiting");
                    std::process::exit(0);
                }
            });
        }
        Err(e) => eprintln!("demo-app: cannot install signal handlers: {e}"),
    }
}

/// What the worker threads share.
struct App {
    /// The configuration.
    config: Config,
    /// The instance's database.
    database: Database,
    /// `None` without `OIDC_ISSUER`: no sign-in.
    relying_party: Option<RelyingParty>,
}

/// Answers requests until the server fails.
fn serve(server: &Server, app: &App) {
    loop {
        match server.recv() {
            Ok(request) => handle(request, app),
            Err(e) => {
                eprintln!("demo-app: cannot accept request: {e}");
                return;
            }
        }
    }
}

/// The request's cookies: its `Cookie` headers joined by `; `.
fn cookies(request: &Request) -> Option<String> {
    let values: Vec<&str> = request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Cookie"))
        .map(|h| h.value.as_str())
        .collect();
    (!values.is_empty()).then(|| values.join("; "))
}

/// Answers one request.
fn handle(request: Request, app: &App) {
    let (config, database) = (&app.config, &app.database);
    let route = web::route(request.method().as_str(), request.url());
    let cookies = cookies(&request);
    let cookies = cookies.as_deref();
    let reply = web::static_reply(route, &config.app_version).unwrap_or_else(|| match route {
        Route::Index => match database.increment() {
            Ok(visits) => {
                // An access log line per visit (what the console's logs show).
                println!("demo-app: visit {visits}");
                let user = app.relying_party.as_ref().and_then(|rp| rp.user(cookies));
                let sign_in = match (&app.relying_party, &user) {
                    (None, _) => SignIn::Off,
                    (Some(_), None) => SignIn::SignedOut,
                    (Some(_), Some(user)) => SignIn::SignedIn(user),
                };
                Reply::html(
                    200,
                    web::index_page(&config.instance_name, &config.app_version, visits, sign_in),
                )
            }
            Err(e) => web::unavailable(&e),
        },
        Route::Login | Route::Callback | Route::Logout => match &app.relying_party {
            None => Reply::text(404, "not found"),
            Some(rp) => match route {
                Route::Login => rp.login(),
                Route::Callback => rp.callback(request.url(), cookies),
                _ => rp.logout(cookies),
            },
        },
        Route::Migrations => match database.migrations() {
            Ok(versions) => Reply::text(200, versions),
            Err(e) => web::unavailable(&e),
        },
        Route::Counter => match database.current() {
            Ok(visits) => Reply::text(200, visits.to_string()),
            Err(e) => web::unavailable(&e),
        },
        Route::Healthz => match database.ping() {
            Ok(()) => Reply::text(200, "ok"),
            Err(e) => web::unavailable(&e),
        },
        Route::Version | Route::NotFound | Route::MethodNotAllowed { .. } => {
            Reply::text(500, "internal error")
        }
    });
    if let Err(e) = request.respond(to_response(reply)) {
        eprintln!("demo-app: cannot send response: {e}");
    }
}

/// Turns a [`Reply`] into a tiny_http response.
fn to_response(reply: Reply) -> Response<Cursor<Vec<u8>>> {
    let mut response = Response::from_string(reply.body).with_status_code(reply.status);
    let headers = [
        ("Content-Type", reply.content_type.to_owned()),
        ("Cache-Control", "no-store".to_owned()),
    ];
    for (name, value) in headers.into_iter().chain(reply.headers) {
        match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            Ok(header) => response.add_header(header),
            Err(()) => eprintln!("demo-app: skipping invalid header {name}"),
        }
    }
    response
}

//! Benchmark of Plenum's OpenID Connect provider over HTTP on loopback: the whole code flow
//! a relying party makes (authorize with the person's session → token → userinfo) at 1 and
//! at 50 concurrent logins, and the token endpoint's throughput on its own.
//!
//! `cargo run -p server --example oidc_bench -- --logins 200` (add `--release` for an
//! optimised build). Plenum runs in this process on SQLite in a temporary directory (as
//! `plenum` does by default), reached through its real HTTP router on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use server::config::Settings;
use sha2::{Digest, Sha256};

const PASSWORD: &str = "correct horse 1";
const VERIFIER: &str = "a-verifier-of-at-least-43-characters-0123456789";
const CALLBACK: &str = "http://127.0.0.1:9/callback";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

struct Rp {
    base: String,
    client_id: String,
    secret: String,
}

/// One login: authorize (with the browser's session cookie) → token → userinfo.
async fn login(rp: &Rp, browser: &reqwest::Client, http: &reqwest::Client) -> Duration {
    let started = Instant::now();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let response = browser
        .get(format!("{}/oidc/authorize", rp.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", rp.client_id.as_str()),
            ("redirect_uri", CALLBACK),
            ("scope", "openid email profile"),
            ("state", "s"),
            ("nonce", "n"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let code = reqwest::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let tokens: serde_json::Value = http
        .post(format!("{}/oidc/token", rp.base))
        .basic_auth(&rp.client_id, Some(&rp.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().expect("tokens");
    let info = http
        .get(format!("{}/oidc/userinfo", rp.base))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert!(info.status().is_success());
    started.elapsed()
}

/// Runs `total` logins with `concurrency` at once; latencies in ms, and the wall time.
async fn run(
    rp: &Rp,
    browsers: &[reqwest::Client],
    concurrency: usize,
    total: usize,
) -> (Vec<f64>, Duration) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(total);
    for round in 0..total.div_ceil(concurrency) {
        let batch = concurrency.min(total - round * concurrency);
        let tasks: Vec<_> = (0..batch)
            .map(|i| login(rp, &browsers[i % browsers.len()], &http))
            .collect();
        for latency in futures::future::join_all(tasks).await {
            latencies.push(latency.as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    (latencies, started.elapsed())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let logins: usize = std::env::args()
        .skip_while(|a| a != "--logins")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = Settings {
        listen: addr,
        public_url: format!("http://{addr}"),
        data_dir: dir.path().to_owned(),
        log_filter: "warn".into(),
        ..Settings::default()
    };
    let plenum = server::start(&settings).await.unwrap();
    let router = plenum.router;
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let base = format!("http://{addr}");
    let (client, secret) = plenum
        .state
        .identity
        .register_client(identity::clients::ClientRequest {
            name: "bench".into(),
            instance_id: None,
            confidential: true,
            redirect_uris: vec![CALLBACK.into()],
            post_logout_redirect_uris: vec![],
        })
        .await
        .unwrap();
    let rp = Rp {
        base: base.clone(),
        client_id: client.client_id,
        secret: secret.unwrap().expose_str().unwrap().to_owned(),
    };
    // 50 people, each signed in in a browser of their own.
    let mut browsers = Vec::new();
    for i in 0..50 {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let signed = browser
            .post(format!("{base}/api/auth/signup"))
            .form(&[
                ("email", format!("p{i}@example.org").as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert!(signed.status().is_success() || signed.status().is_redirection());
        browsers.push(browser);
    }
    run(&rp, &browsers, 1, 10).await; // warm-up
    println!("| concurrent logins | logins | p50 (ms) | p99 (ms) | logins/s |");
    println!("|---|---|---|---|---|");
    for concurrency in [1, 50] {
        let (latencies, wall) = run(&rp, &browsers, concurrency, logins).await;
        println!(
            "| {concurrency} | {logins} | {:.1} | {:.1} | {:.0} |",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            logins as f64 / wall.as_secs_f64()
        );
    }
    // The token endpoint alone: codes issued first, then redeemed 50 at a time.
    let http = reqwest::Client::new();
    let mut codes = Vec::new();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    for i in 0..logins {
        let response = browsers[i % browsers.len()]
            .get(format!("{base}/oidc/authorize"))
            .query(&[
                ("response_type", "code"),
                ("client_id", rp.client_id.as_str()),
                ("redirect_uri", CALLBACK),
                ("scope", "openid"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        codes.push(
            reqwest::Url::parse(&location)
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .unwrap(),
        );
    }
    let started = Instant::now();
    for chunk in codes.chunks(50) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|code| {
                http.post(format!("{base}/oidc/token"))
                    .basic_auth(&rp.client_id, Some(&rp.secret))
                    .form(&[
                        ("grant_type", "authorization_code"),
                        ("code", code.as_str()),
                        ("redirect_uri", CALLBACK),
                        ("code_verifier", VERIFIER),
                    ])
                    .send()
            })
            .collect();
        for response in futures::future::join_all(tasks).await {
            assert!(response.unwrap().status().is_success());
        }
    }
    println!(
        "\ntoken endpoint: {} codes redeemed, 50 at a time, in {:.2} s: {:.0} tokens/s",
        codes.len(),
        started.elapsed().as_secs_f64(),
        codes.len() as f64 / started.elapsed().as_secs_f64()
    );
}

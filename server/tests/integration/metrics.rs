//! `/metrics`, scraped by a real Prometheus (Debian's `prometheus`, started here): only with
//! the token, in a format Prometheus accepts, with the request durations it counted.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Backend, TestServer};
use crate::edge_support::eventually;

/// A Prometheus scraping `target` every second with the token in `token_file`; stopped when
/// dropped.
struct Prometheus {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: &str, token_file: &std::path::Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: plenum\n    metrics_path: /metrics\n\
                 \x20   authorization:\n      type: Bearer\n      credentials_file: {}\n\
                 \x20   static_configs:\n      - targets: ['{target}']\n",
                token_file.display()
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let program =
            std::env::var("PLENUM_TEST_PROMETHEUS").unwrap_or_else(|_| "prometheus".into());
        let child = Command::new(&program)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{program} (Debian's prometheus; scripts/test.sh installs it): {e}")
            });
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    async fn api(&self, path: &str) -> Result<Value, String> {
        let answer = reqwest::get(format!("{}{path}", self.base))
            .await
            .map_err(|e| e.to_string())?;
        answer.json::<Value>().await.map_err(|e| e.to_string())
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn prometheus_scrapes_metrics_with_the_token_and_nobody_without() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("metrics-token");
    std::fs::write(&token_file, "scrape-me-please\n").unwrap();
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        s.metrics.token_file = Some(token_file.clone());
    })
    .await;
    // Some traffic to count.
    let client = server.client();
    client
        .sign_up(&crate::common::email("metrics"), crate::common::PASSWORD)
        .await;
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", server.base);
    for token in [None, Some("wrong")] {
        let mut request = http.get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(request.send().await.unwrap().status().as_u16(), 401);
    }
    let text = http
        .get(&url)
        .bearer_auth("scrape-me-please")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Families without samples are left out (instances and backups: see backups.rs).
    for family in [
        "# TYPE plenum_http_request_duration_seconds histogram",
        "plenum_http_request_duration_seconds_count{method=\"POST\",route=\"/api/auth/signup\",status=\"2xx\"} 1",
    ] {
        assert!(text.contains(family), "{family} missing:\n{text}");
    }
    assert!(text.ends_with("# EOF\n"), "{text}");

    let prometheus = Prometheus::start(&server.addr.to_string(), &token_file);
    eventually(
        "Prometheus scrapes Plenum",
        Duration::from_secs(60),
        || async {
            let targets = prometheus.api("/api/v1/targets").await?;
            let target = &targets["data"]["activeTargets"][0];
            match target["health"].as_str() {
                Some("up") => Ok(()),
                _ => Err(target.to_string()),
            }
        },
    )
    .await;
    let counted = eventually(
        "the request count in Prometheus",
        Duration::from_secs(30),
        || async {
            let answer = prometheus
                .api("/api/v1/query?query=sum(plenum_http_request_duration_seconds_count)")
                .await?;
            answer["data"]["result"][0]["value"][1]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|n| *n >= 2.0)
                .ok_or_else(|| answer.to_string())
        },
    )
    .await;
    assert!(counted >= 2.0);

    // Without a token file there is no /metrics.
    let plain = TestServer::start(Backend::Sqlite).await;
    let answer = http
        .get(format!("{}/metrics", plain.base))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 404);
}

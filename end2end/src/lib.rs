//! Helpers for the browser tests: a real Plenum and a real headless Chromium, both started
//! and stopped by the test itself.
//!
//! [`Harness::start`] starts the `plenum` binary named by `PLENUM_E2E_BIN` on a free port with
//! a fresh SQLite database, and ChromeDriver on another free port. [`Harness::browser`] opens a
//! browser session of its own (own Chromium profile, so own cookie jar); [`Browser`] offers the
//! few things the tests do with it — go to a page, type into a form, click, and wait until the
//! page shows something — with bounded waits whose failure messages say what was expected and
//! what the page showed instead.
//!
//! Both processes are killed when the [`Harness`] is dropped, also when a test panics.
//! `scripts/test.sh` builds the app (`cargo leptos build`) and sets the two variables.
//!
//! [`Harness::start_on`] runs Plenum with more settings (a TOML file), on another address,
//! and with command-line steps before it starts ([`PlenumCli`]); [`swarm`] holds what the
//! tests against the real Docker Swarm and a Caddy edge need.

pub mod platform;
pub mod swarm;

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one wait (for a page, an element, a text, a process) may take before the test
/// fails. Generous, because the debug build hashes passwords slowly on two cores.
pub const WAIT: Duration = Duration::from_secs(30);

/// How often a condition is checked while waiting for it.
const POLL: Duration = Duration::from_millis(100);

/// Chromium's flags on these machines: without them it hangs trying to reach the network.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// Reads a required environment variable naming an existing path, or fails the test with a
/// message that says how to run it properly.
fn required_path(var: &str) -> PathBuf {
    let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) else {
        panic!(
            "{var} is not set. The browser test needs the built web app: run scripts/test.sh, which \
             builds it with `cargo leptos build` and sets PLENUM_E2E_BIN (target/debug/plenum) and \
             PLENUM_E2E_SITE_DIR (target/site)."
        );
    };
    let path = PathBuf::from(value);
    assert!(
        path.exists(),
        "{var}={} does not exist. Build the app first: run scripts/test.sh (or `cargo leptos build`).",
        path.display()
    );
    path
}

/// A program this test needs from Debian, with an optional override by environment variable;
/// fails the test naming the package to install if it is missing.
pub fn program(var: &str, default: &str, package: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.exists(),
        "{} does not exist (set {var} to another path). Install it with `apt-get install -y {package}`, \
         or run scripts/test.sh, which does.",
        path.display()
    );
    path
}

/// A free TCP port on 127.0.0.1 (free when asked; the OS hands out ports round-robin, so it
/// stays free for the moment it takes to start the server on it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free TCP port on 127.0.0.1")
}

/// The status code of `GET path` on `addr`, or `None` if nothing answers (yet).
fn http_get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).ok()?;
    let line = std::str::from_utf8(&head[..n]).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The last `lines` lines of a log file, for failure messages.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| format!("(cannot read {}: {e})", path.display()));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A child process that is killed (with its whole process group) when dropped.
struct ProcessGuard {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl ProcessGuard {
    /// Starts `command` in a process group of its own, stdout and stderr into `log`.
    fn spawn(name: &'static str, mut command: Command, log: PathBuf) -> Self {
        let out =
            File::create(&log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let err = out.try_clone().expect("cannot duplicate a log file handle");
        command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({command:?}): {e}"));
        Self { name, child, log }
    }

    /// Fails the test if the process has already ended.
    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited early ({status}). Its output:\n{}",
                self.name,
                tail(&self.log, 40)
            );
        }
    }

    /// Waits until `GET path` on `addr` answers 200, failing if the process dies or `WAIT` passes.
    fn wait_healthy(&mut self, addr: SocketAddr, path: &str) {
        let start = Instant::now();
        loop {
            self.assert_running();
            if http_get_status(addr, path) == Some(200) {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "{} did not answer GET {path} with 200 on {addr} within {WAIT:?}. Its output:\n{}",
                self.name,
                tail(&self.log, 40)
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        // The child leads its own process group (ChromeDriver's Chromium processes are in it
        // too): kill the group by its id, then reap the child.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running Plenum and ChromeDriver for one test. Dropping it stops both and deletes the
/// database and the browser profiles.
pub struct Harness {
    base_url: String,
    webdriver_url: String,
    chromium: PathBuf,
    // Field order matters: the processes go before the directory they write into.
    driver: ProcessGuard,
    plenum: ProcessGuard,
    run_dir: tempfile::TempDir,
    sessions: std::cell::Cell<u32>,
}

impl Harness {
    /// Starts Plenum (fresh SQLite database, free port) and ChromeDriver (free port), and waits
    /// until both answer. Fails with instructions if the app was not built.
    pub fn start() -> Self {
        Self::start_on(Ipv4Addr::LOCALHOST.into(), free_port(), "", |_| {})
    }

    /// Like [`Harness::start`], but Plenum listens on `ip`:`port`, reads `config` as its
    /// settings file (TOML; none if empty), and `prepare` runs before it starts, e.g.
    /// `plenum migrate` and `plenum admin create` on its database.
    pub fn start_on(ip: IpAddr, port: u16, config: &str, prepare: impl FnOnce(&PlenumCli)) -> Self {
        let bin = required_path("PLENUM_E2E_BIN");
        let site_dir = required_path("PLENUM_E2E_SITE_DIR");
        assert!(
            site_dir.join("pkg").is_dir(),
            "PLENUM_E2E_SITE_DIR={} has no pkg/ (compiled JS, WASM and CSS). Run scripts/test.sh \
             (or `cargo leptos build`).",
            site_dir.display()
        );
        let chromium = program("PLENUM_E2E_CHROMIUM", "/usr/bin/chromium", "chromium");
        let chromedriver = program(
            "PLENUM_E2E_CHROMEDRIVER",
            "/usr/bin/chromedriver",
            "chromium-driver",
        );
        let run_dir = tempfile::Builder::new()
            .prefix("plenum-e2e-")
            .tempdir()
            .expect("cannot create a temporary directory");

        let addr = SocketAddr::new(ip, port);
        let base_url = format!("http://{addr}");
        let config_file = (!config.is_empty()).then(|| {
            let path = run_dir.path().join("plenum.toml");
            std::fs::write(&path, config)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            path
        });
        let cli = PlenumCli {
            bin,
            run_dir: run_dir.path().to_owned(),
            site_dir,
            config_file,
            addr,
        };
        prepare(&cli);
        let mut plenum =
            ProcessGuard::spawn("plenum", cli.command(), run_dir.path().join("plenum.log"));

        let driver_port = free_port();
        let driver_addr = SocketAddr::from(([127, 0, 0, 1], driver_port));
        let mut command = Command::new(&chromedriver);
        command
            .current_dir(run_dir.path())
            .arg(format!("--port={driver_port}"));
        let mut driver = ProcessGuard::spawn(
            "chromedriver",
            command,
            run_dir.path().join("chromedriver.log"),
        );

        plenum.wait_healthy(addr, "/healthz");
        driver.wait_healthy(driver_addr, "/status");
        Self {
            base_url,
            webdriver_url: format!("http://{driver_addr}"),
            chromium,
            driver,
            plenum,
            run_dir,
            sessions: std::cell::Cell::new(0),
        }
    }

    /// The address Plenum answers on, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The SQLite database file of the running server.
    pub fn database(&self) -> PathBuf {
        self.run_dir.path().join("data").join("plenum.db")
    }

    /// The last lines of Plenum's log.
    pub fn plenum_log(&self) -> String {
        tail(&self.plenum.log, 30)
    }

    /// Opens a new browser session with a profile (and so cookies) of its own. `who` names it
    /// in failure messages.
    pub async fn browser(&self, who: &str) -> Browser<'_> {
        self.browser_with(who, &[]).await
    }

    /// [`Harness::browser`] with more Chromium flags, e.g. `--host-resolver-rules=…`.
    pub async fn browser_with(&self, who: &str, extra_args: &[&str]) -> Browser<'_> {
        let n = self.sessions.get() + 1;
        self.sessions.set(n);
        let profile = self.run_dir.path().join(format!("chromium-profile-{n}"));
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.extend(extra_args.iter().map(|a| (*a).to_owned()));
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities: Capabilities = serde_json::from_value(json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": { "binary": self.chromium, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
        }))
        .expect("capabilities are a JSON object");
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.webdriver_url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "ChromeDriver could not start a Chromium session for {who}: {e}\nChromeDriver's output:\n{}",
                    tail(&self.driver.log, 30)
                )
            });
        Browser {
            harness: self,
            client,
            who: who.to_owned(),
        }
    }
}

/// Runs the `plenum` binary with the settings of the harness' server (same data directory,
/// database and settings file), before that server starts.
pub struct PlenumCli {
    bin: PathBuf,
    run_dir: PathBuf,
    site_dir: PathBuf,
    config_file: Option<PathBuf>,
    addr: SocketAddr,
}

impl PlenumCli {
    /// The command that runs `plenum` with the harness' environment (no arguments yet).
    fn command(&self) -> Command {
        let mut command = Command::new(&self.bin);
        command
            .current_dir(&self.run_dir)
            .env("PLENUM_LISTEN", self.addr.to_string())
            .env("PLENUM_DATA_DIR", self.data_dir())
            .env("PLENUM_SITE_DIR", &self.site_dir)
            .env("PLENUM_PUBLIC_URL", format!("http://{}", self.addr))
            .env_remove("DATABASE_URL")
            .env_remove("LEPTOS_SITE_ROOT")
            .env("RUST_LOG", "info");
        match &self.config_file {
            Some(file) => command.env("PLENUM_CONFIG", file),
            None => command.env_remove("PLENUM_CONFIG"),
        };
        command
    }

    fn data_dir(&self) -> PathBuf {
        self.run_dir.join("data")
    }

    /// The SQLite database file the server will use.
    pub fn database(&self) -> PathBuf {
        self.data_dir().join("plenum.db")
    }

    /// Runs `plenum args…` with `stdin` as its standard input; returns its standard output,
    /// or fails the test with its output.
    pub fn run(&self, args: &[&str], stdin: &str) -> String {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run plenum {args:?}: {e}"));
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .unwrap_or_else(|e| panic!("cannot write to plenum {args:?}: {e}"));
        }
        let output = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("plenum {args:?} did not finish: {e}"));
        assert!(
            output.status.success(),
            "plenum {args:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// The legacy (but supported by ChromeDriver) command that returns the browser console's
/// messages since it was last asked.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// A Chrome DevTools Protocol command, sent through ChromeDriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// One browser session (one person at their own computer) on the harness' Plenum.
pub struct Browser<'h> {
    harness: &'h Harness,
    client: Client,
    who: String,
}

impl Browser<'_> {
    /// The WebDriver client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Ends the session (Chromium quits).
    pub async fn close(self) {
        let who = self.who.clone();
        if let Err(e) = self.client.close().await {
            panic!("closing {who}'s browser failed: {e}");
        }
    }

    /// Loads `path` (e.g. `/login`) as a full page load (WebDriver waits for the document to
    /// load; the WASM bundle hydrates it shortly after, see [`Browser::wait_for_handler`]).
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.harness.base_url);
        if let Err(e) = self.client.goto(&url).await {
            self.fail(&format!("loading {url} failed: {e}")).await;
        }
    }

    /// Loads an absolute `url` (another host than Plenum's, e.g. an instance's address).
    pub async fn goto_url(&self, url: &str) {
        if let Err(e) = self.client.goto(url).await {
            self.fail(&format!("loading {url} failed: {e}")).await;
        }
    }

    /// Sends a Chrome DevTools Protocol command through ChromeDriver and returns its result.
    async fn cdp(&self, cmd: &'static str, params: Value) -> Result<Value, CmdError> {
        self.client.issue_cmd(Cdp { cmd, params }).await
    }

    /// Waits until the element matching `css` has a listener for `event` (e.g. `submit`), that
    /// is, until the hydrated app has taken it over. Until then a form would be submitted by the
    /// browser itself, as a full page load.
    ///
    /// Leptos attaches its handlers with `addEventListener`, which the page cannot observe;
    /// the DevTools protocol can (`DOMDebugger.getEventListeners`).
    pub async fn wait_for_handler(&self, css: &str, event: &str) {
        let expression = format!("document.querySelector({})", json!(css));
        self.eventually(
            &format!("the app to handle `{event}` on `{css}` (hydration)"),
            async || {
                let found = self
                    .cdp(
                        "Runtime.evaluate",
                        json!({ "expression": expression, "objectGroup": "e2e-probe" }),
                    )
                    .await?;
                let Some(object_id) = found["result"]["objectId"].as_str() else {
                    return Ok(None);
                };
                let listeners = self
                    .cdp(
                        "DOMDebugger.getEventListeners",
                        json!({ "objectId": object_id }),
                    )
                    .await;
                let _ = self
                    .cdp(
                        "Runtime.releaseObjectGroup",
                        json!({ "objectGroup": "e2e-probe" }),
                    )
                    .await;
                let listeners = listeners?;
                let handled = listeners["listeners"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|l| l["type"] == event));
                Ok(handled.then_some(()))
            },
        )
        .await;
    }

    /// Runs JavaScript in the page and returns its result.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        match self.client.execute(script, args).await {
            Ok(v) => v,
            Err(e) => {
                self.fail(&format!("running JavaScript failed: {e}\n{script}"))
                    .await
            }
        }
    }

    /// The visible text of the first element matching `css`, or `None` if there is none.
    pub async fn text(&self, css: &str) -> Result<Option<String>, CmdError> {
        let v = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// The path of the current address, e.g. `/orgs/1`.
    pub async fn path(&self) -> Result<String, CmdError> {
        Ok(self.client.current_url().await?.path().to_owned())
    }

    /// Waits until `probe` returns `Some`, checking every 100 ms for at most [`WAIT`]; fails the
    /// test saying `what` was expected and what the page showed.
    pub async fn eventually<T>(
        &self,
        what: &str,
        probe: impl AsyncFnMut() -> Result<Option<T>, CmdError>,
    ) -> T {
        self.eventually_within(WAIT, what, probe).await
    }

    /// [`Browser::eventually`] with another limit than [`WAIT`], for slow things such as a
    /// container starting.
    pub async fn eventually_within<T>(
        &self,
        limit: Duration,
        what: &str,
        mut probe: impl AsyncFnMut() -> Result<Option<T>, CmdError>,
    ) -> T {
        let start = Instant::now();
        let mut last_error = None;
        loop {
            match probe().await {
                Ok(Some(v)) => return v,
                Ok(None) => {}
                Err(e) => last_error = Some(e.to_string()),
            }
            if start.elapsed() >= limit {
                let mut msg = format!("waited {limit:?} for {what}");
                if let Some(e) = last_error {
                    let _ = write!(msg, " (last WebDriver error: {e})");
                }
                self.fail(&msg).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the element matching `css` exists and returns it.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.eventually(&format!("an element matching `{css}`"), async || match self
            .client
            .find(Locator::Css(css))
            .await
        {
            Ok(e) => Ok(Some(e)),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    /// Waits until the element matching `css` shows a text containing `expected`; returns the
    /// element's whole text.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> String {
        self.eventually(&format!("`{css}` to show {expected:?}"), async || {
            Ok(self.text(css).await?.filter(|t| t.contains(expected)))
        })
        .await
    }

    /// Waits until no element matches `css` (e.g. a row the page removed); `what` names the
    /// wait in a failure.
    pub async fn wait_until_gone(&self, css: &str, what: &str) {
        self.eventually(what, async || {
            let gone = self
                .client
                .execute(
                    "return document.querySelector(arguments[0]) === null;",
                    vec![json!(css)],
                )
                .await?;
            Ok((gone == json!(true)).then_some(()))
        })
        .await;
    }

    /// Waits until the address' path is `expected`.
    pub async fn wait_for_path(&self, expected: &str) {
        self.eventually(&format!("the address to become {expected}"), async || {
            Ok((self.path().await? == expected).then_some(()))
        })
        .await;
    }

    /// Replaces the value of the input named `name` in the form matching `form` by typing.
    pub async fn fill(&self, form: &str, name: &str, value: &str) {
        let input = self.wait_for(&format!("{form} [name=\"{name}\"]")).await;
        if let Err(e) = input.clear().await {
            self.fail(&format!("clearing `{name}` in {form} failed: {e}"))
                .await;
        }
        if let Err(e) = input.send_keys(value).await {
            self.fail(&format!("typing into `{name}` in {form} failed: {e}"))
                .await;
        }
    }

    /// Clicks the submit button of the form matching `form`, once the app handles the form.
    pub async fn submit(&self, form: &str) {
        self.wait_for_handler(form, "submit").await;
        self.click(&format!("{form} button[type=\"submit\"]")).await;
    }

    /// Clicks the element matching `css` once it exists.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        if let Err(e) = element.click().await {
            self.fail(&format!("clicking `{css}` failed: {e}")).await;
        }
    }

    /// Clicks the button whose text is `label` inside the element matching `within`.
    pub async fn click_button(&self, within: &str, label: &str) {
        let buttons = self.wait_for(within).await;
        let xpath = format!(".//button[normalize-space()=\"{label}\"]");
        let button = self
            .eventually(
                &format!("a button {label:?} in `{within}`"),
                async || match buttons.find(Locator::XPath(&xpath)).await {
                    Ok(e) => Ok(Some(e)),
                    Err(e) if e.is_no_such_element() => Ok(None),
                    Err(e) => Err(e),
                },
            )
            .await;
        if let Err(e) = button.click().await {
            self.fail(&format!("clicking the button {label:?} failed: {e}"))
                .await;
        }
    }

    /// Sets a random marker on `window`, to be checked by [`Browser::assert_no_page_load`]: a
    /// full page load would discard it.
    pub async fn set_page_marker(&self) -> String {
        let marker = format!("e2e-{}-{:?}", std::process::id(), Instant::now());
        self.js(
            "window.__plenumE2eMarker = arguments[0]; return null;",
            vec![json!(marker)],
        )
        .await;
        marker
    }

    /// Fails unless the marker set by [`Browser::set_page_marker`] is still on `window`, i.e.
    /// the page was updated in place by the hydrated app rather than loaded anew.
    pub async fn assert_no_page_load(&self, marker: &str, during: &str) {
        let found = self
            .js(
                "return window.__plenumE2eMarker === undefined ? null : window.__plenumE2eMarker;",
                vec![],
            )
            .await;
        if found != json!(marker) {
            self.fail(&format!(
                "{during} caused a full page load (the marker on `window` is gone): the form was not \
                 handled by the hydrated app"
            ))
            .await;
        }
    }

    /// Saves a PNG screenshot of the viewport to `path` (creating its directory).
    pub async fn screenshot(&self, path: &Path) {
        let png = match self.client.screenshot().await {
            Ok(png) => png,
            Err(e) => self.fail(&format!("taking a screenshot failed: {e}")).await,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        }
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// The browser console's messages since the last call, one per line.
    pub async fn console(&self) -> String {
        match self.client.issue_cmd(BrowserLog).await {
            Ok(Value::Array(entries)) => entries
                .iter()
                .map(|e| {
                    format!(
                        "[{}] {}",
                        e["level"].as_str().unwrap_or("?"),
                        e["message"].as_str().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Ok(other) => format!("(unexpected answer: {other})"),
            Err(e) => format!("(cannot read the console: {e})"),
        }
    }

    /// Fails the test with `msg`, adding where the browser is, what the page shows, the browser
    /// console and the end of Plenum's log.
    pub async fn fail(&self, msg: &str) -> ! {
        let url = self
            .client
            .current_url()
            .await
            .map_or_else(|e| format!("(unknown: {e})"), |u| u.to_string());
        let body = self.text("body").await.ok().flatten().unwrap_or_default();
        let body: String = body.chars().take(1500).collect();
        let console = self.console().await;
        panic!(
            "[{who}] {msg}\n--- at {url}, the page shows:\n{body}\n--- browser console:\n{console}\n\
             --- Plenum's log (last lines):\n{log}",
            who = self.who,
            log = self.harness.plenum_log(),
        );
    }
}

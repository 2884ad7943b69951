//! A relying party nobody here wrote: Debian's Apache with `mod_auth_openidc`, configured
//! only with Plenum's discovery URL, a client id and its secret (and PKCE), protects a page.
//! A person signs in through Plenum, the page shows the claims Apache passes on, and Apache's
//! logout ends the Plenum session through the end-session endpoint.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use identity::clients::ClientRequest;
use reqwest::StatusCode;

use crate::common::{Backend, PASSWORD, TestServer, email};
use crate::instances::create_instance;

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// A standalone Apache (its own configuration, ports and files), stopped when dropped.
struct Apache {
    child: Child,
    dir: tempfile::TempDir,
    base: String,
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn config(dir: &Path, port: u16, issuer: &str, client_id: &str, secret: &str) -> String {
    let d = dir.display();
    format!(
        r#"ServerRoot "{d}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {d}/run/httpd.pid
DefaultRuntimeDir {d}/run
ErrorLog {d}/logs/error.log
LogLevel warn auth_openidc:debug
User www-data
Group www-data
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule alias_module {MODULES}/mod_alias.so
LoadModule cgid_module {MODULES}/mod_cgid.so
LoadModule auth_openidc_module {MODULES}/mod_auth_openidc.so
ScriptSock {d}/run/cgisock
DocumentRoot {d}/htdocs
<Directory {d}/htdocs>
    Require all granted
</Directory>
OIDCProviderMetadataURL {issuer}/.well-known/openid-configuration
OIDCClientID {client_id}
OIDCClientSecret {secret}
OIDCRedirectURI http://127.0.0.1:{port}/protected/redirect_uri
OIDCCryptoPassphrase a-long-random-passphrase-for-this-test-only
OIDCScope "openid email profile"
OIDCPKCEMethod S256
ScriptAliasMatch ^/protected/ {d}/cgi-bin/claims.cgi
<Location /protected>
    AuthType openid-connect
    Require valid-user
</Location>
<Directory {d}/cgi-bin>
    Require all granted
</Directory>
"#
    )
}

/// Prints what mod_auth_openidc hands to the application.
const CLAIMS_CGI: &str = "#!/bin/sh\necho 'Content-Type: text/plain'\necho\n\
echo \"REMOTE_USER=$REMOTE_USER\"\nenv | grep '^OIDC_CLAIM_' | sort\n";

impl Apache {
    async fn start(issuer: &str, client_id: &str, secret: &str, port: u16) -> Self {
        assert!(
            Path::new(APACHE).exists() && Path::new(MODULES).join("mod_auth_openidc.so").exists(),
            "apache2 and libapache2-mod-auth-openidc are missing: run the tests with scripts/test.sh"
        );
        let dir = tempfile::tempdir().unwrap();
        for sub in ["run", "logs", "htdocs", "cgi-bin"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("htdocs/loggedout.html"), "logged out\n").unwrap();
        let cgi = dir.path().join("cgi-bin/claims.cgi");
        std::fs::write(&cgi, CLAIMS_CGI).unwrap();
        // Apache's children run as www-data: they must reach the files.
        use std::os::unix::fs::PermissionsExt;
        for path in [
            dir.path().to_owned(),
            dir.path().join("cgi-bin"),
            dir.path().join("htdocs"),
            dir.path().join("run"),
            cgi,
        ] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let conf = dir.path().join("httpd.conf");
        std::fs::write(&conf, config(dir.path(), port, issuer, client_id, secret)).unwrap();
        let child = Command::new(APACHE)
            .args(["-f", conf.to_str().unwrap(), "-DFOREGROUND"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let apache = Self {
            child,
            dir,
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..100 {
            if reqwest::get(format!("{}/loggedout.html", apache.base))
                .await
                .is_ok()
            {
                return apache;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Dropping `apache` stops the process.
        panic!("Apache did not start: {}", apache.log());
    }

    fn log_of(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("logs/error.log")).unwrap_or_default()
    }

    fn log(&self) -> String {
        Self::log_of(self.dir.path())
    }
}

/// Follows redirects by hand (the browser's cookie jar sees both servers), at most `limit`.
async fn follow(
    browser: &reqwest::Client,
    mut url: String,
    limit: usize,
) -> (StatusCode, String, String) {
    for _ in 0..limit {
        let response = browser.get(&url).send().await.unwrap();
        let status = response.status();
        if !status.is_redirection() {
            return (status, url, response.text().await.unwrap());
        }
        let next = response.headers()["location"].to_str().unwrap().to_owned();
        url = reqwest::Url::parse(&url)
            .unwrap()
            .join(&next)
            .unwrap()
            .to_string();
    }
    panic!("more than {limit} redirects, last {url}");
}

#[tokio::test]
async fn mod_auth_openidc_signs_in_through_plenum() {
    let server = TestServer::start(Backend::Sqlite).await;
    let browser = server.client();
    let address = email("chair");
    assert!(
        browser
            .sign_up(&address, PASSWORD)
            .await
            .status
            .is_success()
    );
    let org_id = browser.first_org_id().await;
    let instance_id = create_instance(&server, org_id, "apache").await;
    let port = free_port();
    let (client, secret) = server
        .state
        .identity
        .register_client(ClientRequest {
            name: "Apache".into(),
            instance_id: Some(instance_id),
            confidential: true,
            redirect_uris: vec![format!("http://127.0.0.1:{port}/protected/redirect_uri")],
            post_logout_redirect_uris: vec![format!("http://127.0.0.1:{port}/loggedout.html")],
        })
        .await
        .unwrap();
    let secret = secret.unwrap();
    let apache = Apache::start(
        &server.base,
        &client.client_id,
        secret.expose_str().unwrap(),
        port,
    )
    .await;

    // Apache sends the browser to Plenum, where it is signed in, and back with a code that
    // Apache redeems (client_secret_basic + PKCE), checks and completes with userinfo.
    let (status, url, page) =
        follow(&browser.http, format!("{}/protected/", apache.base), 10).await;
    assert_eq!(status, StatusCode::OK, "{url}\n{page}\n{}", apache.log());
    let user_id = browser.me().await["id"].as_i64().unwrap();
    for line in [
        format!("OIDC_CLAIM_sub={user_id}"),
        format!("OIDC_CLAIM_email={address}"),
        format!("OIDC_CLAIM_preferred_username={address}"),
        format!("OIDC_CLAIM_iss={}", server.base),
        "OIDC_CLAIM_role=admin".to_owned(),
        format!("OIDC_CLAIM_aud={}", client.client_id),
    ] {
        assert!(page.lines().any(|l| l == line), "{line} missing in\n{page}");
    }
    assert!(apache.log().contains("code_challenge"), "Apache used PKCE");

    // A person without access to the instance gets Plenum's "no access" page.
    let outsider = server.client();
    outsider.sign_up(&email("outsider"), PASSWORD).await;
    let (status, _, page) = follow(&outsider.http, format!("{}/protected/", apache.base), 10).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("sso-no-access"), "{page}");

    // Apache's logout ends the Plenum session through the end-session endpoint.
    let logout = format!(
        "{}/protected/redirect_uri?logout={}",
        apache.base,
        url::form_urlencoded::byte_serialize(format!("{}/loggedout.html", apache.base).as_bytes())
            .collect::<String>()
    );
    let (status, url, page) = follow(&browser.http, logout, 10).await;
    assert_eq!(
        (status, page.trim()),
        (StatusCode::OK, "logged out"),
        "{url}"
    );
    assert!(browser.me().await.is_null(), "Plenum's session ended");
}

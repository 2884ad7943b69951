//! Invitations by mail through a real SMTP server (Python's `aiosmtpd`, storing what it
//! receives in a maildir): a new address gets its invitation link by mail and can use it,
//! an existing account gets a note, an import mails every row, and when the server is gone
//! the grant stands and the inviter gets the link with the reason.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Backend, PASSWORD, TestServer, email};
use crate::instances::create_instance;

/// The Debian interpreter, which has `python3-aiosmtpd` (scripts/test.sh installs it).
const PYTHON: &str = "/usr/bin/python3";

/// A running `aiosmtpd` that stores every message in a maildir.
struct SmtpSink {
    port: u16,
    maildir: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received message, decoded by Python's `email` package.
#[derive(Debug)]
struct Received {
    from: String,
    to: String,
    subject: String,
    body: String,
}

impl SmtpSink {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 runs (scripts/test.sh installs python3-aiosmtpd)");
        let mut sink = Self {
            port,
            maildir,
            child,
            _dir: dir,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return sink;
            }
            if let Some(status) = sink.child.try_wait().unwrap() {
                panic!("aiosmtpd exited ({status}): is python3-aiosmtpd installed?");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd does not listen on port {port}");
    }

    /// Every message received so far.
    fn messages(&self) -> Vec<Received> {
        read_maildir(&self.maildir)
    }

    /// The messages to `to`.
    fn to(&self, to: &str) -> Vec<Received> {
        self.messages().into_iter().filter(|m| m.to == to).collect()
    }
}

fn read_maildir(maildir: &Path) -> Vec<Received> {
    const DUMP: &str = r#"
import json, mailbox, sys
out = []
for message in mailbox.Maildir(sys.argv[1], create=False):
    out.append({"from": message["From"], "to": message["To"], "subject": message["Subject"],
                "body": message.get_payload(decode=True).decode(message.get_content_charset() or "ascii")})
print(json.dumps(out))
"#;
    let output = Command::new(PYTHON)
        .args(["-c", DUMP])
        .arg(maildir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    list.iter()
        .map(|m| Received {
            from: m["from"].as_str().unwrap().to_owned(),
            to: m["to"].as_str().unwrap().to_owned(),
            subject: m["subject"].as_str().unwrap().to_owned(),
            body: m["body"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// The invitation token in a mail body.
fn token_in(body: &str, base: &str) -> String {
    let prefix = format!("{base}/invite/");
    let start = body
        .find(&prefix)
        .unwrap_or_else(|| panic!("an invitation link in: {body}"))
        + prefix.len();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn invitations_and_notes_go_out_by_mail_and_the_link_is_the_fallback() {
    let sink = SmtpSink::start().await;
    let port = sink.port;
    let server = TestServer::start_with(Backend::Sqlite, |settings| {
        settings.mail.smtp_host = Some("127.0.0.1".into());
        settings.mail.smtp_port = port;
        settings.mail.smtp_security = app::server::mail::SmtpSecurity::None;
        settings.mail.from = "Plenum <plenum@example.test>".into();
    })
    .await;
    let owner = server.client();
    owner.sign_up(&email("owner"), PASSWORD).await;
    let org = owner.first_org_id().await;
    let instance = create_instance(&server, org, "congress").await;
    let id = instance.to_string();
    let grant = |address: String| {
        let owner = &owner;
        let id = id.clone();
        async move {
            owner
                .call(
                    "access/grant",
                    &[
                        ("id", id.as_str()),
                        ("email", address.as_str()),
                        ("given_name", "Rosa"),
                        ("family_name", "Lux"),
                        ("role", "participant"),
                    ],
                )
                .await
        }
    };

    // A new address: the invitation goes by mail, and the inviter does not see the link.
    let newcomer = email("newcomer").to_lowercase();
    let reply = grant(newcomer.clone()).await;
    assert_eq!(reply.body["notice"]["invited"], true, "{}", reply.text);
    assert_eq!(reply.body["notice"]["mailed"], true, "{}", reply.text);
    assert_eq!(reply.body["notice"]["invite_link"], Value::Null);
    assert_eq!(reply.body["notice"]["mail_error"], Value::Null);
    let mails = sink.to(&newcomer);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.from, "Plenum <plenum@example.test>");
    assert!(
        mail.subject.starts_with("Access to Congress congress"),
        "{mail:?}"
    );
    assert!(mail.body.starts_with("Hello Rosa,"), "{mail:?}");
    assert!(
        mail.body.contains("as participant"),
        "the role is named: {mail:?}"
    );
    let token = token_in(&mail.body, &server.base);
    // The mailed link works: it sets the password and signs in.
    let person = server.client();
    let accepted = person
        .call(
            "auth/invitation",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert!(
        accepted.status.is_success() || accepted.status.is_redirection(),
        "{}",
        accepted.text
    );
    assert_eq!(person.me().await["email"], newcomer);

    // An existing account gets a note with where to sign in, and no invitation.
    let member = email("member").to_lowercase();
    server.client().sign_up(&member, PASSWORD).await;
    let reply = grant(member.clone()).await;
    assert_eq!(reply.body["notice"]["invited"], false, "{}", reply.text);
    assert_eq!(reply.body["notice"]["mailed"], true, "{}", reply.text);
    let mails = sink.to(&member);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].body.contains(&format!("{}/portal", server.base)),
        "{mails:?}"
    );
    assert!(!mails[0].body.contains("/invite/"), "{mails:?}");

    // An import mails every granted row, each new address its own link.
    let imported: Vec<String> = (0..3)
        .map(|i| email(&format!("delegate{i}")).to_lowercase())
        .collect();
    let csv: String = imported
        .iter()
        .map(|a| format!("{a},Del,Egate,participant\n"))
        .collect();
    let report = owner
        .call("access/import", &[("id", &id), ("csv", &csv)])
        .await;
    assert_eq!(report.body["applied"], true, "{}", report.text);
    let mut tokens = Vec::new();
    for (row, address) in imported.iter().enumerate() {
        assert_eq!(
            report.body["rows"][row]["notice"]["mailed"], true,
            "{}",
            report.text
        );
        let mails = sink.to(address);
        assert_eq!(mails.len(), 1, "{address}: {mails:?}");
        tokens.push(token_in(&mails[0].body, &server.base));
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 3, "every invitation has its own link");
    assert!(
        !report.text.contains("/invite/"),
        "mailed links are not shown"
    );

    // The mail server is gone: the grant stands, and the inviter gets the link and why.
    drop(sink);
    let late = email("late").to_lowercase();
    let reply = grant(late.clone()).await;
    assert_eq!(reply.body["email"], late.as_str(), "{}", reply.text);
    assert_eq!(reply.body["notice"]["mailed"], false, "{}", reply.text);
    assert!(
        reply.body["notice"]["mail_error"]
            .as_str()
            .is_some_and(|e| e.contains("mail server")),
        "{}",
        reply.text
    );
    let link = reply.body["notice"]["invite_link"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{}/invite/", server.base)),
        "{link}"
    );
    let list = owner.call("access/list", &[("id", &id)]).await;
    assert!(list.text.contains(&late), "{}", list.text);
}

#[tokio::test]
async fn unusable_mail_settings_stop_the_start_with_the_setting_named() {
    let (url, _dir) = crate::common::fresh_database(Backend::Sqlite).await;
    let mut settings = crate::common::settings(&url);
    settings.mail.smtp_host = Some("127.0.0.1".into());
    settings.mail.smtp_username = Some("plenum".into());
    settings.mail.smtp_password_file = Some("/nonexistent/smtp-password".into());
    let error = server::start(&settings)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("mail.smtp_password_file") && error.contains("/nonexistent/smtp-password"),
        "{error}"
    );
}

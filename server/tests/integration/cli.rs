//! The `plenum` binary: start-up errors for bad settings, `migrate`, and `admin create`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn plenum(
    data_dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plenum"));
    command
        .args(args)
        .env_clear()
        .env("PLENUM_DATA_DIR", data_dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("plenum starts");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("plenum exits")
}

#[test]
fn invalid_settings_stop_start_up_with_the_setting_named() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &[&str]); 5] = [
        ("PLENUM_LOG_FORMAT", "xml", &["LOG_FORMAT", "json"]),
        (
            "PLENUM_EDGE_BASE_DOMAIN",
            "events..example.org",
            &["edge.base_domain", "not a valid DNS name"],
        ),
        (
            "PLENUM_SESSION_IDLE_MINUTES",
            "0",
            &["session_idle_minutes", "1 to 43200"],
        ),
        ("PLENUM_LISTEN", "not-an-address", &["LISTEN"]),
        (
            "DATABASE_URL",
            "mysql://root:hunter2@db/x",
            &["database_url", "postgres://"],
        ),
    ];
    for (key, value, expected) in cases {
        let out = plenum(dir.path(), &["serve"], &[(key, value)], None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{key}={value}: {stderr}");
        for word in expected {
            assert!(
                stderr.contains(word),
                "{key}={value}: {word:?} not in {stderr}"
            );
        }
        assert!(
            !stderr.contains("hunter2"),
            "no secrets in messages: {stderr}"
        );
    }
    let missing = plenum(
        dir.path(),
        &["serve"],
        &[("PLENUM_CONFIG", "/nonexistent/plenum.toml")],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/plenum.toml"));
}

#[test]
fn migrate_and_admin_create_on_the_embedded_database() {
    let dir = tempfile::tempdir().unwrap();
    let migrated = plenum(dir.path(), &["migrate"], &[], None);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(
        dir.path().join("plenum.db").exists(),
        "SQLite file in the data directory"
    );

    let piped = plenum(
        dir.path(),
        &["admin", "create", "--email", "staff@example.org"],
        &[],
        Some("correct horse 1\n"),
    );
    let stdout = String::from_utf8_lossy(&piped.stdout);
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert!(
        stdout.contains("Created staff account staff@example.org"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("correct horse"),
        "a given password is not echoed"
    );

    let generated = plenum(
        dir.path(),
        &["admin", "create", "--email", "second@example.org"],
        &[],
        Some(""),
    );
    let stdout = String::from_utf8_lossy(&generated.stdout);
    assert!(generated.status.success());
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Its password (shown only now): "))
        .expect("generated password printed once");
    assert_eq!(password.len(), 24);

    let duplicate = plenum(
        dir.path(),
        &["admin", "create", "--email", "STAFF@example.org"],
        &[],
        Some("correct horse 1\n"),
    );
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));

    let weak = plenum(
        dir.path(),
        &["admin", "create", "--email", "third@example.org"],
        &[],
        Some("short\n"),
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("10 to 128 characters"));
}

//! The key that encrypts secrets in Plenum's database (instance secrets, the identity
//! provider's signing keys and client secrets): `engine.secret_key_file` when set, else
//! `<data_dir>/secret.key`, made on first start (32 random bytes in base64, mode 0600).

use std::io::Write;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use store::SecretKey;

use crate::config::Settings;

/// Why the key could not be had (names the file, never its content).
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// `engine.secret_key_file` is unusable.
    #[error(transparent)]
    Engine(#[from] engine::SettingsError),
    /// The default key file could not be made or read.
    #[error("secret key file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// Loads the key, making the default file when it does not exist yet.
pub fn load(settings: &Settings) -> Result<SecretKey, KeyError> {
    if settings.engine.secret_key_file.is_some() {
        return Ok(settings.engine.secret_key()?);
    }
    let path = settings.data_dir.join("secret.key");
    let failed = |message: String| KeyError::File {
        path: path.display().to_string(),
        message,
    };
    if !path.exists() && create(&path).map_err(|e| failed(format!("cannot create it: {e}")))? {
        tracing::info!(file = %path.display(), "made a new secret key; keep it with the database");
    }
    let text =
        std::fs::read_to_string(&path).map_err(|e| failed(format!("cannot read it: {e}")))?;
    SecretKey::from_base64(&text).map_err(|e| failed(e.to_string()))
}

/// Writes a new key to a temporary file and links it into place, so that a reader never
/// sees a half-written key and two processes starting at once keep the first one. Returns
/// whether this call made the key.
fn create(path: &Path) -> std::io::Result<bool> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut bytes = [0u8; SecretKey::LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let temporary = dir.join(format!(
        ".secret.key.{}.{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut file| {
        writeln!(file, "{}", STANDARD.encode(bytes))?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_default_key_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: dir.path().join("data"),
            ..Settings::default()
        };
        load(&settings).unwrap();
        let first = std::fs::read_to_string(dir.path().join("data/secret.key")).unwrap();
        load(&settings).unwrap();
        let second = std::fs::read_to_string(dir.path().join("data/secret.key")).unwrap();
        assert_eq!(first, second, "an existing key is never replaced");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("data/secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join("data/secret.key"), "garbage").unwrap();
        let error = load(&settings).unwrap_err().to_string();
        assert!(
            error.contains("secret.key") && !error.contains("garbage"),
            "{error}"
        );
    }
}

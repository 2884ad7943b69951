//! The vault's key: one age X25519 identity in a file of its own, created on first use.

use std::io::Write;
use std::path::Path;

use age::secrecy::ExposeSecret;
use age::x25519::Identity;

use crate::VaultError;

/// Reads the identity in `path`, or creates it (mode 0600, never overwriting a file that
/// appeared meanwhile).
pub(crate) fn load_or_create(path: &Path) -> Result<Identity, VaultError> {
    let fail = |message: String| VaultError::Key {
        path: path.display().to_string(),
        message,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let line = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .ok_or_else(|| fail("holds no key".to_owned()))?;
            line.parse::<Identity>()
                .map_err(|_| fail("is not an age X25519 identity (AGE-SECRET-KEY-1…)".to_owned()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
            }
            let identity = Identity::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(|e| fail(e.to_string()))?;
            let text = format!(
                "# Plenum's backup key: it decrypts every backup. Keep it apart from the database.\n# public key: {}\n{}\n",
                identity.to_public(),
                identity.to_string().expose_secret()
            );
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| fail(e.to_string()))?;
            Ok(identity)
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/backup.key");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.to_public().to_string(), again.to_public().to_string());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key\n").unwrap();
        let err = load_or_create(&path).err().unwrap().to_string();
        assert!(err.contains("not an age X25519 identity"), "{err}");
        assert!(!err.contains("AGE-SECRET-KEY-1Q"), "{err}");
    }
}

//! The vault: encrypting puts and decrypting gets on an object store.

use std::pin::Pin;
use std::sync::Arc;

use age::x25519::{Identity, Recipient};
use bytes::Bytes;
use futures::io::AsyncWriteExt;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use tokio_util::compat::{
    FuturesAsyncReadCompatExt, TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt,
};
use tokio_util::io::{ReaderStream, StreamReader};

use crate::{StorageSettings, VaultError, VaultSettings, key};

/// A stream of bytes, as HTTP bodies carry them.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// Encrypted objects in a storage, under one key.
pub struct Vault {
    store: Arc<dyn ObjectStore>,
    identity: Identity,
    recipient: Recipient,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("store", &self.store.to_string())
            .field("recipient", &self.recipient.to_string())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Opens the storage and reads (or creates) the key.
    pub fn open(settings: &VaultSettings) -> Result<Self, VaultError> {
        settings.validate()?;
        let store: Arc<dyn ObjectStore> = match &settings.storage {
            StorageSettings::Directory { path } => {
                std::fs::create_dir_all(path).map_err(|e| VaultError::Settings {
                    setting: "storage.path",
                    message: format!("cannot create {}: {e}", path.display()),
                })?;
                Arc::new(LocalFileSystem::new_with_prefix(path)?)
            }
            StorageSettings::S3 {
                endpoint,
                bucket,
                region,
                access_key_id,
                secret_access_key_file,
            } => {
                let secret = std::fs::read_to_string(secret_access_key_file).map_err(|e| {
                    VaultError::Settings {
                        setting: "storage.secret_access_key_file",
                        message: format!("cannot read {}: {e}", secret_access_key_file.display()),
                    }
                })?;
                Arc::new(
                    AmazonS3Builder::new()
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false)
                        .with_bucket_name(bucket)
                        .with_region(region)
                        .with_access_key_id(access_key_id)
                        .with_secret_access_key(secret.trim())
                        .build()?,
                )
            }
        };
        let identity = key::load_or_create(&settings.key_file)?;
        let recipient = identity.to_public();
        Ok(Self {
            store,
            identity,
            recipient,
        })
    }

    /// The public key objects are encrypted to.
    pub fn recipient(&self) -> String {
        self.recipient.to_string()
    }

    /// Encrypts `body` as it arrives into the object `key`; the object exists only once the
    /// whole stream was read and the encryption finished. The plaintext's length.
    pub async fn put<S>(&self, key: &str, mut body: S) -> Result<u64, VaultError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
    {
        let writer = BufWriter::new(self.store.clone(), Path::from(key)).compat_write();
        let encryptor = age::Encryptor::with_recipients(std::iter::once(
            &self.recipient as &dyn age::Recipient,
        ))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut sealed = encryptor.wrap_async_output(writer).await?;
        let mut length = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            length += chunk.len() as u64;
            sealed.write_all(&chunk).await?;
        }
        // Closing writes age's last chunk and completes the upload.
        sealed.close().await?;
        Ok(length)
    }

    /// Encrypts `bytes` into the object `key`.
    pub async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> Result<u64, VaultError> {
        self.put(key, futures::stream::iter([Ok(Bytes::from(bytes))]))
            .await
    }

    /// The decrypted content of the object `key`, as a stream. A stream whose object was
    /// cut short or altered ends with an error rather than quietly.
    pub async fn get(&self, key: &str) -> Result<ByteStream, VaultError> {
        let object = self
            .store
            .get(&Path::from(key))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => VaultError::Missing(key.to_owned()),
                e => VaultError::Storage(e),
            })?;
        let raw = StreamReader::new(object.into_stream().map_err(std::io::Error::other));
        let undecryptable = |message: String| VaultError::Decrypt {
            key: key.to_owned(),
            message,
        };
        let decryptor = age::Decryptor::new_async(raw.compat())
            .await
            .map_err(|e| undecryptable(e.to_string()))?;
        let plain = decryptor
            .decrypt_async(std::iter::once(&self.identity as &dyn age::Identity))
            .map_err(|e| undecryptable(e.to_string()))?;
        Ok(Box::pin(ReaderStream::new(plain.compat())))
    }

    /// The whole decrypted content of the object `key`.
    pub async fn get_bytes(&self, key: &str) -> Result<Vec<u8>, VaultError> {
        let mut stream = self.get(key).await?;
        let mut all = Vec::new();
        while let Some(chunk) = stream.next().await {
            all.extend_from_slice(&chunk?);
        }
        Ok(all)
    }

    /// The stored (encrypted) size of the object `key`.
    pub async fn stored_size(&self, key: &str) -> Result<u64, VaultError> {
        match self.store.head(&Path::from(key)).await {
            Ok(meta) => Ok(meta.size),
            Err(object_store::Error::NotFound { .. }) => Err(VaultError::Missing(key.to_owned())),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes the object `key` (an absent object is no error).
    pub async fn delete(&self, key: &str) -> Result<(), VaultError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vault(dir: &std::path::Path) -> Vault {
        Vault::open(&VaultSettings {
            key_file: dir.join("key"),
            storage: StorageSettings::Directory {
                path: dir.join("objects"),
            },
        })
        .unwrap()
    }

    #[tokio::test]
    async fn what_is_put_comes_back_and_is_stored_encrypted() {
        let dir = tempfile::tempdir().unwrap();
        let vault = vault(dir.path());
        let text = "CREATE TABLE visits (n integer);\n".repeat(10_000);
        let chunks: Vec<Result<Bytes, std::io::Error>> = text
            .as_bytes()
            .chunks(7_000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let length = vault
            .put("a/1.age", futures::stream::iter(chunks))
            .await
            .unwrap();
        assert_eq!(length, text.len() as u64);
        let raw = std::fs::read(dir.path().join("objects/a/1.age")).unwrap();
        assert!(raw.starts_with(b"age-encryption.org/v1\n"));
        assert!(!raw.windows(12).any(|w| w == b"CREATE TABLE"));
        assert_eq!(
            vault.stored_size("a/1.age").await.unwrap(),
            raw.len() as u64
        );
        assert_eq!(vault.get_bytes("a/1.age").await.unwrap(), text.as_bytes());
    }

    #[tokio::test]
    async fn a_cut_or_foreign_object_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let vault = vault(dir.path());
        let text = vec![b'x'; 200_000];
        vault.put_bytes("b", text).await.unwrap();
        let path = dir.path().join("objects/b");
        let raw = std::fs::read(&path).unwrap();
        std::fs::write(&path, &raw[..raw.len() - 1000]).unwrap();
        let read = vault.get_bytes("b").await;
        assert!(
            read.is_err(),
            "a truncated object must not read as complete"
        );

        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(other.path().join("objects")).unwrap();
        std::fs::write(other.path().join("objects/b"), &raw).unwrap();
        let err = crate::Vault::open(&VaultSettings {
            key_file: other.path().join("key"),
            storage: StorageSettings::Directory {
                path: other.path().join("objects"),
            },
        })
        .unwrap()
        .get("b")
        .await
        .err()
        .unwrap();
        assert!(matches!(err, VaultError::Decrypt { .. }), "{err}");
        assert!(matches!(
            vault.get("none").await.err().unwrap(),
            VaultError::Missing(_)
        ));
    }
}

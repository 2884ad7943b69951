//! Registering relying parties: generated ids and secrets, checked URIs.

use domain::identity::redirect::check_redirect_uri;
use domain::validation::Invalid;
use store::{ClientRecord, Db, NewClient, SecretKey, SecretValue};

use crate::secrets::random_token;

/// A client to register, as typed by staff or derived from a template.
#[derive(Debug, Clone)]
pub struct ClientRequest {
    /// A name people recognise (shown on the "no access" page).
    pub name: String,
    /// The instance whose client it is, if any.
    pub instance_id: Option<i64>,
    /// Whether it keeps a secret (a server) or not (a browser or native app: PKCE only).
    pub confidential: bool,
    /// Exact redirect URIs (at least one).
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
}

/// Why registering failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The request breaks a rule (named field).
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The database failed (or refused, e.g. an instance with a client already).
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Checks the request: a name of 1–100 characters, 1–10 redirect URIs, 0–10 post-logout
/// URIs, each an https URL (http only on loopback) without fragment.
pub fn check(request: &ClientRequest) -> Result<(), Invalid> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Invalid::new(
            "name",
            "Enter a name of at most 100 characters.",
        ));
    }
    if request.redirect_uris.is_empty() || request.redirect_uris.len() > 10 {
        return Err(Invalid::new(
            "redirect_uris",
            "Give one to ten redirect URIs.",
        ));
    }
    if request.post_logout_redirect_uris.len() > 10 {
        return Err(Invalid::new(
            "post_logout_redirect_uris",
            "Give at most ten post-logout redirect URIs.",
        ));
    }
    for uri in &request.redirect_uris {
        check_redirect_uri("redirect_uris", uri)?;
    }
    for uri in &request.post_logout_redirect_uris {
        check_redirect_uri("post_logout_redirect_uris", uri)?;
    }
    Ok(())
}

/// Registers a client with a random id (and secret, for a confidential one). The secret is
/// returned once, to be shown to staff or handed to the instance; it is stored encrypted.
pub async fn register(
    db: &Db,
    key: &SecretKey,
    request: ClientRequest,
) -> Result<(ClientRecord, Option<SecretValue>), RegisterError> {
    check(&request)?;
    let secret = request
        .confidential
        .then(|| SecretValue::new(random_token()));
    let record = db
        .register_client(
            NewClient {
                client_id: format!("plenum-{}", &random_token()[..22]),
                name: request.name.trim().to_owned(),
                instance_id: request.instance_id,
                secret: secret.clone(),
                redirect_uris: request
                    .redirect_uris
                    .iter()
                    .map(|u| u.trim().to_owned())
                    .collect(),
                post_logout_redirect_uris: request
                    .post_logout_redirect_uris
                    .iter()
                    .map(|u| u.trim().to_owned())
                    .collect(),
            },
            key,
        )
        .await?;
    Ok((record, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ClientRequest {
        ClientRequest {
            name: "Minutes app".into(),
            instance_id: None,
            confidential: true,
            redirect_uris: vec!["https://minutes.example.org/cb".into()],
            post_logout_redirect_uris: vec![],
        }
    }

    #[test]
    fn requests_are_checked_by_field() {
        assert!(check(&request()).is_ok());
        let mut r = request();
        r.name = " ".into();
        assert_eq!(check(&r).unwrap_err().field, "name");
        let mut r = request();
        r.redirect_uris.clear();
        assert_eq!(check(&r).unwrap_err().field, "redirect_uris");
        let mut r = request();
        r.redirect_uris = vec!["http://minutes.example.org/cb".into()];
        assert_eq!(check(&r).unwrap_err().field, "redirect_uris");
        let mut r = request();
        r.post_logout_redirect_uris = vec!["https://x.example.org/#a".into()];
        assert_eq!(check(&r).unwrap_err().field, "post_logout_redirect_uris");
    }
}

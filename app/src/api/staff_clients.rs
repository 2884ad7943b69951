//! Staff's list of the relying parties registered with Plenum's OpenID Connect provider:
//! instances' own clients (kept by the engine) and external apps registered by hand.

use crate::dto::{ClientView, RegisteredClient};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{
    context::{internal, store_error},
    require_staff, respond, state,
};

#[cfg(feature = "ssr")]
fn view(client: store::ClientRecord) -> ClientView {
    ClientView {
        client_id: client.client_id,
        name: client.name,
        instance_id: client.instance_id,
        confidential: client.confidential,
        redirect_uris: client.redirect_uris,
        post_logout_redirect_uris: client.post_logout_redirect_uris,
    }
}

/// Every registered client (staff only).
#[server(name = StaffClients, prefix = "/api", endpoint = "staff/clients/list")]
pub async fn staff_clients() -> Result<Vec<ClientView>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let clients = state.db.clients().await.map_err(store_error)?;
            Ok(clients.into_iter().map(view).collect())
        }
        .await,
    )
}

/// Registers an external app by hand: one URI per line; the secret is shown once.
#[server(name = StaffRegisterClient, prefix = "/api", endpoint = "staff/clients/register")]
pub async fn staff_register_client(
    name: String,
    redirect_uris: String,
    #[server(default)] post_logout_redirect_uris: String,
    #[server(default)] public: bool,
) -> Result<RegisteredClient, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let lines = |text: &str| -> Vec<String> {
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let (client, secret) = state
                .identity
                .register_client(identity::clients::ClientRequest {
                    name,
                    instance_id: None,
                    confidential: !public,
                    redirect_uris: lines(&redirect_uris),
                    post_logout_redirect_uris: lines(&post_logout_redirect_uris),
                })
                .await
                .map_err(|e| match e {
                    identity::clients::RegisterError::Invalid(invalid) => invalid.into(),
                    identity::clients::RegisterError::Store(e) => store_error(e),
                })?;
            Ok(RegisteredClient {
                client: view(client),
                secret: secret.and_then(|s| s.expose_str().map(str::to_owned)),
                issuer: state.identity.issuer().to_owned(),
            })
        }
        .await,
    )
}

/// Removes an external client with its tokens (instances' clients follow their instance).
#[server(name = StaffRemoveClient, prefix = "/api", endpoint = "staff/clients/remove")]
pub async fn staff_remove_client(client_id: String) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let client = state.db.client(&client_id).await.map_err(store_error)?;
            if client.instance_id.is_some() {
                return Err(AppError::Invalid {
                    field: "client_id".into(),
                    message: "An instance's own client is removed with the instance.".into(),
                });
            }
            state.db.remove_client(&client_id).await.map_err(internal)
        }
        .await,
    )
}

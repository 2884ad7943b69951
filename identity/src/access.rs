//! Who may sign in to which client: for an instance's own client, the person's role at that
//! instance (`domain::identity::role_at_instance`, from fresh data); for an external client,
//! every account.

use chrono::NaiveDate;
use domain::access::Actor;
use domain::identity::{InstanceRole, role_at_instance};
use domain::instance::Lifecycle;
use store::{ClientRecord, Db, StoreError, UserRecord};

use crate::IdentityError;
use crate::claims::Person;

/// What a person may do at a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// They may sign in, with this role at the client's instance (None for external clients).
    Admitted(Option<InstanceRole>),
    /// They may not (no grant, grant not valid today, instance removed).
    Refused,
}

/// Decides whether `user` may sign in to `client` on `today`.
pub async fn admission(
    db: &Db,
    client: &ClientRecord,
    user: &UserRecord,
    today: NaiveDate,
) -> Result<Admission, IdentityError> {
    let Some(instance_id) = client.instance_id else {
        return Ok(Admission::Admitted(None));
    };
    let instance = match db.instance(instance_id).await {
        Ok(instance) => instance,
        Err(StoreError::NotFound) => return Ok(Admission::Refused),
        Err(e) => return Err(e.into()),
    };
    if matches!(instance.lifecycle, Lifecycle::Removed | Lifecycle::Erased) {
        return Ok(Admission::Refused);
    }
    let actor = Actor {
        user_id: user.id,
        is_staff: user.is_staff,
    };
    let org_role = db.membership(instance.organisation_id, user.id).await?;
    let grant = db
        .access_of(instance.id, &user.email)
        .await?
        .map(|g| (g.role, g.window));
    Ok(match role_at_instance(actor, org_role, grant, today) {
        Some(role) => Admission::Admitted(Some(role)),
        None => Admission::Refused,
    })
}

/// The person as the client sees them: names from the account, else from their grant.
pub async fn person(
    db: &Db,
    client: &ClientRecord,
    user: &UserRecord,
    role: Option<InstanceRole>,
) -> Result<Person, IdentityError> {
    let grant = match client.instance_id {
        Some(instance_id) => db.access_of(instance_id, &user.email).await?,
        None => None,
    };
    let pick = |own: &Option<String>, granted: Option<&String>| {
        own.clone()
            .filter(|n| !n.is_empty())
            .or_else(|| granted.cloned())
            .unwrap_or_default()
    };
    Ok(Person {
        sub: user.id.to_string(),
        email: user.email.clone(),
        email_verified: user.email_verified,
        given_name: pick(&user.given_name, grant.as_ref().map(|g| &g.given_name)),
        family_name: pick(&user.family_name, grant.as_ref().map(|g| &g.family_name)),
        role,
    })
}

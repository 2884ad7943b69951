//! Access to instances for the web layer: listing, granting (one or a CSV import), revoking,
//! and the portal of instances a person may enter across organisations.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use domain::identity::InstanceRole;
use domain::identity::grant::{GrantRequest, GrantWindow, parse_import};
use domain::instance::Lifecycle;
use domain::organisation::OrgRole;
use store::{AccessRecord, InstanceRecord, StoreError, UserRecord};

use super::AppState;
use super::context::{internal, store_error};
use crate::dto::{AccessView, ImportReport, ImportRowView, PortalEntry};
use crate::error::AppError;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// How long an invitation link can be used.
const INVITATION_DAYS: i64 = 14;

/// An invitation link for `email` when it has no account yet (None when it has one).
async fn invite(
    state: &AppState,
    email: &domain::account::Email,
) -> Result<Option<String>, AppError> {
    match state.db.find_user_by_email(email).await {
        Ok(_) => return Ok(None),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(internal(e)),
    }
    let token = identity::secrets::random_token();
    state
        .db
        .create_invitation(
            email,
            &identity::secrets::token_hash(&token),
            Utc::now() + chrono::Duration::days(INVITATION_DAYS),
        )
        .await
        .map_err(internal)?;
    Ok(Some(format!("{}/invite/{token}", state.identity.issuer())))
}

fn view(record: &AccessRecord) -> AccessView {
    AccessView {
        invite_link: None,
        id: record.id,
        email: record.email.clone(),
        given_name: record.given_name.clone(),
        family_name: record.family_name.clone(),
        role: record.role.as_str().to_owned(),
        valid_from: record.window.from().to_string(),
        valid_until: record.window.until().to_string(),
        active_today: record.window.admits(today()),
    }
}

/// The grants at an instance.
pub async fn list(
    state: &AppState,
    instance: &InstanceRecord,
) -> Result<Vec<AccessView>, AppError> {
    let list = state
        .db
        .access_list(instance.id)
        .await
        .map_err(store_error)?;
    Ok(list.iter().map(view).collect())
}

/// The validity typed into the form, or the default (today to the end of the rental).
async fn window(
    state: &AppState,
    instance: &InstanceRecord,
    valid_from: &str,
    valid_until: &str,
) -> Result<GrantWindow, AppError> {
    let rental_end = state
        .db
        .order_of_instance(instance.id)
        .await
        .map_err(store_error)?
        .map(|order| order.booking.end);
    let default = GrantWindow::default_from(today(), rental_end);
    let day = |field: &str, raw: &str, fallback: NaiveDate| {
        if raw.trim().is_empty() {
            Ok(fallback)
        } else {
            domain::booking::parse_date(field, raw)
        }
    };
    let from = day("valid_from", valid_from, default.from())?;
    let until = day("valid_until", valid_until, default.until())?;
    Ok(GrantWindow::new(from, until)?)
}

/// Grants one person access (replacing an earlier grant of the same address).
pub async fn grant(
    state: &AppState,
    granted_by: i64,
    instance: &InstanceRecord,
    form: [&str; 6],
) -> Result<AccessView, AppError> {
    let [
        email,
        given_name,
        family_name,
        role,
        valid_from,
        valid_until,
    ] = form;
    let request = GrantRequest::parse(email, given_name, family_name, role)
        .map_err(|mut errors| AppError::from(errors.remove(0)))?;
    let window = window(state, instance, valid_from, valid_until).await?;
    state
        .db
        .grant_access(
            instance.id,
            std::slice::from_ref(&request),
            window,
            granted_by,
        )
        .await
        .map_err(store_error)?;
    let record = state
        .db
        .access_of(instance.id, request.email.as_str())
        .await
        .map_err(store_error)?
        .ok_or(AppError::Internal)?;
    Ok(AccessView {
        invite_link: invite(state, &request.email).await?,
        ..view(&record)
    })
}

/// Imports a CSV of grants. Every row is checked first; nothing is granted while a row is
/// invalid, unless the owner `confirm`s that the valid rows should be granted anyway.
pub async fn import(
    state: &AppState,
    granted_by: i64,
    instance: &InstanceRecord,
    csv: &str,
    confirm: bool,
) -> Result<ImportReport, AppError> {
    let rows = parse_import(csv)?;
    let window = window(state, instance, "", "").await?;
    let valid: Vec<GrantRequest> = rows
        .iter()
        .filter_map(|row| row.outcome.as_ref().ok().cloned())
        .collect();
    let invalid = rows.len() - valid.len();
    let applied = !valid.is_empty() && (invalid == 0 || confirm);
    let mut links = std::collections::BTreeMap::new();
    if applied {
        state
            .db
            .grant_access(instance.id, &valid, window, granted_by)
            .await
            .map_err(store_error)?;
        for grant in &valid {
            if let Some(link) = invite(state, &grant.email).await? {
                links.insert(grant.email.as_str().to_owned(), link);
            }
        }
    }
    let csv_email = |line: u64| {
        csv.lines()
            .nth(
                usize::try_from(line)
                    .unwrap_or(usize::MAX)
                    .saturating_sub(1),
            )
            .and_then(|l| l.split([',', ';']).next())
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    Ok(ImportReport {
        rows: rows
            .iter()
            .map(|row| match &row.outcome {
                Ok(grant) => ImportRowView {
                    line: row.line,
                    email: grant.email.as_str().to_owned(),
                    problems: Vec::new(),
                    invite_link: links.get(grant.email.as_str()).cloned(),
                },
                Err(problems) => ImportRowView {
                    line: row.line,
                    email: csv_email(row.line),
                    problems: problems
                        .iter()
                        .map(|p| format!("{}: {}", p.field, p.message))
                        .collect(),
                    invite_link: None,
                },
            })
            .collect(),
        valid: valid.len(),
        invalid,
        applied,
    })
}

/// Revokes grant `access_id` and every token its holder has at the instance's client, so
/// they are signed out of it at once.
pub async fn revoke(
    state: &AppState,
    instance: &InstanceRecord,
    access_id: i64,
) -> Result<(), AppError> {
    let revoked = state
        .db
        .revoke_access(instance.id, access_id)
        .await
        .map_err(store_error)?;
    let holder = state
        .db
        .find_user_by_email(&domain::account::Email::parse(&revoked.email)?)
        .await;
    let client = state.db.client_of_instance(instance.id).await;
    if let (Ok(holder), Ok(client)) = (holder, client) {
        state
            .db
            .revoke_tokens_of(holder.id, &client.client_id, Utc::now())
            .await
            .map_err(internal)?;
    }
    Ok(())
}

fn is_gone(instance: &InstanceRecord) -> bool {
    matches!(instance.lifecycle, Lifecycle::Removed | Lifecycle::Erased)
}

/// The instances `user` may enter, across organisations: their organisations' instances by
/// their role there, and those granted to their address (valid today or later).
pub async fn portal(state: &AppState, user: &UserRecord) -> Result<Vec<PortalEntry>, AppError> {
    let db = &state.db;
    let mut entries: BTreeMap<i64, PortalEntry> = BTreeMap::new();
    let entry = |instance: &InstanceRecord,
                 organisation: &str,
                 role: InstanceRole,
                 through: &str,
                 until: Option<NaiveDate>| PortalEntry {
        instance_id: instance.id,
        name: instance.name.clone(),
        organisation: organisation.to_owned(),
        url: super::instances::view(state, instance).url,
        role: role.as_str().to_owned(),
        through: through.to_owned(),
        valid_until: until.map(|d| d.to_string()),
        event_days: Vec::new(),
    };
    for summary in db.orgs_of_user(user.id).await.map_err(store_error)? {
        let role = match summary.role {
            Some(OrgRole::Owner) => InstanceRole::Admin,
            _ => InstanceRole::Participant,
        };
        for instance in db
            .instances_of_org(summary.org.id)
            .await
            .map_err(store_error)?
        {
            if !is_gone(&instance) {
                entries.insert(
                    instance.id,
                    entry(&instance, &summary.org.name, role, "organisation", None),
                );
            }
        }
    }
    for grant in db
        .access_of_person(&user.email)
        .await
        .map_err(store_error)?
    {
        if grant.window.until() < today() {
            continue;
        }
        let instance = match db.instance(grant.instance_id).await {
            Ok(instance) if !is_gone(&instance) => instance,
            Ok(_) | Err(StoreError::NotFound) => continue,
            Err(e) => return Err(internal(e)),
        };
        let better = entries.get(&instance.id).is_none_or(|e| {
            e.role == InstanceRole::Participant.as_str() && grant.role == InstanceRole::Admin
        });
        if better {
            let org = db
                .find_org(instance.organisation_id)
                .await
                .map_err(store_error)?;
            entries.insert(
                instance.id,
                entry(
                    &instance,
                    &org.name,
                    grant.role,
                    "granted",
                    Some(grant.window.until()),
                ),
            );
        }
    }
    for entry in entries.values_mut() {
        if let Some(order) = db
            .order_of_instance(entry.instance_id)
            .await
            .map_err(store_error)?
        {
            entry.event_days = order
                .booking
                .event_days
                .iter()
                .map(|d| d.date.to_string())
                .collect();
        }
    }
    let mut list: Vec<PortalEntry> = entries.into_values().collect();
    list.sort_by(|a, b| {
        a.event_days
            .first()
            .cmp(&b.event_days.first())
            .then(a.name.cmp(&b.name))
    });
    Ok(list)
}

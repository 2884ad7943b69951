//! Access to instances for the web layer: listing, granting (one or a CSV import) with a
//! notice to each person (an invitation when they have no account; by mail when SMTP is
//! configured), revoking, and the portal of instances a person may enter across
//! organisations.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use domain::identity::InstanceRole;
use domain::identity::grant::{GrantRequest, GrantWindow, parse_import};
use domain::instance::Lifecycle;
use domain::organisation::OrgRole;
use futures::StreamExt;
use store::{AccessRecord, InstanceRecord, StoreError, UserRecord};

use super::AppState;
use super::context::{internal, store_error};
use crate::dto::{AccessView, GrantNotice, ImportReport, ImportRowView, PortalEntry};
use crate::error::AppError;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// How long an invitation link can be used.
const INVITATION_DAYS: i64 = 14;

/// How many notices an import sends at once.
const MAIL_CONCURRENCY: usize = 8;

/// The mail telling `grant`'s person they may enter `instance` of `organisation`: with the
/// invitation link when they have no account yet, else with where to sign in.
fn notice_mail(
    grant: &GrantRequest,
    window: GrantWindow,
    instance: &str,
    organisation: &str,
    portal: &str,
    invite_link: Option<&str>,
) -> (String, String) {
    let subject = format!("Access to {instance} ({organisation})");
    let greeting = match grant.given_name.trim() {
        "" => "Hello,".to_owned(),
        name => format!("Hello {name},"),
    };
    let next = match invite_link {
        Some(link) => format!(
            "You have no Plenum account yet. Set your password with this link \
             (it works once, for {INVITATION_DAYS} days):\n\n{link}\n"
        ),
        None => format!("Sign in with your Plenum account to enter it:\n\n{portal}\n"),
    };
    let body = format!(
        "{greeting}\n\n{organisation} gave you access to \"{instance}\" as {role}, \
         from {from} to {until}.\n\n{next}\nIf you did not expect this, ignore this mail.\n",
        role = grant.role.as_str(),
        from = window.from(),
        until = window.until(),
    );
    (subject, body)
}

/// Tells the person of `grant` that they may enter `instance`: makes an invitation when the
/// address has no account, and mails them when mail is on (else the link is for the inviter).
async fn notify(
    state: &AppState,
    instance: &InstanceRecord,
    organisation: &str,
    grant: &GrantRequest,
    window: GrantWindow,
) -> Result<GrantNotice, AppError> {
    let invite_link = match state.db.find_user_by_email(&grant.email).await {
        Ok(_) => None,
        Err(StoreError::NotFound) => {
            let token = identity::secrets::random_token();
            state
                .db
                .create_invitation(
                    &grant.email,
                    &identity::secrets::token_hash(&token),
                    Utc::now() + chrono::Duration::days(INVITATION_DAYS),
                )
                .await
                .map_err(internal)?;
            Some(format!("{}/invite/{token}", state.identity.issuer()))
        }
        Err(e) => return Err(internal(e)),
    };
    let invited = invite_link.is_some();
    let (subject, body) = notice_mail(
        grant,
        window,
        &instance.name,
        organisation,
        &format!("{}/portal", state.identity.issuer()),
        invite_link.as_deref(),
    );
    match state
        .mailer
        .send(grant.email.as_str(), &subject, body)
        .await
    {
        Ok(mailed) => Ok(GrantNotice {
            invited,
            mailed,
            mail_error: None,
            invite_link: invite_link.filter(|_| !mailed),
        }),
        Err(error) => {
            tracing::warn!(instance = instance.id, %error, "access notice not mailed");
            Ok(GrantNotice {
                invited,
                mailed: false,
                mail_error: Some(error.to_string()),
                invite_link,
            })
        }
    }
}

async fn organisation_name(
    state: &AppState,
    instance: &InstanceRecord,
) -> Result<String, AppError> {
    Ok(state
        .db
        .find_org(instance.organisation_id)
        .await
        .map_err(store_error)?
        .name)
}

fn view(record: &AccessRecord) -> AccessView {
    AccessView {
        notice: None,
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
    let organisation = organisation_name(state, instance).await?;
    Ok(AccessView {
        notice: Some(notify(state, instance, &organisation, &request, window).await?),
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
    let mut notices = BTreeMap::new();
    if applied {
        state
            .db
            .grant_access(instance.id, &valid, window, granted_by)
            .await
            .map_err(store_error)?;
        let organisation = organisation_name(state, instance).await?;
        let organisation = organisation.as_str();
        let sent: Vec<Result<GrantNotice, AppError>> = futures::stream::iter(valid.clone())
            .map(|grant| async move { notify(state, instance, organisation, &grant, window).await })
            .buffered(MAIL_CONCURRENCY)
            .collect()
            .await;
        for (grant, notice) in valid.iter().zip(sent) {
            notices.insert(grant.email.as_str().to_owned(), notice?);
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
                    notice: notices.remove(grant.email.as_str()),
                },
                Err(problems) => ImportRowView {
                    line: row.line,
                    email: csv_email(row.line),
                    problems: problems
                        .iter()
                        .map(|p| format!("{}: {}", p.field, p.message))
                        .collect(),
                    notice: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_carries_the_link_or_where_to_sign_in() {
        let grant = GrantRequest::parse("ann@example.org", "Ann", "Lee", "admin").unwrap();
        let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let window = GrantWindow::new(day("2027-03-01"), day("2027-03-31")).unwrap();
        let link = "https://plenum.example/invite/abc";
        let (subject, body) = notice_mail(
            &grant,
            window,
            "Congress",
            "Union",
            "https://plenum.example/portal",
            Some(link),
        );
        assert_eq!(subject, "Access to Congress (Union)");
        assert!(body.starts_with("Hello Ann,\n\nUnion gave you access to \"Congress\" as admin, from 2027-03-01 to 2027-03-31."), "{body}");
        assert!(body.contains(&format!("\n\n{link}\n")), "{body}");
        assert!(!body.contains("/portal"), "{body}");
        let (_, body) = notice_mail(
            &grant,
            window,
            "Congress",
            "Union",
            "https://plenum.example/portal",
            None,
        );
        assert!(
            body.contains("\n\nhttps://plenum.example/portal\n"),
            "{body}"
        );
        assert!(!body.contains("/invite/"), "{body}");
    }
}

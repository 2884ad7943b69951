//! Account services: sign-up, login, password change and staff creation.

use super::context::{internal, store_error};
use super::passwords;
use crate::error::AppError;
use domain::account::{Email, PASSWORD_MAX_LEN, check_new_password};
use domain::organisation::default_org_name;
use store::{Db, NewUser, StoreError, UserRecord};

/// Creates a customer account and the organisation it owns.
pub async fn sign_up(db: &Db, email: &str, password: &str) -> Result<UserRecord, AppError> {
    let email = Email::parse(email)?;
    check_new_password("password", password)?;
    let password_hash = passwords::hash(password.to_owned())
        .await
        .map_err(internal)?;
    let org_name = default_org_name(&email);
    let (user, _org) = db
        .create_customer(
            NewUser {
                email,
                password_hash,
                is_staff: false,
            },
            &org_name,
        )
        .await
        .map_err(store_error)?;
    tracing::info!(user_id = user.id, "customer signed up");
    Ok(user)
}

/// Checks an email and password; the same error for an unknown email and a wrong password.
pub async fn check_login(db: &Db, email: &str, password: &str) -> Result<UserRecord, AppError> {
    let email = Email::parse(email)?;
    if password.chars().count() > PASSWORD_MAX_LEN {
        return Err(AppError::BadCredentials);
    }
    match db.credentials(&email).await {
        Ok((user, phc)) => {
            if passwords::verify(password.to_owned(), phc).await {
                Ok(user)
            } else {
                Err(AppError::BadCredentials)
            }
        }
        Err(StoreError::NotFound) => {
            passwords::verify_against_nothing(password.to_owned()).await;
            Err(AppError::BadCredentials)
        }
        Err(e) => Err(store_error(e)),
    }
}

/// Replaces a user's password after checking the current one.
pub async fn change_password(
    db: &Db,
    user_id: i64,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let phc = db.password_hash(user_id).await.map_err(store_error)?;
    if current.chars().count() > PASSWORD_MAX_LEN
        || !passwords::verify(current.to_owned(), phc).await
    {
        return Err(AppError::invalid(
            "current_password",
            "The current password is wrong.",
        ));
    }
    check_new_password("new_password", new)?;
    let hash = passwords::hash(new.to_owned()).await.map_err(internal)?;
    db.set_password_hash(user_id, hash)
        .await
        .map_err(store_error)?;
    tracing::info!(user_id, "password changed");
    Ok(())
}

/// Creates a staff account (command line: `plenum admin create`).
pub async fn create_staff(db: &Db, email: &str, password: &str) -> Result<UserRecord, AppError> {
    let email = Email::parse(email)?;
    check_new_password("password", password)?;
    let password_hash = passwords::hash(password.to_owned())
        .await
        .map_err(internal)?;
    let user = db
        .create_user(NewUser {
            email,
            password_hash,
            is_staff: true,
        })
        .await
        .map_err(store_error)?;
    tracing::info!(user_id = user.id, "staff account created");
    Ok(user)
}

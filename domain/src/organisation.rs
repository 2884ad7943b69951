//! Organisations and their members: names, roles and the last-owner rule.

use crate::validation::{Invalid, check_max_len};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest accepted organisation name.
pub const ORG_NAME_MAX_LEN: usize = 100;

/// A member's role inside one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrgRole {
    /// Manages members and everything the organisation rents.
    Owner,
    /// Uses what the organisation rents.
    Member,
}

impl OrgRole {
    /// The role's stored and transmitted name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Owner => "owner",
            OrgRole::Member => "member",
        }
    }
}

impl fmt::Display for OrgRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrgRole {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(OrgRole::Owner),
            "member" => Ok(OrgRole::Member),
            _ => Err(Invalid::new(
                "role",
                "Role must be \"owner\" or \"member\".",
            )),
        }
    }
}

/// Checks and trims an organisation name.
pub fn parse_org_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Invalid::new("name", "Enter a name for the organisation."));
    }
    check_max_len("name", name, ORG_NAME_MAX_LEN)?;
    if name.chars().any(char::is_control) {
        return Err(Invalid::new(
            "name",
            "The name must not contain control characters.",
        ));
    }
    Ok(name.to_string())
}

/// The name a new customer's organisation gets at sign-up, derived from their email address.
pub fn default_org_name(email: &crate::account::Email) -> String {
    let local = email.as_str().split('@').next().unwrap_or("my");
    format!("{local}'s organisation")
}

/// A change to one membership, checked against the last-owner rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipChange {
    /// Give the member another role.
    SetRole(OrgRole),
    /// Take the member out of the organisation.
    Remove,
}

/// Refuses a change that would leave the organisation without an owner.
///
/// `current` is the member's role now; `owners` how many owners the organisation has now.
pub fn check_keeps_an_owner(
    current: OrgRole,
    change: MembershipChange,
    owners: usize,
) -> Result<(), Invalid> {
    let loses_owner = current == OrgRole::Owner
        && matches!(
            change,
            MembershipChange::Remove | MembershipChange::SetRole(OrgRole::Member)
        );
    if loses_owner && owners <= 1 {
        return Err(Invalid::new(
            "role",
            "An organisation needs at least one owner: make someone else owner first.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_owner_cannot_be_removed_or_demoted() {
        assert!(check_keeps_an_owner(OrgRole::Owner, MembershipChange::Remove, 1).is_err());
        assert!(
            check_keeps_an_owner(
                OrgRole::Owner,
                MembershipChange::SetRole(OrgRole::Member),
                1
            )
            .is_err()
        );
    }

    #[test]
    fn an_owner_can_go_when_another_remains() {
        assert!(check_keeps_an_owner(OrgRole::Owner, MembershipChange::Remove, 2).is_ok());
        assert!(check_keeps_an_owner(OrgRole::Member, MembershipChange::Remove, 1).is_ok());
        assert!(
            check_keeps_an_owner(OrgRole::Owner, MembershipChange::SetRole(OrgRole::Owner), 1)
                .is_ok()
        );
    }

    #[test]
    fn org_names_are_checked() {
        assert_eq!(parse_org_name("  Union  ").unwrap(), "Union");
        assert!(parse_org_name(" ").is_err());
        assert!(parse_org_name(&"x".repeat(101)).is_err());
        assert!(parse_org_name("a\u{7}b").is_err());
    }

    #[test]
    fn roles_round_trip_and_unknown_roles_are_refused() {
        for role in [OrgRole::Owner, OrgRole::Member] {
            assert_eq!(role.as_str().parse::<OrgRole>().unwrap(), role);
        }
        assert!("admin".parse::<OrgRole>().is_err());
    }
}

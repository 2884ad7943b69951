//! A person's role at one instance, and how it follows from their organisation role, their
//! staff flag and the access granted to them.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::identity::grant::GrantWindow;
use crate::organisation::OrgRole;
use crate::validation::Invalid;

/// What a person is at an instance; passed to the instance in the `role` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InstanceRole {
    /// Takes part: reads, speaks, votes.
    Participant,
    /// Runs the instance: manages its meetings and users.
    Admin,
}

impl InstanceRole {
    /// The stored and transmitted name (`admin`, `participant`).
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceRole::Admin => "admin",
            InstanceRole::Participant => "participant",
        }
    }
}

impl fmt::Display for InstanceRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InstanceRole {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" | "instance admin" | "instance_admin" => Ok(InstanceRole::Admin),
            "participant" => Ok(InstanceRole::Participant),
            _ => Err(Invalid::new(
                "role",
                "Role must be \"admin\" or \"participant\".",
            )),
        }
    }
}

/// The role `actor` has at an instance of an organisation in which they hold `org_role`
/// (None: not a member), given the access `grant`ed to them at that instance (None: none);
/// `None` when they may not enter it `today`.
///
/// Staff and the organisation's owners are admins, its members participants; a grant counts
/// only within its validity, and the higher of the two roles wins.
pub fn role_at_instance(
    actor: Actor,
    org_role: Option<OrgRole>,
    grant: Option<(InstanceRole, GrantWindow)>,
    today: NaiveDate,
) -> Option<InstanceRole> {
    let by_org = if actor.is_staff {
        Some(InstanceRole::Admin)
    } else {
        org_role.map(|role| match role {
            OrgRole::Owner => InstanceRole::Admin,
            OrgRole::Member => InstanceRole::Participant,
        })
    };
    let by_grant = grant
        .filter(|(_, window)| window.admits(today))
        .map(|(role, _)| role);
    by_org.max(by_grant)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
    }

    const PERSON: Actor = Actor {
        user_id: 9,
        is_staff: false,
    };

    fn window(from: u32, until: u32) -> GrantWindow {
        GrantWindow::new(day(from), day(until)).unwrap()
    }

    #[test]
    fn roles_follow_staff_org_and_grant() {
        let staff = Actor {
            user_id: 1,
            is_staff: true,
        };
        assert_eq!(
            role_at_instance(staff, None, None, day(1)),
            Some(InstanceRole::Admin)
        );
        assert_eq!(
            role_at_instance(PERSON, Some(OrgRole::Owner), None, day(1)),
            Some(InstanceRole::Admin)
        );
        assert_eq!(
            role_at_instance(PERSON, Some(OrgRole::Member), None, day(1)),
            Some(InstanceRole::Participant)
        );
        assert_eq!(role_at_instance(PERSON, None, None, day(1)), None);
    }

    #[test]
    fn grants_count_only_within_their_window_and_the_higher_role_wins() {
        let grant = Some((InstanceRole::Admin, window(5, 7)));
        assert_eq!(role_at_instance(PERSON, None, grant, day(4)), None);
        assert_eq!(
            role_at_instance(PERSON, None, grant, day(5)),
            Some(InstanceRole::Admin)
        );
        assert_eq!(
            role_at_instance(PERSON, None, grant, day(7)),
            Some(InstanceRole::Admin)
        );
        assert_eq!(role_at_instance(PERSON, None, grant, day(8)), None);
        assert_eq!(
            role_at_instance(PERSON, Some(OrgRole::Member), grant, day(6)),
            Some(InstanceRole::Admin)
        );
        let participant = Some((InstanceRole::Participant, window(5, 7)));
        assert_eq!(
            role_at_instance(PERSON, Some(OrgRole::Owner), participant, day(6)),
            Some(InstanceRole::Admin)
        );
    }

    #[test]
    fn role_names_parse_and_refuse_others() {
        assert_eq!(
            "Admin".parse::<InstanceRole>().unwrap(),
            InstanceRole::Admin
        );
        assert_eq!(
            " participant ".parse::<InstanceRole>().unwrap(),
            InstanceRole::Participant
        );
        let err = "owner".parse::<InstanceRole>().unwrap_err();
        assert_eq!(err.field, "role");
    }
}

//! Who may do what: the authorization rules every server function applies on the server.

use crate::organisation::OrgRole;

/// The signed-in person on whose behalf a request runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The user's id.
    pub user_id: i64,
    /// Platform staff (admin role): sees and acts on everything.
    pub is_staff: bool,
}

/// What an actor wants to do with an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    /// See the organisation, its members and what it rents.
    View,
    /// Add, change or remove members; order and operate instances.
    Manage,
}

/// Whether `actor`, whose role in the organisation is `membership` (None: not a member),
/// may perform `action` on it.
pub fn may_act_on_org(actor: Actor, membership: Option<OrgRole>, action: OrgAction) -> bool {
    if actor.is_staff {
        return true;
    }
    match (membership, action) {
        (None, _) => false,
        (Some(_), OrgAction::View) => true,
        (Some(role), OrgAction::Manage) => role == OrgRole::Owner,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUSTOMER: Actor = Actor {
        user_id: 7,
        is_staff: false,
    };
    const STAFF: Actor = Actor {
        user_id: 1,
        is_staff: true,
    };

    #[test]
    fn outsiders_may_do_nothing() {
        assert!(!may_act_on_org(CUSTOMER, None, OrgAction::View));
        assert!(!may_act_on_org(CUSTOMER, None, OrgAction::Manage));
    }

    #[test]
    fn members_view_and_owners_manage() {
        assert!(may_act_on_org(
            CUSTOMER,
            Some(OrgRole::Member),
            OrgAction::View
        ));
        assert!(!may_act_on_org(
            CUSTOMER,
            Some(OrgRole::Member),
            OrgAction::Manage
        ));
        assert!(may_act_on_org(
            CUSTOMER,
            Some(OrgRole::Owner),
            OrgAction::Manage
        ));
    }

    #[test]
    fn staff_may_do_everything() {
        assert!(may_act_on_org(STAFF, None, OrgAction::Manage));
    }
}

//! The audit trail as staff and owners read it.

use serde::{Deserialize, Serialize};

/// One recorded request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    /// Its id (pages continue below it).
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who: the account's email then, or "(nobody signed in)".
    pub who: String,
    /// From where (the client's address).
    pub address: String,
    /// What: the endpoint, e.g. `instances/stop`.
    pub action: String,
    /// The organisation it concerned, if one.
    pub organisation_id: Option<i64>,
    /// The recorded fields (JSON; values only of fields that cannot hold a secret).
    pub details: String,
    /// The HTTP status it was answered with.
    pub outcome: u16,
}

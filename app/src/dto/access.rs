//! Who may enter an instance, and the instances a person may enter.

use serde::{Deserialize, Serialize};

/// One person's access to an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessView {
    /// The grant's id (to revoke it).
    pub id: i64,
    /// Their email address.
    pub email: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// `admin` or `participant`.
    pub role: String,
    /// First valid day (YYYY-MM-DD).
    pub valid_from: String,
    /// Last valid day (YYYY-MM-DD).
    pub valid_until: String,
    /// Whether it admits them today.
    pub active_today: bool,
    /// Right after granting: how the person hears of it (None in lists).
    pub notice: Option<GrantNotice>,
}

/// How a person just granted access hears of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantNotice {
    /// Whether the address had no account, so an invitation was made.
    pub invited: bool,
    /// Whether a mail went to them (with the invitation link, or a note that they may enter).
    pub mailed: bool,
    /// Why no mail went out although mail is configured.
    pub mail_error: Option<String>,
    /// When an invitation was not mailed: its link, for the inviter to pass on (shown only
    /// now; it lets them set a password).
    pub invite_link: Option<String>,
}

/// One row of a CSV import as checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowView {
    /// The line in the file.
    pub line: u64,
    /// The email address as read (may be invalid).
    pub email: String,
    /// What is wrong with the row; empty when it is fine.
    pub problems: Vec<String>,
    /// For a granted row: how the person hears of it.
    pub notice: Option<GrantNotice>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Every row, in file order.
    pub rows: Vec<ImportRowView>,
    /// Rows without problems.
    pub valid: usize,
    /// Rows with problems.
    pub invalid: usize,
    /// Whether the valid rows were granted (all rows valid, or the owner confirmed).
    pub applied: bool,
}

/// An instance a signed-in person may enter, for their portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalEntry {
    /// The instance's id.
    pub instance_id: i64,
    /// Its name.
    pub name: String,
    /// The organisation that runs it.
    pub organisation: String,
    /// Its address, when Plenum runs the edge.
    pub url: Option<String>,
    /// The person's role there.
    pub role: String,
    /// Why: `organisation` (member) or `granted`.
    pub through: String,
    /// Until when a grant admits them (YYYY-MM-DD), if by grant.
    pub valid_until: Option<String>,
    /// The event days of its rental (YYYY-MM-DD), in order.
    pub event_days: Vec<String>,
}

/// A relying party registered with Plenum's OpenID Connect provider (staff view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    /// The client id.
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// The instance it belongs to (None: registered by hand).
    pub instance_id: Option<i64>,
    /// Whether it authenticates with a secret.
    pub confidential: bool,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
}

/// A client just registered by hand, with its secret shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredClient {
    /// The client.
    pub client: ClientView,
    /// Its secret (confidential clients only); Plenum shows it only now.
    pub secret: Option<String>,
    /// The issuer to configure in the client.
    pub issuer: String,
}

/// An upstream sign-in provider, as its managers see it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamView {
    /// Its id.
    pub id: i64,
    /// The name on the sign-in button.
    pub name: String,
    /// The issuer URL.
    pub issuer: String,
    /// Plenum's client id there.
    pub client_id: String,
    /// The claim holding the email address.
    pub claim_email: String,
    /// The claim holding the given name.
    pub claim_given_name: String,
    /// The claim holding the family name.
    pub claim_family_name: String,
    /// The link that signs people in through it (organisations pass it on).
    pub sign_in_path: String,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
}

/// A platform provider's button on the sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderButton {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

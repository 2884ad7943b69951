//! Single logout initiated by Plenum (SAML Profiles 2.0 section 4.4): when a person signs
//! out of Plenum, each service provider they signed in to during that session gets a signed
//! `<samlp:LogoutRequest>` for their NameID, posted by the browser to its single logout
//! service (HTTP-POST binding); it answers with a LogoutResponse to Plenum's single logout
//! endpoint (HTTP-Redirect), from where the browser goes on to the next one.

use chrono::{DateTime, Duration, Utc};

use super::signature::{enveloped_signature, timestamp};
use super::xml::{element, text};
use super::{IdpKey, NAMEID_EMAIL, NS_ASSERTION, NS_PROTOCOL, new_id};
use crate::IdentityError;

/// How long the request may be acted on.
pub const LIFETIME: Duration = Duration::minutes(5);

/// What the request says.
#[derive(Debug, Clone, Copy)]
pub struct Logout<'a> {
    /// The identity provider's entity id.
    pub issuer: &'a str,
    /// The service provider's single logout URL.
    pub destination: &'a str,
    /// The person's NameID (their email address), as in their assertions.
    pub name_id: &'a str,
    /// Now.
    pub now: DateTime<Utc>,
}

/// The signed LogoutRequest, as the bytes to send (base64 them into `SAMLRequest`).
pub fn signed_logout_request(logout: &Logout<'_>, key: &IdpKey) -> Result<String, IdentityError> {
    let id = new_id();
    let issuer = element(
        "saml:Issuer",
        Some(("saml", NS_ASSERTION)),
        &[],
        &text(logout.issuer),
    );
    let name_id = element(
        "saml:NameID",
        Some(("saml", NS_ASSERTION)),
        &[("Format", NAMEID_EMAIL)],
        &text(logout.name_id),
    );
    let now = timestamp(logout.now);
    let until = timestamp(logout.now + LIFETIME);
    let request = |signature: &str| {
        element(
            "samlp:LogoutRequest",
            Some(("samlp", NS_PROTOCOL)),
            &[
                ("Destination", logout.destination),
                ("ID", &id),
                ("IssueInstant", &now),
                ("NotOnOrAfter", &until),
                ("Version", "2.0"),
            ],
            &format!("{issuer}{signature}{name_id}"),
        )
    };
    let signature = enveloped_signature(&request(""), &id, key)?;
    Ok(request(&signature))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::saml::NS_DSIG;
    use crate::saml::tests::test_key;

    #[test]
    fn the_request_names_the_person_and_is_signed_by_reference() {
        let now = Utc::now();
        let xml = signed_logout_request(
            &Logout {
                issuer: "https://plenum.example/saml/7/metadata",
                destination: "https://os.example/system/saml/idplogout?a=1&b=2",
                name_id: "tom&jerry@example.org",
                now,
            },
            test_key(),
        )
        .unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert!(root.has_tag_name((NS_PROTOCOL, "LogoutRequest")));
        assert_eq!(
            root.attribute("Destination"),
            Some("https://os.example/system/saml/idplogout?a=1&b=2")
        );
        let id = root.attribute("ID").unwrap();
        let child = |ns, name| {
            root.children()
                .find(|n| n.has_tag_name((ns, name)))
                .unwrap()
        };
        assert_eq!(
            child(NS_ASSERTION, "Issuer").text(),
            Some("https://plenum.example/saml/7/metadata")
        );
        let name_id = child(NS_ASSERTION, "NameID");
        assert_eq!(name_id.text(), Some("tom&jerry@example.org"));
        assert_eq!(name_id.attribute("Format"), Some(NAMEID_EMAIL));
        let reference = doc
            .descendants()
            .find(|n| n.has_tag_name((NS_DSIG, "Reference")))
            .unwrap();
        assert_eq!(reference.attribute("URI"), Some(format!("#{id}").as_str()));
        // The schema's order: Issuer, Signature, NameID.
        let order: Vec<&str> = root
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(order, ["Issuer", "Signature", "NameID"]);
    }
}

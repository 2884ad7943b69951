//! The signed `<samlp:Response>` of a successful sign-in (SAML Core 2.0; Web Browser SSO
//! profile, SAML Profiles 2.0 section 4.1).
//!
//! The whole Response is signed (enveloped signature right after its `<saml:Issuer>`,
//! RSA-SHA256 over exclusive-canonical XML, SHA-256 digest), with the certificate in
//! `<ds:KeyInfo>`. The document is written in canonical form by [`super::xml`], so the digest
//! is taken over the very bytes that are sent, and nothing is serialised after signing.
//!
//! The assertion is a bearer assertion for one audience (the service provider's entity id),
//! delivered to one recipient (the registered consumer URL), answering one request
//! (`InResponseTo`), valid from a minute ago (clock skew) for five minutes.

use chrono::{DateTime, Duration, Utc};

use super::signature::{enveloped_signature, timestamp};
use super::xml::{element, text};
use super::{
    ATTRNAME_BASIC, AUTHN_PASSWORD_TRANSPORT, CM_BEARER, IdpKey, NAMEID_EMAIL, NS_ASSERTION,
    NS_PROTOCOL, STATUS_SUCCESS, new_id,
};
use crate::IdentityError;

/// How long before `now` the assertion is already valid (other clocks may be behind).
pub const CLOCK_SKEW: Duration = Duration::seconds(60);
/// How long after `now` the assertion may be used.
pub const LIFETIME: Duration = Duration::minutes(5);

/// What the response says.
#[derive(Debug, Clone)]
pub struct Login<'a> {
    /// The identity provider's entity id.
    pub issuer: &'a str,
    /// The service provider's entity id (the audience).
    pub audience: &'a str,
    /// The registered consumer URL (Destination and Recipient).
    pub acs_url: &'a str,
    /// The ID of the request answered.
    pub in_response_to: &'a str,
    /// The NameID: the person's email address.
    pub name_id: &'a str,
    /// Attributes, each with one value (the basic name format).
    pub attributes: &'a [(&'a str, String)],
    /// When the person signed in to Plenum.
    pub authn_instant: DateTime<Utc>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// The random IDs of one response.
#[derive(Debug, Clone)]
struct Ids {
    response: String,
    assertion: String,
    session: String,
}

/// The signed Response, as the bytes to send (base64 them into `SAMLResponse`).
pub fn signed_response(login: &Login<'_>, key: &IdpKey) -> Result<String, IdentityError> {
    let ids = Ids {
        response: new_id(),
        assertion: new_id(),
        session: new_id(),
    };
    build(login, &ids, key)
}

fn build(login: &Login<'_>, ids: &Ids, key: &IdpKey) -> Result<String, IdentityError> {
    let now = timestamp(login.now);
    let not_before = timestamp(login.now - CLOCK_SKEW);
    let not_on_or_after = timestamp(login.now + LIFETIME);

    // In the Response, the Issuer is the first element to use the `saml` prefix, so it
    // declares it (exclusive canonicalisation renders a namespace where it is first used);
    // the Assertion, its sibling, declares it again.
    let response_issuer = element(
        "saml:Issuer",
        Some(("saml", NS_ASSERTION)),
        &[],
        &text(login.issuer),
    );
    let assertion_issuer = element("saml:Issuer", None, &[], &text(login.issuer));
    let subject = element(
        "saml:Subject",
        None,
        &[],
        &format!(
            "{}{}",
            element(
                "saml:NameID",
                None,
                &[("Format", NAMEID_EMAIL)],
                &text(login.name_id)
            ),
            element(
                "saml:SubjectConfirmation",
                None,
                &[("Method", CM_BEARER)],
                &element(
                    "saml:SubjectConfirmationData",
                    None,
                    &[
                        ("InResponseTo", login.in_response_to),
                        ("NotOnOrAfter", &not_on_or_after),
                        ("Recipient", login.acs_url),
                    ],
                    "",
                ),
            )
        ),
    );
    let conditions = element(
        "saml:Conditions",
        None,
        &[
            ("NotBefore", &not_before),
            ("NotOnOrAfter", &not_on_or_after),
        ],
        &element(
            "saml:AudienceRestriction",
            None,
            &[],
            &element("saml:Audience", None, &[], &text(login.audience)),
        ),
    );
    let authn = element(
        "saml:AuthnStatement",
        None,
        &[
            ("AuthnInstant", &timestamp(login.authn_instant)),
            ("SessionIndex", &ids.session),
        ],
        &element(
            "saml:AuthnContext",
            None,
            &[],
            &element(
                "saml:AuthnContextClassRef",
                None,
                &[],
                AUTHN_PASSWORD_TRANSPORT,
            ),
        ),
    );
    let attributes: String = login
        .attributes
        .iter()
        .map(|(name, value)| {
            element(
                "saml:Attribute",
                None,
                &[("Name", name), ("NameFormat", ATTRNAME_BASIC)],
                &element("saml:AttributeValue", None, &[], &text(value)),
            )
        })
        .collect();
    let attribute_statement = if attributes.is_empty() {
        String::new()
    } else {
        element("saml:AttributeStatement", None, &[], &attributes)
    };
    let assertion = element(
        "saml:Assertion",
        Some(("saml", NS_ASSERTION)),
        &[
            ("ID", &ids.assertion),
            ("IssueInstant", &now),
            ("Version", "2.0"),
        ],
        &format!("{assertion_issuer}{subject}{conditions}{authn}{attribute_statement}"),
    );
    let status = element(
        "samlp:Status",
        None,
        &[],
        &element("samlp:StatusCode", None, &[("Value", STATUS_SUCCESS)], ""),
    );
    let response = |signature: &str| {
        element(
            "samlp:Response",
            Some(("samlp", NS_PROTOCOL)),
            &[
                ("Destination", login.acs_url),
                ("ID", &ids.response),
                ("InResponseTo", login.in_response_to),
                ("IssueInstant", &now),
                ("Version", "2.0"),
            ],
            &format!("{response_issuer}{signature}{status}{assertion}"),
        )
    };
    // The enveloped-signature transform removes the Signature before digesting, so the
    // digest is over the Response without it: exactly `response("")`.
    let signature = enveloped_signature(&response(""), &ids.response, key)?;
    Ok(response(&signature))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::saml::NS_DSIG;
    use crate::saml::tests::test_key;

    fn login<'a>(attributes: &'a [(&'a str, String)], now: DateTime<Utc>) -> Login<'a> {
        Login {
            issuer: "https://plenum.example/saml/7/metadata",
            audience: "https://os.example/system/saml/metadata",
            acs_url: "https://os.example/system/saml/acs?a=1&b=2",
            in_response_to: "_req-1",
            name_id: "tom@example.org",
            attributes,
            authn_instant: now - Duration::minutes(3),
            now,
        }
    }

    fn between<'a>(xml: &'a str, start: &str, end: &str) -> &'a str {
        let from = xml.find(start).unwrap();
        let to = xml[from..].find(end).unwrap() + from + end.len();
        &xml[from..to]
    }

    #[test]
    fn the_digest_and_the_signature_verify_over_the_sent_bytes() {
        let key = test_key();
        let attributes = [
            ("first_name", "Tom & Jerry".to_owned()),
            ("last_name", "<O'Brien> \"Ö\"".to_owned()),
        ];
        let xml = signed_response(&login(&attributes, Utc::now()), key).unwrap();

        // The enveloped transform: the Response without its Signature, as sent.
        let signature = between(&xml, "<ds:Signature", "</ds:Signature>");
        let unsigned = xml.replace(signature, "");
        let digest = STANDARD.encode(Sha256::digest(unsigned.as_bytes()));
        let digest_value = between(&xml, "<ds:DigestValue>", "</ds:DigestValue>");
        assert_eq!(
            digest_value,
            format!("<ds:DigestValue>{digest}</ds:DigestValue>")
        );

        // SignedInfo canonicalised as the apex of its subtree.
        let signed_info = between(&xml, "<ds:SignedInfo>", "</ds:SignedInfo>").replacen(
            "<ds:SignedInfo>",
            &format!("<ds:SignedInfo xmlns:ds=\"{NS_DSIG}\">"),
            1,
        );
        let value = between(&xml, "<ds:SignatureValue>", "</ds:SignatureValue>");
        let value = &value["<ds:SignatureValue>".len()..value.len() - "</ds:SignatureValue>".len()];
        let signature = Signature::try_from(STANDARD.decode(value).unwrap().as_slice()).unwrap();
        let verifier = VerifyingKey::<Sha256>::new(key.signer.as_ref().to_public_key());
        verifier.verify(signed_info.as_bytes(), &signature).unwrap();
        let mut tampered = signed_info.clone();
        tampered.replace_range(tampered.len() - 40..tampered.len() - 39, "x");
        assert!(verifier.verify(tampered.as_bytes(), &signature).is_err());

        let certificate = between(&xml, "<ds:X509Certificate>", "</ds:X509Certificate>");
        assert!(certificate.contains(&key.certificate_b64));
    }

    #[test]
    fn the_response_says_who_to_whom_for_what_and_until_when() {
        let key = test_key();
        let now = Utc::now();
        let attributes = [
            ("saml_id", "tom@example.org".to_owned()),
            ("first_name", "Tom & Jerry".to_owned()),
        ];
        let input = login(&attributes, now);
        let xml = signed_response(&input, key).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let find = |ns: &str, name: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name((ns, name)))
                .unwrap_or_else(|| panic!("{name} in {xml}"))
        };
        let response = doc.root_element();
        assert!(response.has_tag_name((NS_PROTOCOL, "Response")));
        assert_eq!(response.attribute("Destination"), Some(input.acs_url));
        assert_eq!(response.attribute("InResponseTo"), Some("_req-1"));
        let id = response.attribute("ID").unwrap();
        assert!(id.starts_with('_') && id.len() == 33, "{id}");
        let children: Vec<_> = response
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(children, ["Issuer", "Signature", "Status", "Assertion"]);
        assert_eq!(
            find(NS_DSIG, "Reference").attribute("URI"),
            Some(format!("#{id}").as_str())
        );
        assert_eq!(
            find(NS_PROTOCOL, "StatusCode").attribute("Value"),
            Some(STATUS_SUCCESS)
        );
        let name_id = find(NS_ASSERTION, "NameID");
        assert_eq!(name_id.text(), Some("tom@example.org"));
        assert_eq!(name_id.attribute("Format"), Some(NAMEID_EMAIL));
        let confirmation = find(NS_ASSERTION, "SubjectConfirmationData");
        assert_eq!(confirmation.attribute("Recipient"), Some(input.acs_url));
        assert_eq!(confirmation.attribute("InResponseTo"), Some("_req-1"));
        assert_eq!(find(NS_ASSERTION, "Audience").text(), Some(input.audience));
        let conditions = find(NS_ASSERTION, "Conditions");
        assert_eq!(
            conditions.attribute("NotBefore"),
            Some(timestamp(now - CLOCK_SKEW).as_str())
        );
        assert_eq!(
            conditions.attribute("NotOnOrAfter"),
            Some(timestamp(now + LIFETIME).as_str())
        );
        let attributes: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name((NS_ASSERTION, "Attribute")))
            .map(|n| {
                (
                    n.attribute("Name").unwrap(),
                    n.first_element_child().unwrap().text().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            attributes,
            [
                ("saml_id", "tom@example.org"),
                ("first_name", "Tom & Jerry")
            ]
        );
        let issuers: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name((NS_ASSERTION, "Issuer")))
            .map(|n| n.text().unwrap())
            .collect();
        assert_eq!(issuers, [input.issuer, input.issuer]);
    }
}

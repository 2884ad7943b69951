//! SAML Metadata 2.0 documents: the identity provider's (entity id, signing certificate,
//! single sign-on endpoint by HTTP-Redirect), which service providers such as OpenSlides'
//! samlify read to trust Plenum's responses; and, for a service provider Plenum configures
//! itself (OpenSlides has no metadata of its own to give), the service provider's.

use super::xml::{attr, text};
use super::{
    BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, NAMEID_EMAIL, NS_DSIG, NS_METADATA, NS_PROTOCOL,
};

/// The media type of SAML metadata (SAML Metadata 2.0, appendix).
pub const CONTENT_TYPE: &str = "application/samlmetadata+xml";

/// What the metadata says.
#[derive(Debug, Clone, Copy)]
pub struct IdpDescription<'a> {
    /// The identity provider's entity id (the issuer of its responses).
    pub entity_id: &'a str,
    /// The single sign-on URL (HTTP-Redirect binding).
    pub sso_url: &'a str,
    /// The single logout URL where LogoutResponses arrive (HTTP-Redirect binding).
    pub slo_url: &'a str,
    /// The signing certificate, base64 of its DER (exactly as in the responses' KeyInfo).
    pub certificate_b64: &'a str,
}

/// The metadata document.
pub fn idp_metadata(idp: &IdpDescription<'_>) -> String {
    entity_descriptor(
        idp.entity_id,
        "IDPSSODescriptor",
        "WantAuthnRequestsSigned=\"false\"",
        idp.certificate_b64,
        &service("SingleLogoutService", BINDING_HTTP_REDIRECT, idp.slo_url),
        &service("SingleSignOnService", BINDING_HTTP_REDIRECT, idp.sso_url),
    )
}

/// `<md:{element} Binding=… Location=…/>`.
fn service(element: &str, binding: &str, location: &str) -> String {
    format!(
        "<md:{element} Binding=\"{binding}\" Location=\"{}\"/>",
        attr(location)
    )
}

/// An entity with one role descriptor (`role`, with the attributes `flags` besides the
/// protocol): its signing certificate, the services that come before the NameID format in
/// the schema (`before`: single logout) and after it (`after`: sign-on or consumer).
fn entity_descriptor(
    entity_id: &str,
    role: &str,
    flags: &str,
    certificate_b64: &str,
    before: &str,
    after: &str,
) -> String {
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<md:EntityDescriptor xmlns:md=\"{md}\" xmlns:ds=\"{ds}\" entityID=\"{entity_id}\">",
            "<md:{role} {flags} protocolSupportEnumeration=\"{protocol}\">",
            "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data>",
            "<ds:X509Certificate>{certificate}</ds:X509Certificate>",
            "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
            "{before}<md:NameIDFormat>{name_id_format}</md:NameIDFormat>{after}",
            "</md:{role}></md:EntityDescriptor>\n"
        ),
        md = NS_METADATA,
        ds = NS_DSIG,
        protocol = NS_PROTOCOL,
        entity_id = attr(entity_id),
        certificate = text(certificate_b64),
        name_id_format = NAMEID_EMAIL,
        role = role,
        flags = flags,
        before = before,
        after = after,
    )
}

/// What a service provider's metadata says.
#[derive(Debug, Clone, Copy)]
pub struct SpDescription<'a> {
    /// Its entity id (the issuer of its requests, the audience of the assertions).
    pub entity_id: &'a str,
    /// Its assertion consumer service (HTTP-POST binding).
    pub acs_url: &'a str,
    /// Its single logout service (HTTP-POST binding), if it has one.
    pub slo_url: Option<&'a str>,
    /// Its own certificate, base64 of the DER.
    pub certificate_b64: &'a str,
}

/// A service provider's metadata: unsigned requests (Plenum wants none signed) and no
/// `WantAssertionsSigned` (Plenum signs the whole Response, which covers the assertion).
pub fn sp_metadata(sp: &SpDescription<'_>) -> String {
    let consumer = format!(
        "<md:AssertionConsumerService index=\"0\" isDefault=\"true\" Binding=\"{BINDING_HTTP_POST}\" Location=\"{}\"/>",
        attr(sp.acs_url)
    );
    entity_descriptor(
        sp.entity_id,
        "SPSSODescriptor",
        "AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"false\"",
        sp.certificate_b64,
        &sp.slo_url
            .map(|url| service("SingleLogoutService", BINDING_HTTP_POST, url))
            .unwrap_or_default(),
        &consumer,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_service_providers_metadata_names_its_acs_and_wants_nothing_signed() {
        let xml = sp_metadata(&SpDescription {
            entity_id: "https://a.example/system/saml/metadata",
            acs_url: "https://a.example/system/saml/acs?x=1&y=2",
            slo_url: Some("https://a.example/system/saml/idplogout"),
            certificate_b64: "MIIC",
        });
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(
            root.attribute("entityID"),
            Some("https://a.example/system/saml/metadata")
        );
        let sp = root.first_element_child().unwrap();
        assert!(sp.has_tag_name((NS_METADATA, "SPSSODescriptor")));
        assert_eq!(sp.attribute("AuthnRequestsSigned"), Some("false"));
        assert_eq!(sp.attribute("WantAssertionsSigned"), Some("false"));
        let acs = doc
            .descendants()
            .find(|n| n.has_tag_name((NS_METADATA, "AssertionConsumerService")))
            .unwrap();
        assert_eq!(acs.attribute("Binding"), Some(BINDING_HTTP_POST));
        assert_eq!(
            acs.attribute("Location"),
            Some("https://a.example/system/saml/acs?x=1&y=2")
        );
        let cert = doc
            .descendants()
            .find(|n| n.has_tag_name((NS_DSIG, "X509Certificate")))
            .unwrap();
        assert_eq!(cert.text(), Some("MIIC"));
        let slo = doc
            .descendants()
            .find(|n| n.has_tag_name((NS_METADATA, "SingleLogoutService")))
            .unwrap();
        assert_eq!(
            (slo.attribute("Binding"), slo.attribute("Location")),
            (
                Some(BINDING_HTTP_POST),
                Some("https://a.example/system/saml/idplogout")
            )
        );
    }

    #[test]
    fn the_metadata_names_the_entity_its_certificate_and_the_redirect_endpoint() {
        let xml = idp_metadata(&IdpDescription {
            entity_id: "https://plenum.example/saml/7/metadata?a=1&b=2",
            sso_url: "https://plenum.example/saml/7/sso",
            slo_url: "https://plenum.example/saml/7/slo",
            certificate_b64: "MIIB",
        });
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert!(root.has_tag_name((NS_METADATA, "EntityDescriptor")));
        assert_eq!(
            root.attribute("entityID"),
            Some("https://plenum.example/saml/7/metadata?a=1&b=2")
        );
        let idp = root.first_element_child().unwrap();
        assert!(idp.has_tag_name((NS_METADATA, "IDPSSODescriptor")));
        assert_eq!(idp.attribute("WantAuthnRequestsSigned"), Some("false"));
        assert_eq!(
            idp.attribute("protocolSupportEnumeration"),
            Some(NS_PROTOCOL)
        );
        let cert = doc
            .descendants()
            .find(|n| n.has_tag_name((NS_DSIG, "X509Certificate")))
            .unwrap();
        assert_eq!(cert.text(), Some("MIIB"));
        let key = cert
            .ancestors()
            .find(|n| n.has_tag_name((NS_METADATA, "KeyDescriptor")));
        assert_eq!(key.unwrap().attribute("use"), Some("signing"));
        let sso: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name((NS_METADATA, "SingleSignOnService")))
            .map(|n| {
                (
                    n.attribute("Binding").unwrap(),
                    n.attribute("Location").unwrap(),
                )
            })
            .collect();
        assert_eq!(
            sso,
            [(BINDING_HTTP_REDIRECT, "https://plenum.example/saml/7/sso")]
        );
        let slo = doc
            .descendants()
            .find(|n| n.has_tag_name((NS_METADATA, "SingleLogoutService")))
            .unwrap();
        assert_eq!(
            (slo.attribute("Binding"), slo.attribute("Location")),
            (
                Some(BINDING_HTTP_REDIRECT),
                Some("https://plenum.example/saml/7/slo")
            )
        );
    }
}

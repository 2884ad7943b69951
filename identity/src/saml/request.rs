//! The `<samlp:AuthnRequest>` of the HTTP-Redirect binding (SAML Bindings 2.0, 3.4): the
//! `SAMLRequest` query parameter is the request, raw-DEFLATE-compressed, in base64.
//!
//! Parsing is bounded (encoded size, inflated size) and uses roxmltree, which refuses DTDs
//! and so every entity expansion. Unsigned requests are accepted (the metadata says
//! `WantAuthnRequestsSigned="false"`): what they could change is checked against the
//! registration instead — the issuer must be the registered service provider, and the
//! response always goes to the registered consumer URL.

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{BINDING_HTTP_POST, NS_ASSERTION, NS_PROTOCOL};

/// The largest `SAMLRequest` accepted, in characters of base64.
pub const MAX_ENCODED: usize = 64 * 1024;
/// The largest inflated request accepted, in bytes.
pub const MAX_INFLATED: u64 = 256 * 1024;
/// The longest request ID accepted (it is echoed as `InResponseTo`).
pub const MAX_ID: usize = 256;

/// What the provider needs from an AuthnRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    /// The request's ID (answered as `InResponseTo`).
    pub id: String,
    /// The service provider's entity id (`<saml:Issuer>`).
    pub issuer: String,
    /// The consumer URL the request names, if any (it must be the registered one).
    pub acs_url: Option<String>,
    /// The binding the request asks the response to use, if it names one.
    pub protocol_binding: Option<String>,
}

/// Why a `SAMLRequest` was refused; the message says what was wrong, for the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Larger than the limits.
    #[error("the request is too large")]
    TooLarge,
    /// Not base64.
    #[error("the request is not base64")]
    NotBase64,
    /// Not raw DEFLATE data, or not UTF-8 text.
    #[error("the request is not DEFLATE-compressed XML text")]
    NotDeflate,
    /// Not well-formed XML (or it has a DTD).
    #[error("the request is not well-formed XML: {0}")]
    NotXml(String),
    /// The document is something else.
    #[error("the request is not a SAML 2.0 AuthnRequest")]
    NotAuthnRequest,
    /// A required part is missing or unusable.
    #[error("the request's {0} is missing or invalid")]
    Missing(&'static str),
    /// It asks for a response binding Plenum does not send.
    #[error("the request asks for the binding {0}; Plenum answers with HTTP-POST only")]
    UnsupportedBinding(String),
}

/// Decodes, inflates and parses the `SAMLRequest` parameter (already URL-decoded).
pub fn parse_redirect(saml_request: &str) -> Result<AuthnRequest, RequestError> {
    if saml_request.len() > MAX_ENCODED {
        return Err(RequestError::TooLarge);
    }
    let compact: String = saml_request
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let deflated = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| RequestError::NotBase64)?;
    let mut inflated = Vec::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut inflated)
        .map_err(|_| RequestError::NotDeflate)?;
    if inflated.len() as u64 > MAX_INFLATED {
        return Err(RequestError::TooLarge);
    }
    let xml = String::from_utf8(inflated).map_err(|_| RequestError::NotDeflate)?;
    parse_xml(&xml)
}

/// Parses an AuthnRequest document.
pub fn parse_xml(xml: &str) -> Result<AuthnRequest, RequestError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| RequestError::NotXml(e.to_string()))?;
    let root = doc.root_element();
    if !root.has_tag_name((NS_PROTOCOL, "AuthnRequest")) {
        return Err(RequestError::NotAuthnRequest);
    }
    if root.attribute("Version") != Some("2.0") {
        return Err(RequestError::Missing("Version (2.0)"));
    }
    let id = root
        .attribute("ID")
        .filter(|id| valid_id(id))
        .ok_or(RequestError::Missing("ID"))?;
    let issuer = root
        .children()
        .find(|n| n.has_tag_name((NS_ASSERTION, "Issuer")))
        .and_then(|n| n.text())
        .map(str::trim)
        .filter(|issuer| !issuer.is_empty())
        .ok_or(RequestError::Missing("Issuer"))?;
    let protocol_binding = root.attribute("ProtocolBinding").map(str::to_owned);
    if let Some(binding) = &protocol_binding
        && binding != BINDING_HTTP_POST
    {
        return Err(RequestError::UnsupportedBinding(binding.clone()));
    }
    Ok(AuthnRequest {
        id: id.to_owned(),
        issuer: issuer.to_owned(),
        acs_url: root
            .attribute("AssertionConsumerServiceURL")
            .map(|url| url.trim().to_owned()),
        protocol_binding,
    })
}

/// An `xs:ID` as far as Plenum cares: not empty, bounded, no whitespace or control
/// characters (it is echoed into the response).
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write;

    use super::*;

    /// The request samlify 2.12 sends (OpenSlides' service provider).
    const SAMLIFY: &str = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_bc81f9a1-fb65-4376-b0bd-3f05a7092cdc" Version="2.0" IssueInstant="2026-11-29T12:19:50.776Z" Destination="http://127.0.0.1:9102/saml/test/sso" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" AssertionConsumerServiceURL="http://127.0.0.1:9101/system/saml/acs"><saml:Issuer>http://127.0.0.1:9101/system/saml/metadata</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="false"/></samlp:AuthnRequest>"#;

    /// `xml` encoded for the HTTP-Redirect binding.
    fn encode(xml: &str) -> String {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(xml.as_bytes()).unwrap();
        STANDARD.encode(encoder.finish().unwrap())
    }

    #[test]
    fn samlify_requests_are_read() {
        let request = parse_redirect(&encode(SAMLIFY)).unwrap();
        assert_eq!(request.id, "_bc81f9a1-fb65-4376-b0bd-3f05a7092cdc");
        assert_eq!(request.issuer, "http://127.0.0.1:9101/system/saml/metadata");
        assert_eq!(
            request.acs_url.as_deref(),
            Some("http://127.0.0.1:9101/system/saml/acs")
        );
        assert_eq!(request.protocol_binding.as_deref(), Some(BINDING_HTTP_POST));
    }

    #[test]
    fn malformed_requests_are_refused_with_a_reason() {
        assert_eq!(parse_redirect("!!!"), Err(RequestError::NotBase64));
        assert_eq!(
            parse_redirect(&STANDARD.encode("not deflate at all")),
            Err(RequestError::NotDeflate)
        );
        assert!(matches!(
            parse_redirect(&encode("<unclosed")),
            Err(RequestError::NotXml(_))
        ));
        assert_eq!(
            parse_redirect(&encode("<x:AuthnRequest xmlns:x=\"urn:other\"/>")),
            Err(RequestError::NotAuthnRequest)
        );
        assert_eq!(
            parse_redirect(&encode(
                &SAMLIFY.replace("ID=\"_bc81f9a1-fb65-4376-b0bd-3f05a7092cdc\"", "")
            )),
            Err(RequestError::Missing("ID"))
        );
        assert_eq!(
            parse_redirect(&encode(
                &SAMLIFY.replace("Version=\"2.0\"", "Version=\"1.1\"")
            )),
            Err(RequestError::Missing("Version (2.0)"))
        );
        let no_issuer = SAMLIFY.replace(
            "<saml:Issuer>http://127.0.0.1:9101/system/saml/metadata</saml:Issuer>",
            "",
        );
        assert_eq!(
            parse_redirect(&encode(&no_issuer)),
            Err(RequestError::Missing("Issuer"))
        );
        let artifact = SAMLIFY.replace("bindings:HTTP-POST", "bindings:HTTP-Artifact");
        assert!(matches!(
            parse_redirect(&encode(&artifact)),
            Err(RequestError::UnsupportedBinding(_))
        ));
        assert_eq!(
            parse_redirect(&"A".repeat(MAX_ENCODED + 1)),
            Err(RequestError::TooLarge)
        );
    }

    #[test]
    fn entity_expansion_and_inflation_bombs_are_refused() {
        let billion_laughs = format!(
            "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>{}",
            SAMLIFY.replace("</saml:Issuer>", "&b;</saml:Issuer>")
        );
        assert!(matches!(
            parse_redirect(&encode(&billion_laughs)),
            Err(RequestError::NotXml(_))
        ));
        let bomb = " ".repeat(MAX_INFLATED as usize + 10) + SAMLIFY;
        assert_eq!(parse_redirect(&encode(&bomb)), Err(RequestError::TooLarge));
    }
}

//! The enveloped XML signature of a message Plenum's identity provider sends: RSA-SHA256
//! over the exclusive-canonical SignedInfo, a SHA-256 digest of the referenced element in
//! canonical form (written so by [`super::xml`]), and the certificate in `<ds:KeyInfo>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use rsa::signature::{SignatureEncoding, Signer};
use sha2::{Digest, Sha256};

use super::xml::element;
use super::{ALG_ENVELOPED, ALG_EXC_C14N, ALG_RSA_SHA256, ALG_SHA256, IdpKey, NS_DSIG};
use crate::IdentityError;

/// A SAML timestamp (`xs:dateTime` in UTC, milliseconds).
pub(super) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The `<ds:Signature>` over `canonical_referent` (the referenced element without its
/// Signature, in canonical form), referring to it by `reference_id`.
pub(super) fn enveloped_signature(
    canonical_referent: &str,
    reference_id: &str,
    key: &IdpKey,
) -> Result<String, IdentityError> {
    let digest = STANDARD.encode(Sha256::digest(canonical_referent.as_bytes()));
    let signed_info_content = format!(
        "{}{}{}",
        element(
            "ds:CanonicalizationMethod",
            None,
            &[("Algorithm", ALG_EXC_C14N)],
            ""
        ),
        element(
            "ds:SignatureMethod",
            None,
            &[("Algorithm", ALG_RSA_SHA256)],
            ""
        ),
        element(
            "ds:Reference",
            None,
            &[("URI", &format!("#{reference_id}"))],
            &format!(
                "{}{}{}",
                element(
                    "ds:Transforms",
                    None,
                    &[],
                    &format!(
                        "{}{}",
                        element("ds:Transform", None, &[("Algorithm", ALG_ENVELOPED)], ""),
                        element("ds:Transform", None, &[("Algorithm", ALG_EXC_C14N)], "")
                    )
                ),
                element("ds:DigestMethod", None, &[("Algorithm", ALG_SHA256)], ""),
                element("ds:DigestValue", None, &[], &digest)
            )
        )
    );
    // SignedInfo canonicalised on its own is the apex of its subtree, so it declares the
    // `ds` prefix itself; inside the Signature the declaration sits on the Signature.
    let signed_info_canonical = element(
        "ds:SignedInfo",
        Some(("ds", NS_DSIG)),
        &[],
        &signed_info_content,
    );
    let signature_value = key
        .signer
        .try_sign(signed_info_canonical.as_bytes())
        .map_err(|e| IdentityError::Key(format!("SAML message could not be signed: {e}")))?;
    Ok(element(
        "ds:Signature",
        Some(("ds", NS_DSIG)),
        &[],
        &format!(
            "{}{}{}",
            element("ds:SignedInfo", None, &[], &signed_info_content),
            element(
                "ds:SignatureValue",
                None,
                &[],
                &STANDARD.encode(signature_value.to_bytes())
            ),
            element(
                "ds:KeyInfo",
                None,
                &[],
                &element(
                    "ds:X509Data",
                    None,
                    &[],
                    &element("ds:X509Certificate", None, &[], &key.certificate_b64)
                )
            )
        ),
    ))
}

//! Generating an instance's secret values by the template's `x-plenum-generate` rules.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use domain::template::{SecretGeneration, Template};
use rand::Rng;
use rand::rngs::OsRng;
use store::SecretValue;

/// A fresh random value by `rule`, from the operating system's random source.
pub fn generate(rule: SecretGeneration) -> SecretValue {
    let mut rng = OsRng;
    match (rule, rule.alphabet()) {
        (SecretGeneration::Base64 { bytes }, _) => {
            let raw: Vec<u8> = (0..bytes).map(|_| rng.r#gen::<u8>()).collect();
            SecretValue::new(STANDARD.encode(raw))
        }
        (
            SecretGeneration::Alphanumeric { length } | SecretGeneration::Password { length },
            Some(alphabet),
        ) => {
            let chars: Vec<char> = alphabet.chars().collect();
            let value: String = (0..length)
                .map(|_| chars[rng.gen_range(0..chars.len())])
                .collect();
            SecretValue::new(value)
        }
        // Character rules always have an alphabet; fall back to base64 bytes otherwise.
        (
            SecretGeneration::Alphanumeric { length } | SecretGeneration::Password { length },
            None,
        ) => generate(SecretGeneration::Base64 { bytes: length }),
    }
}

/// Values for the template's secrets that `existing` lacks.
pub fn missing(
    template: &Template,
    existing: &BTreeMap<String, SecretValue>,
) -> BTreeMap<String, SecretValue> {
    template
        .secret_generation()
        .filter(|(name, _)| !existing.contains_key(*name))
        .map(|(name, rule)| (name.to_owned(), generate(rule)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_the_rules() {
        let v = generate(SecretGeneration::Alphanumeric { length: 40 });
        let text = v.expose_str().unwrap();
        assert_eq!(text.len(), 40);
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(v, generate(SecretGeneration::Alphanumeric { length: 40 }));
        let b = generate(SecretGeneration::Base64 { bytes: 32 });
        assert_eq!(STANDARD.decode(b.expose()).unwrap().len(), 32);
        let p = generate(SecretGeneration::Password { length: 20 });
        assert_eq!(p.expose_str().unwrap().chars().count(), 20);
    }

    #[test]
    fn only_missing_secrets_are_generated() {
        let template = domain::template::builtin("demo").unwrap();
        let existing = BTreeMap::from([("admin_password".to_owned(), SecretValue::new("kept"))]);
        let new = missing(&template, &existing);
        assert_eq!(
            new.keys().collect::<Vec<_>>(),
            vec!["backup_token", "oidc_client_secret", "postgres_password"]
        );
    }
}

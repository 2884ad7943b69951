//! Splits a command written as one string into words, the way compose does for
//! `command: redis-server --save ""`: whitespace separates words, single quotes keep text
//! literally, double quotes allow `\"`, `\\`, `\$` and `` \` `` escapes, and a backslash outside
//! quotes escapes the next character. A `{{ placeholder }}` stays one piece of a word.
//! No variables, globs or operators.

/// Splits `line` into words; an error describes unbalanced quoting.
pub(crate) fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.push(c),
                        None => return Err(format!("unterminated single quote in {line:?}")),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => current.push(e),
                            Some(other) => {
                                current.push('\\');
                                current.push(other);
                            }
                            None => return Err(format!("unterminated double quote in {line:?}")),
                        },
                        Some(c) => current.push(c),
                        None => return Err(format!("unterminated double quote in {line:?}")),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(escaped) => word.get_or_insert_with(String::new).push(escaped),
                None => return Err(format!("trailing backslash in {line:?}")),
            },
            '{' if chars.as_str().starts_with('{') => {
                let current = word.get_or_insert_with(String::new);
                current.push('{');
                let rest = chars.as_str();
                let end = rest
                    .find("}}")
                    .ok_or_else(|| format!("unterminated placeholder in {line:?}"))?;
                current.push_str(&rest[..end + 2]);
                chars = rest[end + 2..].chars();
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(done) = word {
        words.push(done);
    }
    Ok(words)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::split_words;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split_words(r#"redis-server --save """#).unwrap(),
            ["redis-server", "--save", ""]
        );
        assert_eq!(
            split_words(r#"sh -c 'echo "hi there"'"#).unwrap(),
            ["sh", "-c", r#"echo "hi there""#]
        );
        assert_eq!(
            split_words(r#"a\ b "c\"d" e\\f"#).unwrap(),
            ["a b", "c\"d", "e\\f"]
        );
        assert!(split_words("   ").unwrap().is_empty());
        assert_eq!(
            split_words("serve --id {{ instance_id }} --name=x{{ slug }}y").unwrap(),
            ["serve", "--id", "{{ instance_id }}", "--name=x{{ slug }}y"]
        );
    }

    #[test]
    fn rejects_unbalanced_quotes() {
        assert!(split_words("echo 'oops").is_err());
        assert!(split_words("echo \"oops").is_err());
        assert!(split_words("echo oops\\").is_err());
        assert!(split_words("echo {{ slug").is_err());
    }
}

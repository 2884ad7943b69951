//! XML written directly in its canonical form (Exclusive XML Canonicalization 1.0, which
//! follows section 2.3 of Canonical XML 1.0): start and end tags for every element, the
//! attributes in canonical order, namespace declarations where a prefix is first used, and
//! exactly the escapes canonicalisation writes. A digest over these bytes is therefore the
//! digest a verifier computes after canonicalising the parsed document, and the document is
//! never parsed or serialised again after it is signed.
//!
//! Every value passes through [`text`] or [`attr`]; characters XML cannot carry (control
//! characters other than tab, line feed and carriage return, lone surrogates, U+FFFE/U+FFFF)
//! are dropped.

/// Whether XML 1.0 can carry `c` at all.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `s` as the content of an element, as canonicalisation writes it: `&`, `<`, `>` and
/// carriage return escaped, nothing else.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| is_xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` as an attribute value in double quotes, as canonicalisation writes it: `&`, `<`, `"`,
/// tab, line feed and carriage return escaped (`>` stays literal).
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| is_xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// A namespace declaration: prefix and URI.
pub type Namespace<'a> = (&'a str, &'a str);

/// The element `name` (a prefixed name) in canonical form: the namespace declaration `ns`
/// (when this element is the first in its subtree to use the prefix), then the unqualified
/// `attrs` sorted by name (canonical order for attributes without a namespace), then
/// `content`, which must already be canonical markup. Never self-closing.
pub fn element(
    name: &str,
    ns: Option<Namespace<'_>>,
    attrs: &[(&str, &str)],
    content: &str,
) -> String {
    let mut sorted: Vec<&(&str, &str)> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::with_capacity(content.len() + 64);
    out.push('<');
    out.push_str(name);
    if let Some((prefix, uri)) = ns {
        out.push_str(" xmlns:");
        out.push_str(prefix);
        out.push_str("=\"");
        out.push_str(&attr(uri));
        out.push('"');
    }
    for (key, value) in sorted {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        out.push_str(&attr(value));
        out.push('"');
    }
    out.push('>');
    out.push_str(content);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_what_canonical_xml_escapes() {
        assert_eq!(
            text("Tom & Jerry <3> \"q\" 'a'"),
            "Tom &amp; Jerry &lt;3&gt; \"q\" 'a'"
        );
        assert_eq!(text("a\r\nb\tc"), "a&#xD;\nb\tc");
        assert_eq!(text("nul\u{0}bell\u{7}\u{FFFE}ok"), "nulbellok");
        assert_eq!(text("Jürgen 😀"), "Jürgen 😀");
    }

    #[test]
    fn attributes_escape_quotes_and_whitespace_but_not_greater_than() {
        assert_eq!(attr("a>b<c&d\"e'f"), "a>b&lt;c&amp;d&quot;e'f");
        assert_eq!(attr("\t\n\r"), "&#x9;&#xA;&#xD;");
    }

    #[test]
    fn elements_sort_attributes_and_declare_their_namespace_first() {
        let xml = element(
            "p:E",
            Some(("p", "urn:x")),
            &[("b", "2"), ("Z", "0"), ("a", "1")],
            "",
        );
        assert_eq!(xml, "<p:E xmlns:p=\"urn:x\" Z=\"0\" a=\"1\" b=\"2\"></p:E>");
    }

    #[test]
    fn a_parser_reads_back_every_value_unchanged() {
        let nasty = "J\u{fc}rgen \u{1F600} a>b<c&d \"q\" 'a'\ttab\nnl ]]> end";
        let xml = element(
            "p:E",
            Some(("p", "urn:x")),
            &[("v", nasty)],
            &element("p:F", None, &[], &text(nasty)),
        );
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.attribute("v"), Some(nasty));
        assert_eq!(root.first_element_child().unwrap().text(), Some(nasty));
    }
}

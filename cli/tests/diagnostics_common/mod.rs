//! Helpers shared by the memory-diagnostics tests: a strict little XML checker for the heap
//! maps (no XML crate is in the lock file).
#![allow(dead_code)]

/// One element of a document: its name and attributes, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-')
}

/// Entity references must be one of XML's five or a numeric one.
fn check_text(text: &str) -> Result<(), String> {
    if text.contains('<') {
        return Err(format!("raw `<` in {text:?}"));
    }
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        let after = &rest[at + 1..];
        let end = after
            .find(';')
            .ok_or_else(|| format!("unterminated entity in {text:?}"))?;
        let entity = &after[..end];
        let known = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
            || (entity.starts_with('#') && entity[1..].chars().all(|c| c.is_ascii_alphanumeric()));
        if !known {
            return Err(format!("unknown entity &{entity}; in {text:?}"));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// Parses `doc` strictly (one root, balanced tags, quoted attributes, valid entities, no
/// duplicate attributes) and returns every element in document order.
pub fn parse_xml(doc: &str) -> Result<Vec<Element>, String> {
    let mut elements = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = doc;
    loop {
        let Some(open) = rest.find('<') else {
            check_text(rest)?;
            if !rest.trim().is_empty() && stack.is_empty() {
                return Err("text after the root".into());
            }
            break;
        };
        let text = &rest[..open];
        check_text(text)?;
        if stack.is_empty() && !text.trim().is_empty() {
            return Err("text outside the root".into());
        }
        rest = &rest[open..];
        if let Some(body) = rest.strip_prefix("<!--") {
            let end = body.find("-->").ok_or("unterminated comment")?;
            rest = &body[end + 3..];
            continue;
        }
        if let Some(body) = rest.strip_prefix("<?") {
            let end = body.find("?>").ok_or("unterminated declaration")?;
            rest = &body[end + 2..];
            continue;
        }
        let close = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim_end();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let (tag, self_closing) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if !is_name(name) {
            return Err(format!("bad element name {name:?}"));
        }
        let mut attributes: Vec<(String, String)> = Vec::new();
        let mut attrs = tag[name_end..].trim_start();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or_else(|| format!("attribute without value in <{name}>"))?;
            let attr = attrs[..eq].trim();
            if !is_name(attr) {
                return Err(format!("bad attribute name {attr:?}"));
            }
            let value_part = attrs[eq + 1..].trim_start();
            let quote = value_part.chars().next().ok_or("missing value")?;
            if quote != '"' && quote != '\'' {
                return Err(format!("unquoted attribute {attr}"));
            }
            let end = value_part[1..]
                .find(quote)
                .ok_or("unterminated attribute")?;
            let value = &value_part[1..1 + end];
            check_text(value)?;
            if attributes.iter().any(|(n, _)| n == attr) {
                return Err(format!("duplicate attribute {attr}"));
            }
            attributes.push((attr.to_string(), value.to_string()));
            let after = &value_part[end + 2..];
            if !after.is_empty() && !after.starts_with(char::is_whitespace) {
                return Err(format!("no space after attribute {attr}"));
            }
            attrs = after.trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        elements.push(Element {
            name: name.to_string(),
            attributes,
        });
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(elements)
}

#[test]
fn the_checker_rejects_what_is_not_xml() {
    assert!(parse_xml(r#"<svg a="1"><g><path d="M0 0"/></g></svg>"#).is_ok());
    assert!(parse_xml("<svg><g></svg></g>").is_err());
    assert!(parse_xml("<svg a=1/>").is_err());
    assert!(parse_xml("<svg>a & b</svg>").is_err());
    assert!(parse_xml(r#"<svg a="1" a="2"/>"#).is_err());
    assert!(parse_xml("<svg/><svg/>").is_err());
    assert!(parse_xml("<svg><text>1 &lt; 2</text></svg>").is_ok());
}

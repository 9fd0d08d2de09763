//! Finds keys in the scenario text, so that errors found after parsing can name a line.

use toml::de::{DeTable, DeValue};

/// The parsed document with the byte spans of every key and value.
pub struct Spans<'a> {
    root: Option<DeTable<'a>>,
}

impl<'a> Spans<'a> {
    pub fn parse(text: &'a str) -> Self {
        Spans {
            root: DeTable::parse(text).ok().map(|t| t.into_inner()),
        }
    }

    /// Byte span of the value at a dotted path (`countries.GB.online_share`), if it is in the
    /// file. A key with dots in it (`sweep.parameters."countries.GB.lapse"`) is matched by
    /// joining path segments, longest first.
    pub fn value_span(&self, path: &str) -> Option<std::ops::Range<usize>> {
        let parts: Vec<&str> = path.split('.').collect();
        find(self.root.as_ref()?, &parts)
    }
}

fn find(table: &DeTable<'_>, parts: &[&str]) -> Option<std::ops::Range<usize>> {
    for take in (1..=parts.len()).rev() {
        let key = parts[..take].join(".");
        let Some((_, value)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == key) else {
            continue;
        };
        if take == parts.len() {
            return Some(value.span());
        }
        if let DeValue::Table(t) = value.get_ref()
            && let Some(span) = find(t, &parts[take..])
        {
            return Some(span);
        }
    }
    None
}

/// The dotted path of the key at `offset`, read from the text: the last `[table]` header at or
/// before the line, then the keys of the inline tables that are open on the line, then the
/// key that starts at (or whose value contains) `offset`. Returns (table path, key).
pub fn key_at(text: &str, offset: usize) -> (Vec<String>, Option<String>) {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut table = Vec::new();
    for line in text[..line_end].lines() {
        let t = line.trim();
        if t.starts_with('[') {
            let inner = t.trim_start_matches('[');
            let inner = inner.split(']').next().unwrap_or("");
            table = dotted(inner);
        }
    }
    let line = &text[line_start..line_end];
    if line.trim_start().starts_with('[') {
        return (table, None);
    }
    // Walk the line up to the offset, tracking `key = {` nesting, outside strings.
    let upto = offset - line_start;
    let mut stack: Vec<Vec<String>> = Vec::new();
    let mut current: Option<Vec<String>> = None;
    let mut word = String::new();
    let mut pending_key: Vec<String> = Vec::new();
    let mut in_string: Option<char> = None;
    let mut at_key: Option<String> = None;
    for (i, ch) in line.char_indices() {
        if i >= upto {
            // The key starting here (unknown-key errors point at it).
            let rest: String = line[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if !rest.is_empty() && word.trim().is_empty() && current.is_none() {
                at_key = Some(rest);
            }
            break;
        }
        if let Some(q) = in_string {
            if ch == q {
                in_string = None;
            } else if current.is_none() {
                // A quoted key (`"countries.GB.lapse" = ...`) reads as its text.
                word.push(ch);
            }
            continue;
        }
        match ch {
            '"' | '\'' => in_string = Some(ch),
            '=' => {
                pending_key = dotted(word.trim());
                word.clear();
                current = Some(pending_key.clone());
            }
            '{' => {
                stack.push(pending_key.clone());
                current = None;
                word.clear();
            }
            '}' => {
                stack.pop();
                current = None;
            }
            ',' => {
                word.clear();
                current = None;
            }
            c if (c.is_alphanumeric() || c == '_' || c == '-' || c == '.' || c == ' ')
                && current.is_none() =>
            {
                word.push(c);
            }
            _ => {}
        }
    }
    table.extend(stack.into_iter().flatten());
    let key = at_key.or_else(|| current.map(|k| k.join(".")));
    (table, key)
}

fn dotted(s: &str) -> Vec<String> {
    s.split('.')
        .map(|p| p.trim().trim_matches('"').to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, needle: &str) -> (Vec<String>, Option<String>) {
        key_at(text, text.find(needle).unwrap())
    }

    #[test]
    fn finds_the_value_of_a_quoted_key_with_dots() {
        let text = "[sweep.parameters]\n\"countries.GB.lapse\" = [0.1, 0.2]\n";
        let spans = Spans::parse(text);
        let span = spans
            .value_span("sweep.parameters.countries.GB.lapse")
            .unwrap();
        assert_eq!(&text[span], "[0.1, 0.2]");
        assert!(spans.value_span("sweep.parameters.countries.GB").is_none());
    }

    #[test]
    fn finds_the_table_and_key_of_an_offset() {
        let text =
            "a = 1\n[countries.GB]\npopulaton = 2\ndiffusion = { network = \"x\", contacts = 3 }\n";
        assert_eq!(
            at(text, "populaton"),
            (
                vec!["countries".into(), "GB".into()],
                Some("populaton".into())
            )
        );
        assert_eq!(
            at(text, "\"x\""),
            (
                vec!["countries".into(), "GB".into(), "diffusion".into()],
                Some("network".into())
            )
        );
        assert_eq!(
            at(text, "contacts"),
            (
                vec!["countries".into(), "GB".into(), "diffusion".into()],
                Some("contacts".into())
            )
        );
        assert_eq!(at(text, "a ="), (vec![], Some("a".into())));
        let quoted = "[sweep.parameters]\n\"countries.GB.lapse\" = 0.5\n";
        assert_eq!(
            at(quoted, "0.5"),
            (
                vec!["sweep".into(), "parameters".into()],
                Some("countries.GB.lapse".into())
            )
        );
        assert_eq!(
            at(text, "[countries"),
            (vec!["countries".into(), "GB".into()], None)
        );
    }
}

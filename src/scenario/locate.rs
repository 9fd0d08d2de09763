//! Finds keys in the scenario text, so that errors found after parsing can name a line.

use toml::de::{DeTable, DeValue};

/// The parsed document with the byte spans of every key and value.
pub struct Spans<'a> {
    root: Option<DeTable<'a>>,
}

impl<'a> Spans<'a> {
    pub fn parse(text: &'a str) -> Self {
        Spans { root: DeTable::parse(text).ok().map(|t| t.into_inner()) }
    }

    /// Byte span of the value at a dotted path (`countries.GB.online_share`), if it is in the
    /// file. Keys with dots in them cannot be addressed; scenario keys have none.
    pub fn value_span(&self, path: &str) -> Option<std::ops::Range<usize>> {
        let mut table = self.root.as_ref()?;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let (_, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == part)?;
            if parts.peek().is_none() {
                return Some(value.span());
            }
            match value.get_ref() {
                DeValue::Table(t) => table = t,
                _ => return None,
            }
        }
        None
    }

    /// The dotted path of the innermost key whose key or value contains `offset`.
    pub fn path_at(&self, offset: usize) -> Vec<String> {
        let mut path = Vec::new();
        let Some(mut table) = self.root.as_ref() else { return path };
        'descend: loop {
            for (k, v) in table.iter() {
                let (ks, vs) = (k.span(), v.span());
                let hit = ks.contains(&offset) || vs.contains(&offset) || ks.start == offset;
                if hit {
                    path.push(k.get_ref().to_string());
                    if let DeValue::Table(t) = v.get_ref() {
                        table = t;
                        continue 'descend;
                    }
                    return path;
                }
            }
            return path;
        }
    }
}

//! Names a person may have meant, and plain names: the nearest valid names to a misspelt one,
//! serde's messages about keys rephrased to name the key and the fix, and the test for a name
//! that can be the last part of a path. A leaf: it reads no other file of the crate.

/// Whether `name` can be the last part of a path and nothing more: ASCII letters, digits,
/// `.`, `_` and `-`, and not `.` or `..` (which name a folder that already exists).
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Keys of an older model that the schema still reads, only to say what replaced them: never
/// offered as valid.
const RETIRED: [&str; 2] = ["target_roi", "min_weekly_earnings_usd"];

/// Turns serde's message about a key (unknown, missing, wrong type or variant) into one that
/// names the key and says what to do. `within` reads `in [table]` or `at the top level`;
/// `full_key` is the dotted path of the value.
pub(crate) fn schema_message(raw: &str, within: &str, full_key: &str) -> String {
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let mut valid = expected_keys(expected);
        valid.retain(|k| !RETIRED.contains(&k.as_str()));
        match nearest(key, &valid) {
            Some(best) => format!(
                "unknown key `{key}` {within}; did you mean `{best}`? (valid keys: {})",
                valid.join(", ")
            ),
            None => format!(
                "unknown key `{key}` {within}; valid keys: {}",
                valid.join(", ")
            ),
        }
    } else if let Some(rest) = raw.strip_prefix("unknown variant `") {
        let (word, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let valid = expected_keys(expected);
        let hint = nearest(word, &valid)
            .map(|b| format!("did you mean `{b}`? "))
            .unwrap_or_default();
        format!(
            "`{full_key}` cannot be `{word}`; {hint}use one of {}",
            quoted(&valid)
        )
    } else if let Some(rest) = raw.strip_prefix("missing field `") {
        let missing = rest.split('`').next().unwrap_or(rest);
        format!(
            "missing key `{missing}` {within}; add it (the README lists every key with its unit)"
        )
    } else {
        let plain = raw
            .replace("expected u64", "expected a whole number")
            .replace("expected u32", "expected a whole number")
            .replace("expected u16", "expected a whole number")
            .replace("expected f64", "expected a number");
        format!("`{full_key}`: {plain}")
    }
}

/// Parses serde's "expected one of `a`, `b`" or "expected `a`" into the names.
fn expected_keys(expected: &str) -> Vec<String> {
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Up to `n` valid names closest to `word`, closest first (Jaro-Winkler similarity; ties in
/// the order given).
pub fn nearest_many(word: &str, valid: &[String], n: usize) -> Vec<String> {
    let mut scored: Vec<(f64, usize)> = valid
        .iter()
        .enumerate()
        .map(|(i, v)| (strsim::jaro_winkler(word, v), i))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(n)
        .map(|(_, i)| valid[i].clone())
        .collect()
}

/// The valid name closest to `word`, if any is close enough to be a likely misspelling.
pub fn nearest<'a>(word: &str, valid: &'a [String]) -> Option<&'a str> {
    valid
        .iter()
        .map(|v| (strsim::jaro_winkler(word, v), v))
        .filter(|(score, v)| *score >= 0.7 || strsim::levenshtein(word, v) <= 1)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v.as_str())
}

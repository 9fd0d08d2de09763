//! The scenario files that ship with livemarket, compiled in, so a scenario anywhere on disk
//! can build on one by name: `extends = "bundled:baseline"`, and `livemarket run
//! bundled:europe-launch` runs one from any folder. Reads no file; uses only `names`.

/// How a bundled scenario is named where a file name would go.
pub const PREFIX: &str = "bundled:";

/// Every bundled scenario, by name (its file name in `scenarios/` without `.toml`).
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "baseline",
        include_str!("../../../../scenarios/baseline.toml"),
    ),
    (
        "bass-reference",
        include_str!("../../../../scenarios/bass-reference.toml"),
    ),
    (
        "creator-poaching-war",
        include_str!("../../../../scenarios/creator-poaching-war.toml"),
    ),
    (
        "europe-launch",
        include_str!("../../../../scenarios/europe-launch.toml"),
    ),
    (
        "sea-expansion",
        include_str!("../../../../scenarios/sea-expansion.toml"),
    ),
    (
        "uk-subsidy-push",
        include_str!("../../../../scenarios/uk-subsidy-push.toml"),
    ),
    (
        "uk-takeoff-sweep",
        include_str!("../../../../scenarios/uk-takeoff-sweep.toml"),
    ),
];

/// The bundled name a file name gives (`bundled:baseline`, `bundled:baseline.toml`), if it
/// is one: the name without prefix and `.toml`.
pub fn name_of(file: &str) -> Option<&str> {
    let name = file.strip_prefix(PREFIX)?;
    Some(name.strip_suffix(".toml").unwrap_or(name))
}

/// The text of the bundled scenario a file name gives, if it names one that exists.
pub fn text(file: &str) -> Option<&'static str> {
    let name = name_of(file)?;
    SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The canonical file name of a bundled scenario: `bundled:NAME`.
pub fn file(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// The names of the bundled scenarios, for messages: `bundled:baseline, bundled:...`.
pub fn listing() -> String {
    SCENARIOS
        .iter()
        .map(|(n, _)| file(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The error for a `bundled:` name that names none.
pub fn not_found(file: &str) -> std::io::Error {
    let name = name_of(file).unwrap_or(file);
    let names: Vec<String> = SCENARIOS.iter().map(|(n, _)| n.to_string()).collect();
    let hint = match super::names::nearest(name, &names) {
        Some(n) => format!("did you mean `{}`? ", self::file(n)),
        None => String::new(),
    };
    std::io::Error::new(
        std::io::ErrorKind::NotFound,
        format!(
            "livemarket bundles no scenario called `{name}`; {hint}the bundled ones are {}",
            listing()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_with_or_without_toml() {
        assert!(text("bundled:baseline").is_some());
        assert_eq!(text("bundled:baseline"), text("bundled:baseline.toml"));
        assert!(text("bundled:nope").is_none());
        assert!(text("baseline").is_none());
    }

    #[test]
    fn every_scenario_file_in_the_folder_is_bundled() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml") && !n.starts_with("targets"))
            .map(|n| n.trim_end_matches(".toml").to_string())
            .collect();
        on_disk.sort();
        let mut bundled: Vec<String> = SCENARIOS.iter().map(|(n, _)| n.to_string()).collect();
        bundled.sort();
        assert_eq!(
            on_disk, bundled,
            "scenarios/ and bundled::SCENARIOS must agree"
        );
        for (n, t) in SCENARIOS {
            let disk = std::fs::read_to_string(format!("{dir}/{n}.toml")).unwrap();
            assert_eq!(&disk, t, "{n}");
        }
    }
}

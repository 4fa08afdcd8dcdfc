//! The folders of `src/` are layers, and each may import only the layers lib.rs lists for it:
//! this reads every source file and refuses a `crate::<layer>` path that its layer may not use.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fixture that fails should panic

use std::path::Path;

/// The layers a module of `layer` may name with `crate::…`, besides its own.
fn allowed(layer: &str) -> &'static [&'static str] {
    match layer {
        "domain" => &[],
        "config" => &["domain"],
        "tls" => &["config", "domain"],
        "contract" => &["domain"],
        "jwt" => &["domain", "config", "tls"],
        "aws" => &["domain", "contract", "config", "tls", "jwt"],
        "invoke" => &["domain", "contract", "config", "tls", "jwt", "aws"],
        other => panic!("src/{other} is not a layer lib.rs describes"),
    }
}

/// The `crate::<layer>` paths in `source` (comments aside) that `layer` may not use.
fn violations(layer: &str, source: &str) -> Vec<String> {
    source
        .lines()
        .map(str::trim_start)
        .filter(|line| !line.starts_with("//"))
        .flat_map(|line| {
            line.match_indices("crate::")
                .map(move |(i, _)| &line[i + 7..])
        })
        .map(|rest| {
            rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .next()
                .unwrap_or("")
        })
        .filter(|used| *used != layer && !allowed(layer).contains(used))
        // Re-exports at the crate root (`crate::AuthError`) are the domain's.
        .filter(|used| used.chars().next().is_some_and(char::is_lowercase))
        .map(str::to_owned)
        .collect()
}

fn layer_sources(src: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            for file in std::fs::read_dir(&path).unwrap() {
                let file = file.unwrap().path();
                let text = std::fs::read_to_string(&file).unwrap();
                out.push((name.clone(), file.display().to_string(), text));
            }
        } else if name != "lib" {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((name, path.display().to_string(), text));
        }
    }
    out
}

#[test]
fn every_module_imports_only_the_layers_it_may() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = layer_sources(&src);
    assert!(sources.len() > 20, "read {} files", sources.len());
    let found: Vec<String> = sources
        .iter()
        .flat_map(|(layer, file, text)| {
            violations(layer, text)
                .into_iter()
                .map(move |used| format!("{file} uses crate::{used}"))
        })
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_check_sees_a_forbidden_import_and_ignores_comments() {
    let source = "use crate::domain::email::Email;\nuse crate::aws::cognito::Cognito;\n/// see crate::invoke\n";
    assert_eq!(violations("contract", source), ["aws"]);
    assert!(violations("invoke", source).is_empty());
    // The domain is the bottom of the house: not even configuration.
    assert_eq!(
        violations("domain", "use crate::config::Env;\n"),
        ["config"]
    );
}

//! The generated copies must be exactly what the settings table and the functions' `DEPLOY`
//! declare. After changing either, regenerate with `BLESS=1 cargo test -p booking-auth-generate`
//! and review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fixture that fails should panic

use std::path::PathBuf;

use booking_auth::config::settings::ALL;
use booking_auth_generate::stack_parameters::stack_parameters_table;
use booking_auth_generate::{
    FUNCTIONS, bless_or_compare, configuration_table, functions_table, replace_between, routed,
    sam_alarms, sam_cors, sam_environment, sam_function, sam_function_outputs, sam_gateway_invokes,
    sam_parameters, sam_stack_parameters, sam_tables, settings_json, sign_in_route, tables_json,
    wire_json,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn between(text: &str, begin: &str, end: &str, body: &str) -> String {
    replace_between(text, begin, end, body)
        .unwrap_or_else(|| panic!("no lines {begin:?} … {end:?}"))
}

const FROM: &str = "written by infra/generate (BLESS=1 cargo test -p booking-auth-generate)";

#[test]
fn generated_copies_match_their_one_home() {
    let mut stale = Vec::new();
    let wire = format!("{}\n", serde_json::to_string_pretty(&wire_json()).unwrap());
    for path in ["infra/generated/wire.json", "agent/booking_agent/wire.json"] {
        bless_or_compare(root().join(path), wire.clone(), &mut stale);
    }
    for (path, data) in [
        ("infra/generated/settings.json", settings_json()),
        ("infra/generated/tables.json", tables_json()),
    ] {
        let text = format!("{}\n", serde_json::to_string_pretty(&data).unwrap());
        bless_or_compare(root().join(path), text, &mut stale);
    }

    let path = root().join("infra/template.yaml");
    let mut template = std::fs::read_to_string(&path).unwrap();
    template = between(
        &template,
        "  # BEGIN GENERATED settings parameters",
        "  # END GENERATED settings parameters",
        &sam_parameters(),
    );
    // A tool's whole resources are generated, all in one block so a new tool needs no marker;
    // the interceptor's environment only.
    for deploy in FUNCTIONS.iter().filter(|d| d.route.is_none()) {
        template = between(
            &template,
            &format!("      # BEGIN GENERATED environment of {}", deploy.function),
            &format!("      # END GENERATED environment of {}", deploy.function),
            &sam_environment(deploy),
        );
    }
    let functions: Vec<String> = routed().map(sam_function).collect();
    for (name, body) in [
        ("tool resources", functions.join("\n")),
        ("tool functions", sam_gateway_invokes()),
        ("function outputs", sam_function_outputs()),
        ("CORS", sam_cors()),
        ("alarms", sam_alarms()),
        ("tables", sam_tables()),
        ("stack parameters", sam_stack_parameters()),
        (
            "sign-in route",
            format!("        \"{}\":\n", sign_in_route()),
        ),
    ] {
        let marker = |edge: &str| {
            let line = template
                .lines()
                .find(|l| {
                    let l = l.trim();
                    l == format!("# {edge} GENERATED {name}")
                        || l.starts_with(&format!("# {edge} GENERATED {name}:"))
                })
                .unwrap_or_else(|| panic!("no {edge} GENERATED {name} line"));
            line.to_owned()
        };
        let (begin, end) = (marker("BEGIN"), marker("END"));
        template = between(&template, &begin, &end, &body);
    }
    bless_or_compare(path, template, &mut stale);

    for (doc, name, table) in [
        ("docs/deployment.md", "functions", functions_table()),
        (
            "docs/deployment.md",
            "stack parameters",
            stack_parameters_table(),
        ),
        (
            "docs/configuration.md",
            "configuration",
            configuration_table(),
        ),
    ] {
        let path = root().join(doc);
        let text = std::fs::read_to_string(&path).unwrap();
        let (begin, end) = (
            format!("<!-- BEGIN GENERATED {name}"),
            format!("<!-- END GENERATED {name}"),
        );
        bless_or_compare(path, between(&text, &begin, &end, &table), &mut stale);
    }
    assert!(stale.is_empty(), "out of date ({FROM}): {stale:?}");
}

#[test]
fn every_setting_is_read_by_some_function() {
    for s in ALL {
        assert!(
            FUNCTIONS
                .iter()
                .any(|d| d.reads().iter().any(|r| r.variable == s.variable)),
            "{} is read by no function: remove it or declare its reader",
            s.variable
        );
    }
}

#[test]
fn every_alarm_threshold_is_a_stack_parameter() {
    use booking_auth::invoke::metrics::{ALARMS, Threshold};
    use booking_auth_generate::stack_parameters::{SAM_ONLY, STACK_PARAMETERS};
    for alarm in &ALARMS {
        if let Threshold::Parameter(name) = alarm.threshold {
            assert!(
                STACK_PARAMETERS
                    .iter()
                    .any(|p| p.name == name && !SAM_ONLY.contains(&name)),
                "{}'s threshold {name} is no parameter of both stacks",
                alarm.id
            );
        }
    }
}

#[test]
fn the_block_replacement_keeps_the_markers_and_refuses_a_missing_one() {
    let text = "a\n  # BEGIN X: note\nold\n  # END X\nb\n";
    assert_eq!(
        replace_between(text, "  # BEGIN X", "  # END X", "new\n").unwrap(),
        "a\n  # BEGIN X: note\nnew\n  # END X\nb\n"
    );
    assert!(replace_between(text, "  # BEGIN Y", "  # END X", "").is_none());
}

//! The whole Wayland Conformance Test Suite against Cowl (Debian's `wlcs` runner loading
//! this crate's library), in shards side by side. Every test that fails must be listed in
//! `expected-failures.txt` with its reason, and every test listed there must still fail: a
//! fix that makes one pass fails this test until the line goes, so the list stays true.
//! Tests WLCS skips (a protocol Cowl does not offer) are counted, not judged.
//!
//! `COWL_WLCS_FILTER` (a gtest filter, e.g. `TouchTest*`) runs part of the suite while
//! working on it; the list is then checked for the tests that ran.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where Debian's `wlcs` package puts the runner.
const RUNNER: &str = "/usr/lib/x86_64-linux-gnu/wlcs/wlcs";
/// Shards run at once. Most of a WLCS test is waiting (for a round trip, a frame, or a
/// timeout of a test that fails), so more shards than cores shortens the run.
const SHARDS: usize = 4;
/// A shard still running after this long is stuck (WLCS's own timeouts are 10 s a wait).
const SHARD_DEADLINE_S: &str = "1200";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed(String),
    /// WLCS skipped it: it needs a protocol the integration does not list.
    Skipped,
}

#[test]
fn wlcs_results_are_the_expected_ones() {
    assert!(
        Path::new(RUNNER).exists(),
        "{RUNNER} is missing: install Debian's wlcs (`.ci/install-deps test` does)"
    );
    let library = integration_library();
    let out = std::env::temp_dir().join(format!("cowl-wlcs-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("a directory for the reports");
    let filter = std::env::var("COWL_WLCS_FILTER").ok();

    let shards: Vec<_> = (0..SHARDS)
        .map(|index| {
            let report = out.join(format!("shard{index}.json"));
            let log =
                std::fs::File::create(out.join(format!("shard{index}.log"))).expect("a shard log");
            let mut command = Command::new("timeout");
            command
                .args(["--kill-after=10", SHARD_DEADLINE_S, RUNNER])
                .arg(&library)
                .arg(format!("--gtest_output=json:{}", report.display()))
                .env("GTEST_TOTAL_SHARDS", SHARDS.to_string())
                .env("GTEST_SHARD_INDEX", index.to_string())
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("the log again"))
                .stderr(log);
            if let Some(filter) = &filter {
                command.arg(format!("--gtest_filter={filter}"));
            }
            let child = command.spawn().expect("the WLCS runner starts");
            (index, child, report)
        })
        .collect();

    let mut results = BTreeMap::new();
    for (index, mut child, report) in shards {
        let status = child.wait().expect("the shard ends");
        // The runner exits 1 when a test failed; 124 and 137 are the deadline's.
        assert!(
            !matches!(status.code(), Some(124) | Some(137) | None),
            "WLCS shard {index} did not finish within {SHARD_DEADLINE_S} s (log: {})",
            out.join(format!("shard{index}.log")).display()
        );
        let text = std::fs::read_to_string(&report).unwrap_or_else(|err| {
            panic!(
                "shard {index} wrote no report {} ({err}); it {status}, log: {}",
                report.display(),
                out.join(format!("shard{index}.log")).display()
            )
        });
        results.extend(parse_report(&text));
    }
    assert!(!results.is_empty(), "WLCS ran no test");

    let expected = ExpectedFailures::read();
    let mut unexpected_failures = Vec::new();
    let mut unexpected_passes = Vec::new();
    for (name, outcome) in &results {
        match (outcome, expected.reason(name)) {
            (Outcome::Failed(message), None) => {
                unexpected_failures.push(format!("{name}\n      {}", last_lines(message)));
            }
            (Outcome::Passed, Some(reason)) => {
                unexpected_passes.push(format!("{name} (listed: {reason})"));
            }
            _ => {}
        }
    }
    if filter.is_none() {
        for pattern in expected.patterns_matching_nothing(&results) {
            unexpected_passes.push(format!("{pattern} (listed, but WLCS has no such test)"));
        }
    }

    let count = |wanted: fn(&Outcome) -> bool| results.values().filter(|o| wanted(o)).count();
    let passed = count(|o| *o == Outcome::Passed);
    let failed = count(|o| matches!(o, Outcome::Failed(_)));
    let skipped = count(|o| *o == Outcome::Skipped);
    println!(
        "WLCS: {} tests, {passed} passed, {failed} failed (listed: {}), {skipped} skipped; \
         reports in {}",
        results.len(),
        failed - unexpected_failures.len(),
        out.display()
    );
    assert!(
        unexpected_failures.is_empty() && unexpected_passes.is_empty(),
        "WLCS results differ from compositor/wlcs/expected-failures.txt.\n\
         Failed, not listed ({}):\n  {}\n\
         Listed, but passed (take the line out) ({}):\n  {}\n\
         Shard logs: {}",
        unexpected_failures.len(),
        unexpected_failures.join("\n  "),
        unexpected_passes.len(),
        unexpected_passes.join("\n  "),
        out.display()
    );
    // Only a run that matched the list leaves nothing behind.
    let _ = std::fs::remove_dir_all(&out);
}

/// The integration library cargo built with this test: beside it in target/<profile>/deps
/// (where `cargo test` leaves it), else in target/<profile>/ (`cargo build`).
fn integration_library() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let deps = exe
        .parent()
        .expect("the test lives in target/<profile>/deps");
    let candidates = [
        deps.join("libcowl_wlcs.so"),
        deps.parent().unwrap_or(deps).join("libcowl_wlcs.so"),
    ];
    candidates
        .iter()
        .find(|library| library.exists())
        .cloned()
        .unwrap_or_else(|| {
            panic!("{candidates:?} are missing: cargo builds the library with this crate")
        })
}

/// The tests of one gtest JSON report, by their full names (`Suite.test`, the names
/// `--gtest_filter` takes).
fn parse_report(text: &str) -> BTreeMap<String, Outcome> {
    let report: serde_json::Value = serde_json::from_str(text).expect("a gtest JSON report");
    let mut results = BTreeMap::new();
    for suite in report["testsuites"].as_array().into_iter().flatten() {
        let suite_name = suite["name"].as_str().unwrap_or_default();
        for test in suite["testsuite"].as_array().into_iter().flatten() {
            let name = format!("{suite_name}.{}", test["name"].as_str().unwrap_or_default());
            // WLCS marks a test it skips with a property and reports it as failed.
            let outcome = if test.get("wlcs-skip-test").is_some()
                || test["result"] == "SKIPPED"
                || test["status"] == "NOTRUN"
            {
                Outcome::Skipped
            } else if let Some(failures) = test["failures"].as_array() {
                let messages: Vec<&str> = failures
                    .iter()
                    .filter_map(|failure| failure["failure"].as_str())
                    .collect();
                Outcome::Failed(messages.join("\n"))
            } else {
                Outcome::Passed
            };
            results.insert(name, outcome);
        }
    }
    results
}

/// The end of a failure message: where it failed and what was seen, on one line.
fn last_lines(message: &str) -> String {
    let lines: Vec<&str> = message.lines().filter(|line| !line.is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

/// `expected-failures.txt`: one test name (or a prefix ending in `*`) per line, then `#`
/// and why it fails. Blank lines and lines starting with `#` are for reading.
struct ExpectedFailures {
    entries: Vec<(String, String)>,
}

impl ExpectedFailures {
    fn read() -> ExpectedFailures {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("expected-failures.txt");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, reason)) = line.split_once('#') else {
                panic!(
                    "{}:{}: a listed failure needs its reason after `#`",
                    path.display(),
                    number + 1
                );
            };
            entries.push((name.trim().to_string(), reason.trim().to_string()));
        }
        ExpectedFailures { entries }
    }

    fn matches(pattern: &str, name: &str) -> bool {
        match pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => pattern == name,
        }
    }

    fn reason(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(pattern, _)| Self::matches(pattern, name))
            .map(|(_, reason)| reason.as_str())
    }

    fn patterns_matching_nothing(&self, results: &BTreeMap<String, Outcome>) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(pattern, _)| !results.keys().any(|name| Self::matches(pattern, name)))
            .map(|(pattern, _)| pattern.clone())
            .collect()
    }
}

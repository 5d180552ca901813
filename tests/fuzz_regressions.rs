//! Replays the fuzz corpus (`tests/fuzz/corpus/<target>/`) and every crash the fuzzer ever
//! saved (`tests/fuzz/crashes/<target>-<hash>`) through the same target functions the driver
//! (`tests/fuzz/driver.rs`) runs: no panic, no broken invariant. One test per target.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed read is a failed test

#[path = "fuzz/targets.rs"]
mod targets;

use std::fs;
use std::path::{Path, PathBuf};

use targets::Target;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz")
}

/// Every file of `tests/fuzz/crashes/`. The folder is committed (its files are the regressions),
/// so a checkout without it is broken: that fails, rather than replaying nothing in silence.
fn crash_files() -> Vec<PathBuf> {
    let dir = fuzz_dir().join("crashes");
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{} is missing ({e}): the saved crashes are part of the suite", dir.display()));
    entries.map(|e| e.unwrap().path()).collect()
}

/// The corpus files and saved crashes of one target, sorted by name.
fn inputs(target: Target) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(fuzz_dir().join("corpus").join(target.name()))
        .expect("every target has a seed corpus")
        .map(|e| e.unwrap().path())
        .collect();
    let prefix = format!("{}-", target.name());
    files.extend(crash_files().into_iter().filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix))));
    files.sort();
    files
}

fn replay(name: &str) {
    let target = Target::from_name(name).unwrap();
    let files = inputs(target);
    assert!(!files.is_empty(), "no inputs for {name}");
    for path in files {
        let data = fs::read(&path).unwrap();
        assert!(data.len() <= target.max_len(), "{} is over the driver's size cap", path.display());
        // On the stack the extension has; the panic message itself is printed by the
        // default hook, above this one.
        let run = std::thread::Builder::new().stack_size(targets::STACK_BYTES).spawn(move || target.run(&data));
        match run.unwrap().join() {
            Ok(Ok(())) => {}
            Ok(Err(broken)) => panic!("{}: {broken}", path.display()),
            Err(_) => panic!("{} panicked", path.display()),
        }
    }
}

#[test]
fn extract() {
    replay("extract");
}

#[test]
fn stream_anthropic() {
    replay("stream-anthropic");
}

#[test]
fn stream_openai() {
    replay("stream-openai");
}

#[test]
fn stream_gemini() {
    replay("stream-gemini");
}

#[test]
fn stream_ollama() {
    replay("stream-ollama");
}

#[test]
fn translation() {
    replay("translation");
}

#[test]
fn digest() {
    replay("digest");
}

#[test]
fn inline() {
    replay("inline");
}

#[test]
fn every_crash_file_names_a_target() {
    let crashes = crash_files();
    assert!(!crashes.is_empty(), "tests/fuzz/crashes/ is empty: the saved crashes were lost");
    for path in crashes {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            Target::ALL.iter().any(|t| name.starts_with(&format!("{}-", t.name()))),
            "{name} does not start with a target name"
        );
    }
}

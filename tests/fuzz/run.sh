#!/usr/bin/env bash
# `npm run fuzz`: builds tests/fuzz/driver.rs coverage-guided and runs every target (or the ones
# named) for FUZZ_SECONDS each (default 30). Arguments pass through: `npm run fuzz -- extract 300`.
#
# Stable-Rust equivalent of `cargo fuzz`: SanitizerCoverage's inline 8-bit counters come from
# stable `-C` flags (sanitizers, which cargo-fuzz enables, need nightly). The flags go through
# RUSTFLAGS with an explicit --target so that build scripts and proc macros stay uninstrumented,
# into target/fuzz so that normal builds are not rebuilt. The dev profile is used for its unwinding
# panics, debug assertions and overflow checks, at opt-level 3 for speed.
set -euo pipefail
cd "$(dirname "$0")/../.."

host="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_TARGET_DIR=target/fuzz
export CARGO_PROFILE_DEV_OPT_LEVEL=3
export CARGO_PROFILE_DEV_DEBUG=line-tables-only
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=3 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"

cargo build --quiet --target "$host" --example fuzz
# An input that allocates without bound fails its allocation (a reported crash) instead of
# taking the machine down.
ulimit -v "${FUZZ_MEMORY_KB:-4194304}" 2>/dev/null || true
exec "target/fuzz/$host/debug/examples/fuzz" "${@:-all}"

//! A fuzzer for Gloss's core that runs on stable Rust (`cargo fuzz` needs nightly sanitizers).
//!
//!     cargo run --release --example fuzz -- [TARGET|all] [SECONDS] [--seed N]
//!     cargo run --release --example fuzz -- repro TARGET FILE...
//!
//! `npm run fuzz` (`tests/fuzz/run.sh`) builds it with LLVM's SanitizerCoverage counters, which
//! makes it coverage-guided; a plain build mutates blind. Each target runs in a worker process so
//! that a crash the process cannot survive (stack overflow, abort, OOM) or an input that hangs is
//! still caught: before each run the worker writes the input to a state file, and the supervisor
//! saves that file as `tests/fuzz/crashes/<target>-<hash>` when the worker dies or breaks an
//! invariant (`tests/fuzz_regressions.rs` replays every one), or as `tests/fuzz/hangs/…` when
//! one input outruns the time bound.
//!
//! Inputs start from `tests/fuzz/corpus/<target>/` and are mutated byte-wise and with each
//! target's tokens (tags, SSE fields, JSON fragments, `[[n]]` markers, Markdown delimiters);
//! inputs that reach new coverage are kept in `target/fuzz-corpus/<target>/` for later runs.

#[path = "targets.rs"]
mod targets;

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use targets::{fnv1a, Rng, Target};

const USAGE: &str = "usage: fuzz [TARGET|all] [SECONDS] [--seed N]   |   fuzz repro TARGET FILE...\n\
targets: extract stream-anthropic stream-openai stream-gemini stream-ollama translation digest inline";

/// Seconds per target when neither an argument nor `FUZZ_SECONDS` says.
const DEFAULT_SECONDS: u64 = 30;
/// An input running longer than this (ms) is reported as a hang; `FUZZ_TIMEOUT_MS` overrides.
const DEFAULT_TIMEOUT_MS_EXTRACT: u64 = 10_000;
const DEFAULT_TIMEOUT_MS_OTHER: u64 = 2_000;
/// Inputs kept in memory per target; beyond this, new finds are still saved to disk.
const MAX_CORPUS: usize = 20_000;

// Worker exit codes the supervisor understands; anything else is a crash.
const EXIT_PANIC: i32 = 3;
const EXIT_INVARIANT: i32 = 4;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--worker") => worker(args.get(1..).unwrap_or_default()),
        Some("repro") => repro(args.get(1..).unwrap_or_default()),
        _ => supervise(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("fuzz: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn target_arg(name: &str) -> Result<Target, String> {
    Target::from_name(name).ok_or_else(|| format!("unknown target {name:?}"))
}

// ---- supervisor ----

/// What a worker reported at the end of its run.
#[derive(Default)]
struct Stats {
    execs: u64,
    secs: f64,
    corpus: usize,
    found: usize,
    coverage: String,
    slowest_ms: u64,
}

fn supervise(args: &[String]) -> Result<ExitCode, String> {
    let mut names = Vec::new();
    let mut seconds = None;
    let mut seed = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--seed" {
            let value = rest.next().ok_or("--seed needs a number")?;
            seed = Some(value.parse::<u64>().map_err(|_| format!("bad seed {value:?}"))?);
        } else if let Ok(n) = arg.parse::<u64>() {
            seconds = Some(n);
        } else {
            names.push(arg.clone());
        }
    }
    let seconds = match seconds {
        Some(n) => n,
        None => match std::env::var("FUZZ_SECONDS") {
            Ok(v) => v.parse().map_err(|_| format!("FUZZ_SECONDS={v:?} is not a number"))?,
            Err(_) => DEFAULT_SECONDS,
        },
    };
    let seed = match seed.or_else(|| std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok())) {
        Some(s) => s,
        None => SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1),
    };
    let targets: Vec<Target> = if names.is_empty() || names.iter().any(|n| n == "all") {
        Target::ALL.to_vec()
    } else {
        names.iter().map(|n| target_arg(n)).collect::<Result<_, _>>()?
    };
    println!("fuzz: {} target(s), {seconds} s each, seed {seed}", targets.len());

    let mut rows = Vec::new();
    let mut failed = false;
    for target in targets {
        let (stats, verdict) = supervise_one(target, seconds, seed)?;
        failed |= verdict != "ok";
        rows.push((target, stats, verdict));
    }
    println!("\n{:<17} {:>10} {:>9} {:>8} {:>6} {:>16} {:>8}  result", "target", "execs", "exec/s", "corpus", "new", "coverage", "slowest");
    for (target, s, verdict) in &rows {
        let rate = if s.secs > 0.0 { s.execs as f64 / s.secs } else { 0.0 };
        println!(
            "{:<17} {:>10} {:>9.0} {:>8} {:>6} {:>16} {:>6}ms  {verdict}",
            target.name(),
            s.execs,
            rate,
            s.corpus,
            s.found,
            s.coverage,
            s.slowest_ms
        );
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Runs one target's worker to the end; returns its stats and "ok" or what went wrong.
fn supervise_one(target: Target, seconds: u64, seed: u64) -> Result<(Stats, String), String> {
    let state = std::env::temp_dir().join(format!("gloss-fuzz-{}-{}", std::process::id(), target.name()));
    File::create(&state).map_err(|e| format!("{}: {e}", state.display()))?;
    let timeout = Duration::from_millis(
        std::env::var("FUZZ_TIMEOUT_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(match target {
            Target::Extract => DEFAULT_TIMEOUT_MS_EXTRACT,
            _ => DEFAULT_TIMEOUT_MS_OTHER,
        }),
    );
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .arg("--worker")
        .arg(target.name())
        .arg(seconds.to_string())
        .arg(seed.to_string())
        .arg(&state)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the worker: {e}"))?;
    let stdout = child.stdout.take().ok_or("worker has no stdout")?;
    // Forward the worker's lines and keep its final stats line.
    let reader = std::thread::spawn(move || {
        let mut stats = Stats::default();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match line.strip_prefix("stats ") {
                Some(fields) => stats = parse_stats(fields),
                None => println!("{line}"),
            }
        }
        stats
    });

    let mut hung = false;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        // The worker rewrites the state file before every input, so a stale file is a hang.
        let age = fs::metadata(&state)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .unwrap_or_default();
        if age > timeout && !hung {
            hung = true;
            // Killing is best effort: if the worker just exited, `try_wait` reports it next.
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stats = reader.join().unwrap_or_default();

    let verdict = if hung {
        format!("HANG: one input ran over {} ms", timeout.as_millis())
    } else {
        match status.code() {
            Some(0) => String::from("ok"),
            Some(EXIT_PANIC) => String::from("PANIC"),
            Some(EXIT_INVARIANT) => String::from("INVARIANT BROKEN"),
            Some(code) => format!("CRASH: worker exited with {code}"),
            None => format!("CRASH: worker killed by a signal ({})", signal_of(&status)),
        }
    };
    if verdict != "ok" {
        let input = read_state(&state).ok_or("the worker died before its first input")?;
        // Hangs are kept apart: the regression test replays crashes in a debug build, where a
        // slow input is slower still, and the next fuzz run should not stall on them at once.
        let saved = save_input(if hung { "hangs" } else { "crashes" }, target, &input)?;
        if hung {
            let kept = root().join("target/fuzz-corpus").join(target.name()).join(format!("{:016x}", fnv1a(&input)));
            // Not kept there any more, or never was: either way it will not be replayed.
            let _ = fs::remove_file(kept);
        }
        println!("[{}] {verdict}\n[{}] input saved to {}", target.name(), target.name(), saved.display());
        let again = if hung {
            format!("cargo run --release --example fuzz -- repro {} {}", target.name(), saved.display())
        } else {
            format!("cargo test --test fuzz_regressions {}", target.name().replace('-', "_"))
        };
        println!("[{}] reproduce: {again}", target.name());
    }
    let _ = fs::remove_file(&state);
    Ok((stats, verdict))
}

fn signal_of(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(6) => "SIGABRT: a stack overflow, a failed allocation or an abort".into(),
        Some(9) => "SIGKILL: out of memory?".into(),
        Some(11) => "SIGSEGV".into(),
        Some(n) => format!("signal {n}"),
        None => "unknown".into(),
    }
}

fn parse_stats(fields: &str) -> Stats {
    let mut stats = Stats::default();
    for field in fields.split_whitespace() {
        let Some((key, value)) = field.split_once('=') else { continue };
        match key {
            "execs" => stats.execs = value.parse().unwrap_or(0),
            "secs" => stats.secs = value.parse().unwrap_or(0.0),
            "corpus" => stats.corpus = value.parse().unwrap_or(0),
            "new" => stats.found = value.parse().unwrap_or(0),
            "coverage" => stats.coverage = value.to_string(),
            "slowest_ms" => stats.slowest_ms = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    stats
}

/// The state file: the input's length (8 bytes, little-endian), then the input.
fn read_state(path: &Path) -> Option<Vec<u8>> {
    let bytes = fs::read(path).ok()?;
    let len = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    bytes.get(8..8 + usize::try_from(len).ok()?).map(<[u8]>::to_vec)
}

fn save_input(kind: &str, target: Target, input: &[u8]) -> Result<PathBuf, String> {
    let dir = root().join("tests/fuzz").join(kind);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("{}-{:016x}", target.name(), fnv1a(input)));
    fs::write(&path, input).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

// ---- repro ----

fn repro(args: &[String]) -> Result<ExitCode, String> {
    let (name, files) = args.split_first().ok_or("repro needs a target and files")?;
    let target = target_arg(name)?;
    let mut ok = true;
    for file in files {
        let data = fs::read(file).map_err(|e| format!("{file}: {e}"))?;
        let started = Instant::now();
        // A panic's message (and backtrace, with RUST_BACKTRACE=1) is printed by the hook.
        let result = on_target_stack(move || target.run(&data));
        let ms = started.elapsed().as_millis();
        match result {
            Ok(Ok(())) => println!("{file}: ok ({ms} ms)"),
            Ok(Err(broken)) => {
                ok = false;
                println!("{file}: INVARIANT BROKEN ({ms} ms): {broken}");
            }
            Err(_) => {
                ok = false;
                println!("{file}: PANIC ({ms} ms)");
            }
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

// ---- worker ----

/// The last panic's message and location, recorded by the hook for the report.
static PANIC_MESSAGE: Mutex<String> = Mutex::new(String::new());

fn worker(args: &[String]) -> Result<ExitCode, String> {
    let [name, seconds, seed, state] = args else { return Err("bad worker arguments".into()) };
    let target = target_arg(name)?;
    let seconds: u64 = seconds.parse().map_err(|_| "bad seconds")?;
    let seed: u64 = seed.parse().map_err(|_| "bad seed")?;
    let state = OpenOptions::new().write(true).open(state).map_err(|e| format!("{state}: {e}"))?;
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut message) = PANIC_MESSAGE.lock() {
            *message = info.to_string();
        }
    }));
    on_target_stack(move || fuzz(target, seconds, seed, state))?
}

/// Runs `f` on a thread with the extension's stack size (`targets::STACK_BYTES`, or
/// `FUZZ_STACK_KB`), so recursion too deep for WebAssembly overflows here as well.
fn on_target_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let bytes = std::env::var("FUZZ_STACK_KB")
        .ok()
        .and_then(|kb| kb.parse::<usize>().ok())
        .map_or(targets::STACK_BYTES, |kb| kb * 1024);
    let thread = std::thread::Builder::new().stack_size(bytes).spawn(f).map_err(|e| e.to_string())?;
    thread.join().map_err(|_| String::from("the target thread panicked"))
}

fn fuzz(target: Target, seconds: u64, seed: u64, state: File) -> Result<ExitCode, String> {
    let name = target.name();
    let mut fuzzer = Fuzzer {
        target,
        state,
        scratch: Vec::new(),
        corpus: Vec::new(),
        seen: vec![0; coverage::total()],
        snapshot: Vec::new(),
        recheck: Vec::new(),
        saved_dir: root().join("target/fuzz-corpus").join(target.name()),
        execs: 0,
        found: 0,
        slowest: Duration::ZERO,
        slowest_input: Vec::new(),
    };
    let tag = format!("[{}]", target.name());
    let began = Instant::now();
    let inputs = load_inputs(target);
    let replayed = inputs.len();
    let mut pruned = 0;
    for (input, kept_at) in inputs {
        let new = fuzzer.exec(&input);
        match kept_at {
            // Distil what earlier runs kept: an input that adds nothing now is dropped.
            Some(path) if !new => {
                pruned += usize::from(fs::remove_file(path).is_ok());
            }
            _ => fuzzer.corpus.push(input),
        }
    }
    if fuzzer.corpus.is_empty() {
        return Err(format!("no corpus in tests/fuzz/corpus/{name}"));
    }
    match coverage::total() {
        0 => println!("{tag} replayed {replayed} inputs; coverage off (build with tests/fuzz/run.sh to guide by coverage)"),
        total => println!(
            "{tag} replayed {replayed} inputs ({pruned} that add nothing now dropped); coverage {}/{total} counters",
            coverage::hit(&fuzzer.seen)
        ),
    }

    let mut mutator = Mutator { rng: Rng(seed ^ fnv1a(name.as_bytes())), dict: dictionary(target), max: target.max_len() };
    // SECONDS of fuzzing, after the replay above.
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut next_report = Instant::now() + Duration::from_secs(10);
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        if now >= next_report {
            next_report = now + Duration::from_secs(10);
            let secs = now.duration_since(began).as_secs_f64();
            println!(
                "{tag} {secs:>5.0} s: {} execs ({:.0}/s), corpus {}, coverage {}",
                fuzzer.execs,
                fuzzer.execs as f64 / secs,
                fuzzer.corpus.len(),
                coverage::hit(&fuzzer.seen)
            );
        }
        let input = mutator.mutate(&fuzzer.corpus);
        if fuzzer.exec(&input) {
            fuzzer.keep(input);
        }
    }
    let secs = began.elapsed().as_secs_f64();
    // The slowest input is where a time limit would break first: keep it to look at.
    let kept = root().join("target/fuzz-corpus");
    let slowest = kept.join(format!("slowest-{name}"));
    if fs::create_dir_all(&kept).and_then(|()| fs::write(&slowest, &fuzzer.slowest_input)).is_ok() {
        println!("{tag} slowest input ({} ms): {}", fuzzer.slowest.as_millis(), slowest.display());
    }
    println!(
        "stats execs={} secs={secs:.1} corpus={} new={} coverage={}/{} slowest_ms={}",
        fuzzer.execs,
        fuzzer.corpus.len(),
        fuzzer.found,
        coverage::hit(&fuzzer.seen),
        coverage::total(),
        fuzzer.slowest.as_millis()
    );
    Ok(ExitCode::SUCCESS)
}

/// Seed corpus, saved crashes, and inputs kept by earlier runs (with their path), in that order.
fn load_inputs(target: Target) -> Vec<(Vec<u8>, Option<PathBuf>)> {
    let prefix = format!("{}-", target.name());
    let mut fixed = files_in(&root().join("tests/fuzz/corpus").join(target.name()));
    fixed.extend(files_in(&root().join("tests/fuzz/crashes")).into_iter().filter(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix))
    }));
    let kept = files_in(&root().join("target/fuzz-corpus").join(target.name()));
    let fixed = fixed.into_iter().map(|p| (p, false));
    fixed
        .chain(kept.into_iter().map(|p| (p, true)))
        .filter_map(|(p, prunable)| Some((fs::read(&p).ok()?, prunable.then_some(p))))
        .filter(|(data, _)| data.len() <= target.max_len())
        .collect()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

struct Fuzzer {
    target: Target,
    state: File,
    scratch: Vec<u8>,
    corpus: Vec<Vec<u8>>,
    /// Per coverage counter, the hit-count buckets seen so far (one bit each).
    seen: Vec<u8>,
    /// Counters of the last run, and of its re-run when it looked new.
    snapshot: Vec<u8>,
    recheck: Vec<u8>,
    saved_dir: PathBuf,
    execs: u64,
    found: usize,
    slowest: Duration,
    slowest_input: Vec<u8>,
}

impl Fuzzer {
    /// Runs one input; exits the process on a panic or a broken invariant (the supervisor
    /// saves the input). Returns whether it reached new coverage.
    ///
    /// Some coverage is not a function of the input alone (hash maps are randomly seeded, so
    /// their probe loops vary), so an input that looks new is run again and kept only for the
    /// edges both runs took; edges that flicker are marked seen so they stop looking new.
    fn exec(&mut self, data: &[u8]) -> bool {
        let mut first = std::mem::take(&mut self.snapshot);
        self.run_once(data, &mut first);
        let new = coverage::novel(&self.seen, &first) && {
            let mut second = std::mem::take(&mut self.recheck);
            self.run_once(data, &mut second);
            let new = coverage::merge(&mut self.seen, &first, &second);
            self.recheck = second;
            new
        };
        self.snapshot = first;
        new
    }

    fn run_once(&mut self, data: &[u8], counters: &mut Vec<u8>) {
        // Written before every run: the supervisor times each run by this file's mtime.
        self.scratch.clear();
        self.scratch.extend_from_slice(&(data.len() as u64).to_le_bytes());
        self.scratch.extend_from_slice(data);
        if let Err(e) = self.state.write_all_at(&self.scratch, 0) {
            println!("[{}] cannot write the state file: {e}", self.target.name());
            std::process::exit(1);
        }
        let target = self.target;
        coverage::reset();
        let started = Instant::now();
        let result = std::panic::catch_unwind(|| target.run(data));
        let took = started.elapsed();
        coverage::snapshot(counters);
        self.execs += 1;
        if took > self.slowest {
            self.slowest = took;
            self.slowest_input = data.to_vec();
        }
        match result {
            Ok(Ok(())) => {}
            Ok(Err(broken)) => {
                println!("[{}] invariant broken: {broken}", target.name());
                std::process::exit(EXIT_INVARIANT);
            }
            Err(_) => {
                let message = PANIC_MESSAGE.lock().map(|m| m.clone()).unwrap_or_default();
                println!("[{}] {message}", target.name());
                std::process::exit(EXIT_PANIC);
            }
        }
    }

    fn keep(&mut self, input: Vec<u8>) {
        self.found += 1;
        if fs::create_dir_all(&self.saved_dir).is_ok() {
            // Losing a kept input only loses progress, not a finding.
            let _ = fs::write(self.saved_dir.join(format!("{:016x}", fnv1a(&input))), &input);
        }
        if self.corpus.len() < MAX_CORPUS {
            self.corpus.push(input);
        }
    }
}

// ---- mutation ----

struct Mutator {
    rng: Rng,
    dict: Vec<&'static [u8]>,
    max: usize,
}

/// Bytes that matter to some parser: delimiters, whitespace, line ends, quotes, escapes.
const INTERESTING_BYTES: &[u8] = b"\0\t\n\r \"#&'()*-:;<>[\\]_`{}\x7f\x80\xc3\xe2\xed\xef\xf0\xff";

/// Numbers that stress parsers: zero, signs, type edges, overflows, exponents, padding.
const INTERESTING_NUMBERS: &[&str] = &[
    "0", "1", "-1", "7", "255", "256", "65535", "65536", "2147483648", "4294967296",
    "18446744073709551615", "18446744073709551616", "99999999999999999999999", "1e309", "-0",
    "0.5", "1.5e3", "00000000000000000001", "NaN",
];

/// Characters that are not one byte: accents, CJK, emoji, BOM, RTL and line separators, and
/// byte sequences that are not UTF-8 at all.
const UNICODE: &[&[u8]] = &[
    "é".as_bytes(), "日本".as_bytes(), "🦀".as_bytes(), "\u{feff}".as_bytes(), "\u{200f}".as_bytes(),
    "\u{2028}".as_bytes(), "\u{0301}".as_bytes(), "\u{fffd}".as_bytes(), "\u{00a0}".as_bytes(),
    b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xc0\xaf",
];

impl Mutator {
    fn mutate(&mut self, corpus: &[Vec<u8>]) -> Vec<u8> {
        let mut data = corpus.get(self.rng.below(corpus.len())).cloned().unwrap_or_default();
        let rounds = 1usize << self.rng.below(4);
        for _ in 0..rounds {
            self.mutate_once(&mut data, corpus);
        }
        data.truncate(self.max);
        data
    }

    /// A length for an edited range: mostly short, sometimes long.
    fn span(&mut self, limit: usize) -> usize {
        let cap = [8, 64, 1024][self.rng.below(3)].min(limit);
        1 + self.rng.below(cap.max(1))
    }

    fn token(&mut self) -> &'static [u8] {
        self.dict.get(self.rng.below(self.dict.len())).copied().unwrap_or(b"\n")
    }

    fn mutate_once(&mut self, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        let len = data.len();
        let pos = self.rng.below(len + 1);
        match self.rng.below(16) {
            // Flip one bit.
            0 if len > 0 => {
                let i = self.rng.below(len);
                data[i] ^= 1 << self.rng.below(8);
            }
            // Overwrite a byte with one that matters.
            1 if len > 0 => {
                let i = self.rng.below(len);
                data[i] = INTERESTING_BYTES[self.rng.below(INTERESTING_BYTES.len())];
            }
            // Insert random bytes.
            2 => {
                let n = self.span(16);
                let bytes: Vec<u8> = (0..n).map(|_| self.rng.next_u64() as u8).collect();
                data.splice(pos..pos, bytes);
            }
            // Delete a range.
            3 if len > 0 => {
                let end = (pos + self.span(len)).min(len);
                data.drain(pos.min(end)..end);
            }
            // Duplicate a range somewhere else.
            4 if len > 0 => {
                let start = self.rng.below(len);
                let end = (start + self.span(len - start)).min(len);
                let copy = data[start..end].to_vec();
                data.splice(pos..pos, copy);
            }
            // Insert a token (twice as likely: structure matters most).
            5 | 6 => {
                let token = self.token();
                data.splice(pos..pos, token.iter().copied());
            }
            // Replace a token that is present with another one.
            7 => {
                let from = self.token();
                if let Some(at) = find(data, from, pos) {
                    let to = self.token();
                    data.splice(at..at + from.len(), to.iter().copied());
                }
            }
            // Repeat a token many times: deep nesting, long runs of markers.
            8 => {
                let token = self.token();
                let most = [16, 256, 4096][self.rng.below(3)];
                let times = 1 + self.rng.below(most);
                let room = self.max.saturating_sub(len) / token.len().max(1);
                let repeated = token.repeat(times.min(room));
                data.splice(pos..pos, repeated);
            }
            // Splice in a range of another input.
            9 => {
                if let Some(other) = corpus.get(self.rng.below(corpus.len())) {
                    if !other.is_empty() {
                        let start = self.rng.below(other.len());
                        let end = (start + self.span(other.len() - start)).min(other.len());
                        let cut = (pos + self.rng.below(len - pos + 1)).min(len);
                        data.splice(pos..cut, other[start..end].iter().copied());
                    }
                }
            }
            // Cross over: this input's head, another's tail.
            10 => {
                if let Some(other) = corpus.get(self.rng.below(corpus.len())) {
                    let from = self.rng.below(other.len() + 1);
                    data.truncate(pos);
                    data.extend_from_slice(&other[from..]);
                }
            }
            // Line edits: duplicate, delete or swap whole lines (SSE fields, NDJSON, Markdown).
            11 => self.edit_lines(data),
            // Replace a number.
            12 => {
                if let Some(start) = data.iter().skip(pos).position(u8::is_ascii_digit).map(|i| i + pos) {
                    let end = start + data[start..].iter().take_while(|b| b.is_ascii_digit()).count();
                    let number = INTERESTING_NUMBERS[self.rng.below(INTERESTING_NUMBERS.len())];
                    data.splice(start..end, number.bytes());
                }
            }
            // Insert a multi-byte character or an invalid UTF-8 sequence.
            13 => {
                let bytes = UNICODE[self.rng.below(UNICODE.len())];
                data.splice(pos..pos, bytes.iter().copied());
            }
            // Flip the case of a letter (`<DIV>`, `HTTPS://`, `Data:`).
            14 if len > 0 => {
                let i = self.rng.below(len);
                if data[i].is_ascii_alphabetic() {
                    data[i] ^= 0x20;
                }
            }
            // Cut the input short (a stream that stops, a page that ends mid-tag).
            15 => data.truncate(pos),
            _ => {}
        }
    }

    fn edit_lines(&mut self, data: &mut Vec<u8>) {
        let mut starts = vec![0];
        starts.extend(data.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(i, _)| i + 1));
        let line = |i: usize, data: &[u8]| -> (usize, usize) {
            let start = starts[i];
            let end = starts.get(i + 1).copied().unwrap_or(data.len());
            (start, end)
        };
        let (a_start, a_end) = line(self.rng.below(starts.len()), data);
        let (b_start, b_end) = line(self.rng.below(starts.len()), data);
        match self.rng.below(3) {
            0 => {
                let copy = data[a_start..a_end].to_vec();
                data.splice(b_start..b_start, copy);
            }
            1 => {
                data.drain(a_start..a_end);
            }
            _ if a_end <= b_start => {
                let b = data[b_start..b_end].to_vec();
                let a = data[a_start..a_end].to_vec();
                data.splice(b_start..b_end, a);
                data.splice(a_start..a_end, b);
            }
            _ => {}
        }
    }
}

/// The first occurrence of `needle` at or after `from`, else the first before it.
fn find(data: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || needle.len() > data.len() {
        return None;
    }
    let windows = || data.windows(needle.len());
    windows().skip(from).position(|w| w == needle).map(|i| i + from).or_else(|| windows().position(|w| w == needle))
}

/// Tokens of each target's input language, inserted and swapped by the mutator.
fn dictionary(target: Target) -> Vec<&'static [u8]> {
    const COMMON: &[&str] = &[
        "\n", "\r\n", "\r", "\n\n", " ", "\t", "\"", "\\", "\\u0000", "\\ud800", "<think>", "</think>",
        "[[", "]]", "**", "*", "_", "`", "[", "](", ")", "![", "http://", "https://", "javascript:",
        "data:",
    ];
    const HTML: &[&str] = &[
        "<", ">", "</", "/>", "<p>", "</p>", "<div>", "</div>", "<span>", "<br>", "<hr>", "<b>", "</b>",
        "<i>", "<em>", "<strong>", "<code>", "</code>", "<pre>", "</pre>", "<h1>", "</h1>", "<h3>",
        "<ul>", "<ol>", "<li>", "</li>", "<dl><dt>", "<dd>", "<table>", "<tr>", "<td>", "<th>", "</td>",
        "</tr>", "</table>", "<caption>", "<blockquote>", "<figure>", "<figcaption>", "<article>",
        "<section>", "<main>", "<header>", "<footer>", "<nav>", "<aside>", "<a href=\"", "\">", "</a>",
        "<a href=https://example.com/x>", "<a href=\" javascript:alert(1)\">", "<img src=x onerror=alert(1) alt=\"",
        "<svg onload=alert(1)>", "<math><mi>x</mi></math>", "<script>", "</script>", "<style>", "</style>",
        "<iframe srcdoc=\"<p>x\">", "<noscript>", "<template>", "<textarea>", "<select><option>",
        "<plaintext>", "<xmp>", "<frameset>", "<object>", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>",
        "<html lang=\"", "<html dir=rtl>", "<head>", "<body>", "<title>", "</title>", "<base href=\"",
        "<meta name=\"author\" content=\"", "<meta property=\"og:title\" content=\"",
        "<meta charset=\"shift_jis\">", "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"NewsArticle\",\"headline\":\"",
        " hidden", " class=\"comment\"", " id=\"content\"", " class=\"article-body\"", " style=\"display:none\"",
        " aria-hidden=\"true\"", "&amp;", "&lt;", "&#x0;", "&#xD800;", "&#1114112;", "&nbsp;", "&", "=\"",
    ];
    const SSE: &[&str] = &[
        "data: ", "data:", "event: ", "event: error\n", "event: message_stop\n", ": ping\n", ":\n",
        "id: 1\n", "retry: 10\n", "data: [DONE]\n\n", "[DONE]", "{", "}", "[", "]", ":", ",", "null",
        "true", "false", "{}", "[]", "\"\"",
    ];
    const ERRORS: &[&str] = &[
        "\"error\":{\"type\":\"overloaded_error\",\"message\":\"m\"}", "\"error\":null",
        "\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\",\"message\":\"m\"}",
        "\"error\":{\"message\":\"m\",\"type\":\"insufficient_quota\",\"code\":\"context_length_exceeded\"}",
        "\"error\":{\"code\":502,\"message\":\"m\",\"metadata\":{\"raw\":\"x\"}}", "\"error\":\"e\"",
        "\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"1.5s\"}]",
        "\"retryDelay\":\"99999999999999999999s\"", "\"code\":529", "\"code\":-1", "\"status\":\"UNAVAILABLE\"",
    ];
    const ANTHROPIC: &[&str] = &[
        "\"type\":\"message_start\"", "\"type\":\"content_block_start\"", "\"type\":\"content_block_delta\"",
        "\"type\":\"message_delta\"", "\"type\":\"message_stop\"", "\"type\":\"error\"", "\"type\":\"ping\"",
        "\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}", "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"t\"}",
        "\"content_block\":{\"type\":\"text\",\"text\":\"x\"}", "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"t\"}",
        "\"stop_reason\":\"end_turn\"", "\"stop_reason\":null", "\"usage\":{\"input_tokens\":1,\"output_tokens\":2}",
        "\"message\":{\"usage\":{\"input_tokens\":18446744073709551615}}",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n",
    ];
    const OPENAI: &[&str] = &[
        "\"choices\":[]", "\"choices\":[{\"delta\":{\"content\":\"x\"}}]", "\"choices\":null", "\"delta\":null",
        "\"content\":\"x\"", "\"content\":null", "\"reasoning_content\":\"r\"", "\"reasoning\":\"r\"",
        "\"finish_reason\":\"stop\"", "\"finish_reason\":\"error\"", "\"finish_reason\":null",
        "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}", "\"usage\":null",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n",
    ];
    const GEMINI: &[&str] = &[
        "\"candidates\":[]", "\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}]", "\"parts\":[]",
        "\"parts\":[{\"text\":\"x\",\"thought\":true}]", "\"thought\":true", "\"finishReason\":\"STOP\"",
        "\"finishReason\":\"MAX_TOKENS\"", "\"promptFeedback\":{\"blockReason\":\"SAFETY\"}",
        "\"usageMetadata\":{\"promptTokenCount\":1,\"candidatesTokenCount\":2}",
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n",
    ];
    const OLLAMA: &[&str] = &[
        "{", "}", ":", ",", "null", "true", "false", "\"done\":true", "\"done\":false", "\"done\":null",
        "\"message\":{\"role\":\"assistant\",\"content\":\"x\"}", "\"message\":{\"thinking\":\"t\"}", "\"response\":\"x\"",
        "\"thinking\":\"t\"", "\"done_reason\":\"stop\"", "\"eval_count\":1", "\"prompt_eval_count\":18446744073709551616",
        "{\"message\":{\"content\":\"x\"},\"done\":false}\n", "{\"done\":true}\n",
    ];
    const TRANSLATION: &[&str] = &[
        "[[1]] ", "[[2]] ", "[[3]]", "[[4]]", "[[8]]", "[[9]]", "[[0]]", "[[01]]", "[[18446744073709551616]]",
        "\n[[", "]] ", "  [[", "[[\u{00a0}1]]", "[t](https://example.com/1)", "[t](https://example.com/2)",
        "[t](https://evil.example/)", "![i](https://example.com/1)", "**", "`", "\u{3000}",
    ];
    const DIGEST: &[&str] = &[
        "## Key points\n", "## Summary\n", "## Details\n", "# ", "### ", "**Summary**\n", "**Key points:**\n",
        "- ", "* ", "• ", "· ", "– ", "1. ", "12) ", "123. ", "**Label**: ", "**Label:** ", "Label: ",
        "：", ":", "\n\n", "[x](https://example.com)", "[x](javascript:alert(1))", "![x](https://example.com/i.png)",
    ];
    const INLINE: &[&str] = &[
        "**", "__", "*", "_", "`", "``", "***", "[", "]", "(", ")", "](", "![", "[a](", "](https://e.com)",
        "](javascript:alert(1))", "](HTTPS://E.COM)", "]( https://e.com )", "\\*", "a_b", " * ", "<b>", "&amp;",
    ];
    let lists: &[&[&str]] = match target {
        Target::Extract => &[HTML],
        Target::Stream(gloss::llm::wire::Wire::Anthropic) => &[SSE, ERRORS, ANTHROPIC],
        Target::Stream(gloss::llm::wire::Wire::OpenAi) => &[SSE, ERRORS, OPENAI],
        Target::Stream(gloss::llm::wire::Wire::Gemini) => &[SSE, ERRORS, GEMINI],
        Target::Stream(gloss::llm::wire::Wire::OllamaNative) => &[OLLAMA, ERRORS],
        Target::Translation => &[TRANSLATION],
        Target::Digest => &[DIGEST],
        Target::Inline => &[INLINE],
    };
    lists.iter().copied().chain([COMMON]).flatten().map(|s| s.as_bytes()).collect()
}

// ---- coverage ----

/// SanitizerCoverage's inline 8-bit counters, when the build has them (`tests/fuzz/run.sh`
/// passes `-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-inline-8bit-counters`, all
/// stable flags). Every instrumented object registers its counter array at load time through
/// `__sanitizer_cov_8bit_counters_init`; each edge the code takes bumps its counter. Without
/// those flags nothing registers and the fuzzer runs blind.
mod coverage {
    use std::sync::atomic::{AtomicUsize, Ordering};

    const MAX_REGIONS: usize = 8192;
    static STARTS: [AtomicUsize; MAX_REGIONS] = [const { AtomicUsize::new(0) }; MAX_REGIONS];
    static LENS: [AtomicUsize; MAX_REGIONS] = [const { AtomicUsize::new(0) }; MAX_REGIONS];
    static REGIONS: AtomicUsize = AtomicUsize::new(0);

    /// Called by the instrumentation before `main`, once per instrumented object.
    #[no_mangle]
    pub extern "C" fn __sanitizer_cov_8bit_counters_init(start: *mut u8, stop: *mut u8) {
        let i = REGIONS.fetch_add(1, Ordering::SeqCst);
        if let (Some(s), Some(l)) = (STARTS.get(i), LENS.get(i)) {
            s.store(start as usize, Ordering::SeqCst);
            l.store((stop as usize).saturating_sub(start as usize), Ordering::SeqCst);
        }
    }

    fn regions() -> impl Iterator<Item = &'static mut [u8]> {
        let n = REGIONS.load(Ordering::SeqCst).min(MAX_REGIONS);
        (0..n).filter_map(|i| {
            let start = STARTS[i].load(Ordering::SeqCst) as *mut u8;
            let len = LENS[i].load(Ordering::SeqCst);
            // SAFETY: the instrumentation registered `start..start+len` as a static counter
            // array that lives for the whole process. The worker runs targets on this one
            // thread, so nothing bumps the counters while this slice is in use.
            (!start.is_null() && len > 0).then(|| unsafe { std::slice::from_raw_parts_mut(start, len) })
        })
    }

    /// Number of counters (edges) in the build; 0 without instrumentation.
    pub fn total() -> usize {
        regions().map(|r| r.len()).sum()
    }

    pub fn reset() {
        for region in regions() {
            region.fill(0);
        }
    }

    /// AFL's hit-count buckets: a loop running 3 times or 40 is different behaviour.
    fn bucket(count: u8) -> u8 {
        match count {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => 4,
            4..=7 => 8,
            8..=15 => 16,
            16..=31 => 32,
            32..=127 => 64,
            _ => 128,
        }
    }

    /// Copies the counters out. This copy is instrumented code too, but it takes the same
    /// edges every time, so the input's coverage is not mixed with the driver's own.
    pub fn snapshot(into: &mut Vec<u8>) {
        into.clear();
        for region in regions() {
            into.extend_from_slice(region);
        }
    }

    /// The non-zero counters in `counters`, eight at a time (most words are zero).
    fn hits<'a>(counters: &'a [u8], seen: &'a [u8]) -> impl Iterator<Item = (usize, u8)> + 'a {
        counters
            .chunks(8)
            .enumerate()
            .filter(|(_, chunk)| <[u8; 8]>::try_from(*chunk).map_or(true, |w| u64::from_ne_bytes(w) != 0))
            .flat_map(|(i, chunk)| chunk.iter().enumerate().map(move |(j, &c)| (i * 8 + j, c)))
            .filter(move |&(k, c)| c != 0 && k < seen.len())
    }

    /// Whether a run reached a hit-count bucket not seen before.
    pub fn novel(seen: &[u8], counters: &[u8]) -> bool {
        hits(counters, seen).any(|(k, c)| bucket(c) & !seen[k] != 0)
    }

    /// Marks both runs' buckets seen; true if a bucket new before it was reached by both.
    pub fn merge(seen: &mut [u8], first: &[u8], second: &[u8]) -> bool {
        let mut new = false;
        for (k, c) in hits(first, seen).collect::<Vec<_>>() {
            let both = bucket(c) & second.get(k).map_or(0, |&d| bucket(d));
            new |= both & !seen[k] != 0;
            seen[k] |= bucket(c);
        }
        for (k, d) in hits(second, seen).collect::<Vec<_>>() {
            seen[k] |= bucket(d);
        }
        new
    }

    /// Edges taken at least once so far.
    pub fn hit(seen: &[u8]) -> usize {
        seen.iter().filter(|&&s| s != 0).count()
    }
}

//! Shared by the integration tests that compile C and C++ against the library: finding the
//! compilers and `libzx_abi.a`, compiling, running.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate's directory (`abi/`).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The one include directory of the headers.
pub fn include_dir() -> PathBuf {
    crate_dir().join("include")
}

/// A scratch directory for this test's outputs.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zx-abi").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The compiler named by `var` (`CC`, `CXX`), else `default`; `None` when it does not run.
/// Missing compilers fail the test under `CI=true` and skip it (with a message) elsewhere.
pub fn compiler(var: &str, default: &str) -> Option<String> {
    let cc = std::env::var(var).unwrap_or_else(|_| default.to_string());
    let works = Command::new(&cc).arg("--version").output().is_ok_and(|o| o.status.success());
    if works {
        return Some(cc);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!ci, "{var} compiler `{cc}` not found, and CI=true: the C/C++ tests cannot be skipped");
    eprintln!("skipping: {var} compiler `{cc}` not found (set CI=true to make this a failure)");
    None
}

/// `libzx_abi.a`, which cargo builds next to this test executable (in `deps/`) before it
/// runs the test, as the library target of the package under test.
pub fn static_library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    for candidate in [deps.join("libzx_abi.a"), deps.parent().unwrap().join("libzx_abi.a")] {
        if candidate.exists() {
            return candidate;
        }
    }
    panic!("libzx_abi.a not found next to {}", exe.display());
}

/// Runs a command, panicking with its output when it fails.
pub fn run_ok(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Compiles and links `sources` against the static library with exactly the flags the README
/// shows, returning the program.
pub fn build_program(cc: &str, std: &str, sources: &[&Path], out: &Path) -> PathBuf {
    let mut command = Command::new(cc);
    command.arg(format!("-std={std}")).args(["-Wall", "-Wextra", "-Werror"]);
    command.arg("-I").arg(include_dir()).args(sources).arg(static_library());
    command.args(["-lpthread", "-ldl", "-lm", "-o"]).arg(out);
    run_ok(&mut command);
    out.to_path_buf()
}

/// The last non-empty line of a program's standard output.
pub fn last_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string()
}

/// How many lines of `source` start with one of `prefixes` (test definitions).
pub fn count_definitions(source: &str, prefixes: &[&str]) -> usize {
    source.lines().filter(|l| prefixes.iter().any(|p| l.starts_with(p))).count()
}

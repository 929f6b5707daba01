//! Embeds every `tests/scenarios/*.zxs` file of the workspace into the `zxemu` binary: writes
//! `$OUT_DIR/builtin_scenarios.rs`, a sorted list of `(file name, include_str!(path))`.

use std::path::{Path, PathBuf};
use std::{env, fs, io};

fn main() -> io::Result<()> {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dir = manifest.join("..").join("tests").join("scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = scenario_files(&dir)?;
    files.sort();
    let mut code = String::from("&[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("]\n");
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    fs::write(out.join("builtin_scenarios.rs"), code)
}

/// The `.zxs` files directly in `dir` (none if it does not exist).
fn scenario_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "zxs") {
            files.push(path);
        }
    }
    Ok(files)
}

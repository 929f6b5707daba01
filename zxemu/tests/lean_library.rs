//! The embeddable library stays lean: none of the command's crates in `zx-kernel`'s tree.

#[test]
fn zx_kernel_depends_on_no_command_line_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let out = std::process::Command::new(cargo)
        .args(["tree", "--offline", "--manifest-path", manifest])
        .args(["-p", "zx-kernel", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .output()
        .expect("run cargo tree");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo tree failed: {stderr}");
    let tree = String::from_utf8(out.stdout).unwrap();
    let crates: Vec<&str> = tree.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(crates.contains(&"zx-vm"), "{tree}");
    for banned in ["clap", "serde", "serde_json", "tracing-subscriber", "regex", "zxemu"] {
        assert!(!crates.contains(&banned), "zx-kernel pulls in {banned}:\n{tree}");
    }
}

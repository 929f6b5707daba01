//! Compiles the C test program and the C++ zxtest suite against `libzx_abi.a` with the
//! system's `cc` and `c++`, runs them, and checks that every test they define ran and passed.

mod support;

use std::process::Command;

use support::*;

const C_TEST: &str = "tests/c/abi_test.c";
const CPP_TEST: &str = "tests/cpp/abi_test.cc";
const TEST_PREFIXES: &[&str] = &["TEST(", "TEST_F("];

fn cpp_test_count() -> usize {
    let source = std::fs::read_to_string(crate_dir().join(CPP_TEST)).unwrap();
    count_definitions(&source, TEST_PREFIXES)
}

#[test]
fn c_program_passes_every_case() {
    let Some(cc) = compiler("CC", "cc") else { return };
    let source = crate_dir().join(C_TEST);
    let cases = count_definitions(&std::fs::read_to_string(&source).unwrap(), &["CASE("]);
    assert!(cases >= 25, "the C program defines {cases} cases");
    let program = build_program(&cc, "c11", &[&source], &scratch("c").join("abi_test"));
    let output = run_ok(&mut Command::new(program));
    assert_eq!(last_line(&output), format!("{cases} passed, 0 failed"));
}

#[test]
fn cpp_suite_passes_every_test() {
    let Some(cxx) = compiler("CXX", "c++") else { return };
    let tests = cpp_test_count();
    assert!(tests >= 25, "the C++ suite defines {tests} tests");
    let source = crate_dir().join(CPP_TEST);
    let program = build_program(&cxx, "c++17", &[&source], &scratch("cpp").join("abi_test"));
    let output = run_ok(Command::new(program).arg(format!("--zxtest_expect={tests}")));
    assert_eq!(last_line(&output), format!("{tests} passed, 0 failed"));
}

#[test]
fn cpp_suite_filter_selects_globs_and_excludes_negatives() {
    let Some(cxx) = compiler("CXX", "c++") else { return };
    let source_text = std::fs::read_to_string(crate_dir().join(CPP_TEST)).unwrap();
    let pin_tests = count_definitions(&source_text, &["TEST_F(PinFixture,"]);
    let source = crate_dir().join(CPP_TEST);
    let program = build_program(&cxx, "c++17", &[&source], &scratch("filter").join("abi_test"));
    let output = run_ok(Command::new(&program).arg("--gtest_filter=Pin*-*Rights:*Contiguous*"));
    assert_eq!(last_line(&output), format!("{} passed, 0 failed", pin_tests - 2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("PinChecksRights") && stdout.contains("ClosedPmtQuarantines"));
    let output = run_ok(Command::new(&program).arg("--gtest_filter=NoSuchSuite.*"));
    assert_eq!(last_line(&output), "0 passed, 0 failed");
}

/// A test file whose failures are deliberate: the runner must count them, exit non-zero and
/// still print the summary last.
const FAILING: &str = r#"
#include <zxtest/zxtest.h>
#include <lib/zx/vmo.h>
TEST(Deliberate, Passes) { EXPECT_OK(ZX_OK); }
TEST(Deliberate, ExpectGoesOn) {
  EXPECT_EQ(1, 2, "first %s", "failure");
  EXPECT_STATUS(zx_handle_close(3), ZX_OK);
  printf("reached after EXPECT\n");
}
TEST(Deliberate, AssertStops) {
  zx::vmo vmo;
  ASSERT_STATUS(zx::vmo::create(1, 0, &vmo), ZX_ERR_NO_MEMORY);
  printf("NOT REACHED\n");
}
"#;

#[test]
fn zxtest_counts_failures_and_fails_the_run() {
    let Some(cxx) = compiler("CXX", "c++") else { return };
    let dir = scratch("failing");
    let source = dir.join("failing.cc");
    std::fs::write(&source, FAILING).unwrap();
    let program = build_program(&cxx, "c++17", &[&source], &dir.join("failing"));
    let output = Command::new(program).output().unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(last_line(&output), "1 passed, 2 failed", "{stdout}");
    assert!(stdout.contains("reached after EXPECT") && !stdout.contains("NOT REACHED"));
    assert!(stdout.contains("first failure") && stdout.contains("ZX_ERR_BAD_HANDLE"));
}

/// Tests in an archive member that nothing references are dropped by the linker; the count
/// the runner is given makes that a failure instead of a silent pass.
#[test]
fn dropped_registrations_fail_the_run() {
    let Some(cxx) = compiler("CXX", "c++") else { return };
    let dir = scratch("dropped");
    let tests = dir.join("tests.cc");
    std::fs::write(&tests, "#define ZXTEST_NO_MAIN\n#include <zxtest/zxtest.h>\nTEST(Lost, One) {}\nTEST(Lost, Two) {}\n").unwrap();
    let main = dir.join("main.cc");
    std::fs::write(&main, "#include <zxtest/zxtest.h>\n").unwrap();
    let object = dir.join("tests.o");
    run_ok(
        Command::new(&cxx)
            .args(["-std=c++17", "-Wall", "-Werror", "-c", "-I"])
            .arg(include_dir())
            .arg(&tests)
            .arg("-o")
            .arg(&object),
    );
    let archive = dir.join("libtests.a");
    let _ = std::fs::remove_file(&archive);
    run_ok(Command::new("ar").arg("rcs").arg(&archive).arg(&object));
    let program = dir.join("dropped");
    run_ok(
        Command::new(&cxx)
            .args(["-std=c++17", "-Wall", "-Werror", "-I"])
            .arg(include_dir())
            .arg(&main)
            .arg(&archive)
            .arg(static_library())
            .args(["-lpthread", "-ldl", "-lm", "-o"])
            .arg(&program),
    );
    let output = Command::new(&program).arg("--zxtest_expect=2").output().unwrap();
    assert!(!output.status.success(), "a run that lost its tests must fail");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("0 tests registered, 2 expected"), "{stdout}");
    let output = Command::new(&program).env("ZXTEST_EXPECTED_TESTS", "2").output().unwrap();
    assert!(!output.status.success());
}

/// Every header compiles on its own, in C (all but the C++ ones) and in C++, warning-free.
#[test]
fn every_header_compiles_alone() {
    let (Some(cc), Some(cxx)) = (compiler("CC", "cc"), compiler("CXX", "c++")) else { return };
    let include = include_dir();
    let mut headers = Vec::new();
    for dir in ["zircon", "zircon/syscalls", "zxemu", "lib/zx", "zxtest"] {
        for entry in std::fs::read_dir(include.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "h") {
                headers.push(path.strip_prefix(&include).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    assert!(headers.len() >= 25, "{headers:?}");
    let dir = scratch("headers");
    for header in &headers {
        let cpp_only = header.starts_with("lib/") || header.starts_with("zxtest/");
        let stem = header.replace('/', "_");
        let source = dir.join(format!("{stem}.c"));
        std::fs::write(&source, format!("#include <{header}>\n#include <{header}>\n")).unwrap();
        let mut compilers = vec![(&cxx, "c++17", "c++")];
        if !cpp_only {
            compilers.push((&cc, "c11", "c"));
        }
        for (compiler, std, lang) in compilers {
            run_ok(
                Command::new(compiler)
                    .args(["-x", lang, &format!("-std={std}"), "-Wall", "-Wextra", "-Werror"])
                    .arg("-fsyntax-only")
                    .arg("-I")
                    .arg(&include)
                    .arg(&source),
            );
        }
    }
}

/// The README's C program and C++ test, extracted from its "C and C++" section, compiled with
/// the commands it shows and run with the output it promises.
#[test]
fn readme_examples_compile_and_run() {
    let (Some(cc), Some(cxx)) = (compiler("CC", "cc"), compiler("CXX", "c++")) else { return };
    let readme = std::fs::read_to_string(crate_dir().join("../README.md")).unwrap();
    let start = readme.find("## C and C++").expect("the README has a C and C++ section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let block = |lang: &str| {
        let open = format!("```{lang}\n");
        let from = section.find(&open).unwrap_or_else(|| panic!("no {lang} block")) + open.len();
        section[from..from + section[from..].find("```").unwrap()].to_string()
    };
    let commands = block("sh");
    let flags = |tool: &str| {
        let line = commands.lines().find(|l| l.starts_with(tool)).unwrap();
        line.split_whitespace().skip(1).map(str::to_string).collect::<Vec<_>>()
    };
    let dir = scratch("readme");
    std::fs::write(dir.join("hello.c"), block("c")).unwrap();
    std::fs::write(dir.join("vmo_test.cc"), block("cpp")).unwrap();
    let workspace = crate_dir().join("..");
    for (tool, compiler) in [("cc ", &cc), ("c++ ", &cxx)] {
        let mut command = Command::new(compiler);
        command.current_dir(&dir);
        for arg in flags(tool) {
            // The README names paths from the workspace root; the library is the one cargo
            // built for this test.
            if arg == "abi/include" {
                command.arg(workspace.join("abi/include"));
            } else if arg.ends_with("libzx_abi.a") {
                command.arg(static_library());
            } else {
                command.arg(arg);
            }
        }
        run_ok(&mut command);
    }
    let hello = run_ok(&mut Command::new(dir.join("hello")));
    assert_eq!(last_line(&hello), "snapshot reads zircon, ZX_ERR_UNAVAILABLE");
    assert!(commands.contains("# snapshot reads zircon, ZX_ERR_UNAVAILABLE"));
    let test = run_ok(&mut Command::new(dir.join("vmo_test")));
    assert_eq!(last_line(&test), "2 passed, 0 failed");
    assert!(commands.contains("last line: 2 passed, 0 failed"));
}

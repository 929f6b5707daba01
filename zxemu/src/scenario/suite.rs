//! The built-in suite: every `tests/scenarios/*.zxs` file, embedded at build time.

/// The embedded files as `(file name, source)`, sorted by name.
static FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));

/// A set of scenario files held in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suite {
    /// `(file name, source)` pairs, in the order they run.
    pub files: Vec<(String, String)>,
}

impl Suite {
    /// The suite built into the binary from `tests/scenarios/`.
    ///
    /// ```
    /// let suite = zxemu::scenario::Suite::builtin();
    /// assert!(suite.files.iter().all(|(name, _)| name.ends_with(".zxs")));
    /// ```
    pub fn builtin() -> Suite {
        let files = FILES.iter().map(|&(n, s)| (n.to_string(), s.to_string())).collect();
        Suite { files }
    }
}

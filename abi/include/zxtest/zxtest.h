// zxemu: zxtest/zxtest.h — a single-header test framework with zxtest's macros, for C++17.
//
// TEST(Suite, Name) and TEST_F(Fixture, Name) register tests; ASSERT_* stops the current
// function on failure, EXPECT_* records it and goes on; every assertion takes an optional
// trailing printf-style message. RUN_ALL_TESTS(argc, argv) runs the registered tests; a weak
// main that calls it is defined here unless ZXTEST_NO_MAIN is defined before the include.
//
// Runner options:
//   --gtest_filter=POS[:POS...][-NEG[:NEG...]]   globs (* and ?) over "Suite.Name"
//   --gtest_list_tests                            lists the tests, runs none
//   --zxtest_expect=N   fails the run unless exactly N tests are registered: the guard against
//                       registrations the linker dropped (also ZXTEST_EXPECTED_TESTS=N in the
//                       environment)
// The last line printed is "N passed, M failed". The exit status is 0 when nothing failed.
#ifndef ZXEMU_ZXTEST_ZXTEST_H_
#define ZXEMU_ZXTEST_ZXTEST_H_

#ifndef __cplusplus
#error "zxemu's zxtest/zxtest.h is C++ only (C tests: see abi/tests/c/abi_test.c)"
#endif

#include <zircon/syscalls.h>

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace zxtest {

class Test {
 public:
  virtual ~Test() = default;
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  virtual void SetUp() {}
  virtual void TearDown() {}
  virtual void TestBody() = 0;
};

namespace internal {

struct TestEntry {
  const char* suite;
  const char* name;
  Test* (*factory)();
  void (*set_up_suite)();
  void (*tear_down_suite)();
};

struct State {
  std::vector<TestEntry> tests;
  std::mutex lock;
  // Failures of the running test (any thread may record them).
  int failures = 0;
  int fatal_failures = 0;
};

inline State& state() {
  static State instance;
  return instance;
}

inline int Register(const char* suite, const char* name, Test* (*factory)(),
                    void (*set_up_suite)(), void (*tear_down_suite)()) {
  state().tests.push_back(TestEntry{suite, name, factory, set_up_suite, tear_down_suite});
  return static_cast<int>(state().tests.size());
}

inline int Failures() {
  std::lock_guard<std::mutex> guard(state().lock);
  return state().failures;
}

inline int FatalFailures() {
  std::lock_guard<std::mutex> guard(state().lock);
  return state().fatal_failures;
}

__attribute__((__format__(__printf__, 1, 2))) inline std::string Format(const char* fmt, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buffer, sizeof(buffer), fmt, args);
  va_end(args);
  return std::string(buffer);
}

inline void Fail(const char* file, int line, bool fatal, const std::string& what,
                 const std::string& message) {
  std::lock_guard<std::mutex> guard(state().lock);
  state().failures++;
  if (fatal) {
    state().fatal_failures++;
  }
  // The message starts with the space that keeps an empty format non-empty.
  const char* text = message.c_str();
  while (*text == ' ') text++;
  fprintf(stdout, "%s:%d: Failure\n%s\n%s%s", file, line, what.c_str(), text, *text ? "\n" : "");
  fflush(stdout);
}

// A printable description of a value, for failure messages.
template <typename T>
std::string Describe(const T& value) {
  using U = std::decay_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_same_v<U, std::nullptr_t>) {
    return "nullptr";
  } else if constexpr (std::is_enum_v<U>) {
    return std::to_string(static_cast<std::underlying_type_t<U>>(value));
  } else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) {
    return Format("%lld", static_cast<long long>(value));
  } else if constexpr (std::is_integral_v<U>) {
    return Format("%llu (0x%llx)", static_cast<unsigned long long>(value),
                  static_cast<unsigned long long>(value));
  } else if constexpr (std::is_floating_point_v<U>) {
    return Format("%g", static_cast<double>(value));
  } else if constexpr (std::is_same_v<U, const char*> || std::is_same_v<U, char*>) {
    return value ? Format("\"%s\"", value) : std::string("NULL");
  } else if constexpr (std::is_same_v<U, std::string>) {
    return "\"" + value + "\"";
  } else if constexpr (std::is_pointer_v<U>) {
    return Format("%p", static_cast<const void*>(value));
  } else {
    return Format("<%zu-byte object>", sizeof(value));
  }
}

inline std::string DescribeStatus(zx_status_t status) {
  return Format("%s (%d)", zx_status_get_string(status), static_cast<int>(status));
}

inline std::string DescribeBytes(const void* bytes, size_t size) {
  std::string out;
  const uint8_t* p = static_cast<const uint8_t*>(bytes);
  for (size_t i = 0; i < size && i < 64; i++) {
    out += Format("%02x%s", p[i], (i + 1) % 16 == 0 ? "\n" : " ");
  }
  if (size > 64) out += "...";
  return out;
}

// The comparisons of ASSERT_EQ and friends. Operands of different signedness compare as C++
// compares them (as zxtest's do), without the -Wsign-compare warning a test cannot silence.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
struct Eq { template <typename A, typename B> static bool Apply(const A& a, const B& b) { return a == b; } };
struct Ne { template <typename A, typename B> static bool Apply(const A& a, const B& b) { return a != b; } };
struct Lt { template <typename A, typename B> static bool Apply(const A& a, const B& b) { return a < b; } };
struct Le { template <typename A, typename B> static bool Apply(const A& a, const B& b) { return a <= b; } };
struct Gt { template <typename A, typename B> static bool Apply(const A& a, const B& b) { return a > b; } };
struct Ge { template <typename A, typename B> static bool Apply(const A& a, const B& b) { return a >= b; } };
#pragma GCC diagnostic pop

// The glob match of a filter pattern: '*' any run, '?' one character.
inline bool Glob(const char* pattern, const char* text) {
  if (*pattern == '\0') return *text == '\0';
  if (*pattern == '*') {
    for (const char* t = text;; t++) {
      if (Glob(pattern + 1, t)) return true;
      if (*t == '\0') return false;
    }
  }
  if (*text == '\0') return false;
  if (*pattern == '?' || *pattern == *text) return Glob(pattern + 1, text + 1);
  return false;
}

inline bool MatchesAny(const std::string& patterns, const std::string& name) {
  size_t start = 0;
  while (start <= patterns.size()) {
    size_t end = patterns.find(':', start);
    if (end == std::string::npos) end = patterns.size();
    std::string one = patterns.substr(start, end - start);
    if (!one.empty() && Glob(one.c_str(), name.c_str())) return true;
    start = end + 1;
  }
  return false;
}

// gtest's filter: positive patterns, then optionally '-' and negative patterns.
inline bool FilterAccepts(const std::string& filter, const std::string& name) {
  size_t dash = filter.find('-');
  std::string positive = filter.substr(0, dash);
  std::string negative = dash == std::string::npos ? std::string() : filter.substr(dash + 1);
  if (positive.empty()) positive = "*";
  return MatchesAny(positive, name) && !MatchesAny(negative, name);
}

}  // namespace internal

inline int RunAllTests(int argc, char** argv) {
  using internal::state;
  std::string filter = "*";
  bool list = false;
  long expected = -1;
  if (const char* env = getenv("ZXTEST_EXPECTED_TESTS")) expected = strtol(env, nullptr, 10);
  for (int i = 1; i < argc; i++) {
    const char* arg = argv[i];
    if (strncmp(arg, "--gtest_filter=", 15) == 0) {
      filter = arg + 15;
    } else if ((strcmp(arg, "--gtest_filter") == 0 || strcmp(arg, "-f") == 0) && i + 1 < argc) {
      filter = argv[++i];
    } else if (strcmp(arg, "--gtest_list_tests") == 0) {
      list = true;
    } else if (strncmp(arg, "--zxtest_expect=", 16) == 0) {
      expected = strtol(arg + 16, nullptr, 10);
    } else {
      fprintf(stderr, "zxtest: unknown option %s\n", arg);
      return 2;
    }
  }

  std::vector<internal::TestEntry> selected;
  for (const internal::TestEntry& t : state().tests) {
    if (internal::FilterAccepts(filter, std::string(t.suite) + "." + t.name)) {
      selected.push_back(t);
    }
  }
  if (list) {
    for (const internal::TestEntry& t : selected) printf("%s.%s\n", t.suite, t.name);
    return 0;
  }

  int passed = 0;
  int failed = 0;
  std::vector<std::string> failed_names;
  bool registration_error = false;
  if (expected >= 0 && static_cast<size_t>(expected) != state().tests.size()) {
    printf("zxtest: %zu tests registered, %ld expected: registrations were lost (was a test's "
           "object file dropped by the linker?)\n",
           state().tests.size(), expected);
    registration_error = true;
  }

  printf("[==========] Running %zu tests.\n", selected.size());
  for (size_t i = 0; i < selected.size(); i++) {
    const internal::TestEntry& t = selected[i];
    bool first_of_suite = i == 0 || strcmp(selected[i - 1].suite, t.suite) != 0;
    bool last_of_suite = i + 1 == selected.size() || strcmp(selected[i + 1].suite, t.suite) != 0;
    if (first_of_suite) t.set_up_suite();
    {
      std::lock_guard<std::mutex> guard(state().lock);
      state().failures = 0;
      state().fatal_failures = 0;
    }
    printf("[ RUN      ] %s.%s\n", t.suite, t.name);
    fflush(stdout);
    Test* test = t.factory();
    test->SetUp();
    if (internal::FatalFailures() == 0) test->TestBody();
    test->TearDown();
    delete test;
    if (internal::Failures() == 0) {
      printf("[       OK ] %s.%s\n", t.suite, t.name);
      passed++;
    } else {
      printf("[  FAILED  ] %s.%s\n", t.suite, t.name);
      failed++;
      failed_names.push_back(std::string(t.suite) + "." + t.name);
    }
    if (last_of_suite) t.tear_down_suite();
  }
  printf("[==========] %zu tests ran.\n", selected.size());
  for (const std::string& name : failed_names) printf("[  FAILED  ] %s\n", name.c_str());
  if (registration_error) failed++;
  printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout);
  return failed == 0 ? 0 : 1;
}

}  // namespace zxtest

#define RUN_ALL_TESTS(argc, argv) ::zxtest::RunAllTests(argc, argv)

#define ZXTEST_CLASS_(suite, name) suite##_##name##_ZxTest

#define ZXTEST_DEFINE_(suite, name, parent)                                                  \
  class ZXTEST_CLASS_(suite, name) final : public parent {                                   \
   public:                                                                                   \
    void TestBody() override;                                                                \
                                                                                             \
   private:                                                                                  \
    static ::zxtest::Test* Make() { return new ZXTEST_CLASS_(suite, name)(); }               \
    static const int registered_;                                                            \
  };                                                                                         \
  const int ZXTEST_CLASS_(suite, name)::registered_ = ::zxtest::internal::Register(          \
      #suite, #name, &ZXTEST_CLASS_(suite, name)::Make, &parent::SetUpTestSuite,             \
      &parent::TearDownTestSuite);                                                           \
  void ZXTEST_CLASS_(suite, name)::TestBody()

#define TEST(suite, name) ZXTEST_DEFINE_(suite, name, ::zxtest::Test)
#define TEST_F(fixture, name) ZXTEST_DEFINE_(fixture, name, fixture)

// What a failed assertion does: ASSERT_* returns from the current function.
#define ZXTEST_RETURN_IF_(fatal) \
  if (fatal) return;             \
  else                           \
    (void)0

#define ZXTEST_FAIL_(fatal, what, ...)                                                      \
  ::zxtest::internal::Fail(__FILE__, __LINE__, fatal, what,                                 \
                           ::zxtest::internal::Format(" " __VA_ARGS__))

// Binary comparisons: each operand is evaluated once.
#define ZXTEST_CMP_(fatal, a, b, op, cmp, ...)                                               \
  do {                                                                                      \
    const auto& zxtest_a_ = (a);                                                            \
    const auto& zxtest_b_ = (b);                                                            \
    if (!::zxtest::internal::cmp::Apply(zxtest_a_, zxtest_b_)) {                            \
      ZXTEST_FAIL_(fatal,                                                                   \
                   "Expected " #a " " #op " " #b "\n  " #a ": " +                           \
                       ::zxtest::internal::Describe(zxtest_a_) + "\n  " #b ": " +           \
                       ::zxtest::internal::Describe(zxtest_b_),                             \
                   __VA_ARGS__);                                                            \
      ZXTEST_RETURN_IF_(fatal);                                                             \
    }                                                                                       \
  } while (0)

#define ZXTEST_BOOL_(fatal, cond, want, ...)                                                \
  do {                                                                                      \
    if (static_cast<bool>(cond) != (want)) {                                                \
      ZXTEST_FAIL_(fatal, std::string("Expected " #cond " to be ") + (want ? "true" : "false"), \
                   __VA_ARGS__);                                                            \
      ZXTEST_RETURN_IF_(fatal);                                                             \
    }                                                                                       \
  } while (0)

#define ZXTEST_STATUS_(fatal, a, b, ...)                                                    \
  do {                                                                                      \
    zx_status_t zxtest_sa_ = (a);                                                           \
    zx_status_t zxtest_sb_ = (b);                                                           \
    if (zxtest_sa_ != zxtest_sb_) {                                                         \
      ZXTEST_FAIL_(fatal,                                                                   \
                   "Expected " #a " to be " #b "\n  got:      " +                           \
                       ::zxtest::internal::DescribeStatus(zxtest_sa_) +                     \
                       "\n  expected: " + ::zxtest::internal::DescribeStatus(zxtest_sb_),   \
                   __VA_ARGS__);                                                            \
      ZXTEST_RETURN_IF_(fatal);                                                             \
    }                                                                                       \
  } while (0)

#define ZXTEST_NOT_OK_(fatal, a, ...)                                                       \
  do {                                                                                      \
    zx_status_t zxtest_sa_ = (a);                                                           \
    if (zxtest_sa_ == ZX_OK) {                                                              \
      ZXTEST_FAIL_(fatal, "Expected " #a " to fail, got ZX_OK", __VA_ARGS__);               \
      ZXTEST_RETURN_IF_(fatal);                                                             \
    }                                                                                       \
  } while (0)

#define ZXTEST_BYTES_(fatal, a, b, n, want_equal, ...)                                      \
  do {                                                                                      \
    const void* zxtest_pa_ = (a);                                                           \
    const void* zxtest_pb_ = (b);                                                           \
    size_t zxtest_n_ = (n);                                                                 \
    if ((memcmp(zxtest_pa_, zxtest_pb_, zxtest_n_) == 0) != (want_equal)) {                \
      ZXTEST_FAIL_(fatal,                                                                   \
                   std::string("Expected bytes of " #a " and " #b) +                        \
                       (want_equal ? " to be equal" : " to differ") + "\n  " #a ": " +      \
                       ::zxtest::internal::DescribeBytes(zxtest_pa_, zxtest_n_) +           \
                       "\n  " #b ": " +                                                     \
                       ::zxtest::internal::DescribeBytes(zxtest_pb_, zxtest_n_),            \
                   __VA_ARGS__);                                                            \
      ZXTEST_RETURN_IF_(fatal);                                                             \
    }                                                                                       \
  } while (0)

#define ZXTEST_STR_(fatal, a, b, want_equal, ...)                                           \
  do {                                                                                      \
    const char* zxtest_pa_ = (a);                                                           \
    const char* zxtest_pb_ = (b);                                                           \
    if ((strcmp(zxtest_pa_, zxtest_pb_) == 0) != (want_equal)) {                            \
      ZXTEST_FAIL_(fatal,                                                                   \
                   std::string("Expected " #a) + (want_equal ? " == " : " != ") + #b +      \
                       "\n  " #a ": " + ::zxtest::internal::Describe(zxtest_pa_) +          \
                       "\n  " #b ": " + ::zxtest::internal::Describe(zxtest_pb_),           \
                   __VA_ARGS__);                                                            \
      ZXTEST_RETURN_IF_(fatal);                                                             \
    }                                                                                       \
  } while (0)

#define ZXTEST_NULL_(fatal, p, want_null, ...)                                              \
  do {                                                                                      \
    if (((p) == nullptr) != (want_null)) {                                                  \
      ZXTEST_FAIL_(fatal, std::string("Expected " #p) + (want_null ? " to be NULL" : " not to be NULL"), \
                   __VA_ARGS__);                                                            \
      ZXTEST_RETURN_IF_(fatal);                                                             \
    }                                                                                       \
  } while (0)

// Runs a statement; fails if it produced failures (all, or only fatal ones).
#define ZXTEST_NO_FAILURES_(fatal, statement, only_fatal, ...)                              \
  do {                                                                                      \
    int zxtest_before_ = only_fatal ? ::zxtest::internal::FatalFailures()                   \
                                    : ::zxtest::internal::Failures();                       \
    statement;                                                                              \
    int zxtest_after_ = only_fatal ? ::zxtest::internal::FatalFailures()                    \
                                   : ::zxtest::internal::Failures();                        \
    if (zxtest_after_ != zxtest_before_) {                                                  \
      ZXTEST_FAIL_(fatal,                                                                   \
                   std::string(#statement) +                                                \
                       (only_fatal ? " had a fatal failure" : " had failures"),             \
                   __VA_ARGS__);                                                            \
      ZXTEST_RETURN_IF_(fatal);                                                             \
    }                                                                                       \
  } while (0)

#define ASSERT_EQ(a, b, ...) ZXTEST_CMP_(true, a, b, ==, Eq, __VA_ARGS__)
#define ASSERT_NE(a, b, ...) ZXTEST_CMP_(true, a, b, !=, Ne, __VA_ARGS__)
#define ASSERT_LT(a, b, ...) ZXTEST_CMP_(true, a, b, <, Lt, __VA_ARGS__)
#define ASSERT_LE(a, b, ...) ZXTEST_CMP_(true, a, b, <=, Le, __VA_ARGS__)
#define ASSERT_GT(a, b, ...) ZXTEST_CMP_(true, a, b, >, Gt, __VA_ARGS__)
#define ASSERT_GE(a, b, ...) ZXTEST_CMP_(true, a, b, >=, Ge, __VA_ARGS__)
#define EXPECT_EQ(a, b, ...) ZXTEST_CMP_(false, a, b, ==, Eq, __VA_ARGS__)
#define EXPECT_NE(a, b, ...) ZXTEST_CMP_(false, a, b, !=, Ne, __VA_ARGS__)
#define EXPECT_LT(a, b, ...) ZXTEST_CMP_(false, a, b, <, Lt, __VA_ARGS__)
#define EXPECT_LE(a, b, ...) ZXTEST_CMP_(false, a, b, <=, Le, __VA_ARGS__)
#define EXPECT_GT(a, b, ...) ZXTEST_CMP_(false, a, b, >, Gt, __VA_ARGS__)
#define EXPECT_GE(a, b, ...) ZXTEST_CMP_(false, a, b, >=, Ge, __VA_ARGS__)

#define ASSERT_TRUE(cond, ...) ZXTEST_BOOL_(true, cond, true, __VA_ARGS__)
#define ASSERT_FALSE(cond, ...) ZXTEST_BOOL_(true, cond, false, __VA_ARGS__)
#define EXPECT_TRUE(cond, ...) ZXTEST_BOOL_(false, cond, true, __VA_ARGS__)
#define EXPECT_FALSE(cond, ...) ZXTEST_BOOL_(false, cond, false, __VA_ARGS__)

#define ASSERT_OK(status, ...) ZXTEST_STATUS_(true, status, ZX_OK, __VA_ARGS__)
#define EXPECT_OK(status, ...) ZXTEST_STATUS_(false, status, ZX_OK, __VA_ARGS__)
#define ASSERT_NOT_OK(status, ...) ZXTEST_NOT_OK_(true, status, __VA_ARGS__)
#define EXPECT_NOT_OK(status, ...) ZXTEST_NOT_OK_(false, status, __VA_ARGS__)
#define ASSERT_STATUS(a, b, ...) ZXTEST_STATUS_(true, a, b, __VA_ARGS__)
#define EXPECT_STATUS(a, b, ...) ZXTEST_STATUS_(false, a, b, __VA_ARGS__)

#define ASSERT_BYTES_EQ(a, b, n, ...) ZXTEST_BYTES_(true, a, b, n, true, __VA_ARGS__)
#define ASSERT_BYTES_NE(a, b, n, ...) ZXTEST_BYTES_(true, a, b, n, false, __VA_ARGS__)
#define EXPECT_BYTES_EQ(a, b, n, ...) ZXTEST_BYTES_(false, a, b, n, true, __VA_ARGS__)
#define EXPECT_BYTES_NE(a, b, n, ...) ZXTEST_BYTES_(false, a, b, n, false, __VA_ARGS__)

#define ASSERT_STREQ(a, b, ...) ZXTEST_STR_(true, a, b, true, __VA_ARGS__)
#define ASSERT_STRNE(a, b, ...) ZXTEST_STR_(true, a, b, false, __VA_ARGS__)
#define EXPECT_STREQ(a, b, ...) ZXTEST_STR_(false, a, b, true, __VA_ARGS__)
#define EXPECT_STRNE(a, b, ...) ZXTEST_STR_(false, a, b, false, __VA_ARGS__)

#define ASSERT_NULL(p, ...) ZXTEST_NULL_(true, p, true, __VA_ARGS__)
#define ASSERT_NOT_NULL(p, ...) ZXTEST_NULL_(true, p, false, __VA_ARGS__)
#define EXPECT_NULL(p, ...) ZXTEST_NULL_(false, p, true, __VA_ARGS__)
#define EXPECT_NOT_NULL(p, ...) ZXTEST_NULL_(false, p, false, __VA_ARGS__)

#define ASSERT_NO_FATAL_FAILURE(statement, ...) \
  ZXTEST_NO_FAILURES_(true, statement, true, __VA_ARGS__)
#define EXPECT_NO_FATAL_FAILURE(statement, ...) \
  ZXTEST_NO_FAILURES_(false, statement, true, __VA_ARGS__)
#define ASSERT_NO_FAILURES(statement, ...) ZXTEST_NO_FAILURES_(true, statement, false, __VA_ARGS__)
#define EXPECT_NO_FAILURES(statement, ...) \
  ZXTEST_NO_FAILURES_(false, statement, false, __VA_ARGS__)

#define FAIL(...)                          \
  do {                                     \
    ZXTEST_FAIL_(true, "Failure", __VA_ARGS__); \
    return;                                \
  } while (0)
#define ADD_FAILURE(...) ZXTEST_FAIL_(false, "Failure", __VA_ARGS__)

#define CURRENT_TEST_HAS_FAILURES() (::zxtest::internal::Failures() != 0)
#define CURRENT_TEST_HAS_FATAL_FAILURES() (::zxtest::internal::FatalFailures() != 0)

#ifndef ZXTEST_NO_MAIN
// The runner for a test file without its own main (zxtest ships one the same way). Weak, so a
// program's own main wins; define ZXTEST_NO_MAIN in a file that defines main itself.
__attribute__((__weak__)) int main(int argc, char** argv) { return RUN_ALL_TESTS(argc, argv); }
#endif

#endif  // ZXEMU_ZXTEST_ZXTEST_H_

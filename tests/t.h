/*
 * The in-house test runner. A test file defines TEST(name) functions and ends with
 * T_MAIN(T_CASE(a), T_CASE(b), ...). Each test prints "ok name" or "FAIL name" with the
 * failing line; the run ends with "N passed, N failed, N skipped". An optional argument
 * runs only tests whose names contain it. T_SKIP("why") ends a test as skipped, printing
 * the reason (for tests that need a file from ../shared).
 */
#ifndef SEER_T_H
#define SEER_T_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct t_case { const char *name; void (*fn)(void); };
static int t_failed_now, t_skipped_now;

#define TEST(name) static void t_##name(void)
#define T_CASE(name) { #name, t_##name }
#define T_FAILF(...) do { printf("    %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); \
    printf("\n"); t_failed_now = 1; return; } while (0)
#define ASSERT(x) do { if (!(x)) T_FAILF("assertion failed: %s", #x); } while (0)
#define ASSERT_EQ(a, b) do { long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
    if (t_a_ != t_b_) T_FAILF("%s == %s: %lld != %lld", #a, #b, t_a_, t_b_); } while (0)
#define ASSERT_OK(x) do { int t_rc_ = (x); \
    if (t_rc_ != 0) T_FAILF("%s returned %d", #x, t_rc_); } while (0)
#define ASSERT_NEAR(a, b, tol) do { double t_a_ = (a), t_b_ = (b); \
    if (!(fabs(t_a_ - t_b_) <= (tol))) T_FAILF("%s ~ %s: %.9g vs %.9g (tol %g)", #a, #b, \
    t_a_, t_b_, (double)(tol)); } while (0)
#define ASSERT_STR(a, b) do { const char *t_a_ = (a), *t_b_ = (b); \
    if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_)) T_FAILF("%s == %s: \"%s\" != \"%s\"", #a, #b, \
    t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); } while (0)
#define T_SKIP(...) do { printf("    SKIP: "); printf(__VA_ARGS__); printf("\n"); \
    t_skipped_now = 1; return; } while (0)

#define T_MAIN(...) \
int main(int argc, char **argv) { \
    static const struct t_case cases[] = { __VA_ARGS__ }; \
    int passed = 0, failed = 0, skipped = 0; \
    setvbuf(stdout, NULL, _IOLBF, 0); \
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) { \
        if (argc > 1 && !strstr(cases[i].name, argv[1])) continue; \
        t_failed_now = t_skipped_now = 0; \
        cases[i].fn(); \
        if (t_failed_now) { failed++; printf("FAIL %s\n", cases[i].name); } \
        else if (t_skipped_now) { skipped++; printf("skip %s\n", cases[i].name); } \
        else { passed++; printf("ok   %s\n", cases[i].name); } \
    } \
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped); \
    return failed ? 1 : 0; \
}

#endif /* SEER_T_H */

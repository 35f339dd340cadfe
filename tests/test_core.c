/* Tests for core: status messages, allocator, arenas, thread pool, fp16. */
#include <stdint.h>

#include <seer/status.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/fp16.h"
#include "core/threadpool.h"
#include "t.h"

TEST(errf_formats_and_returns_rc)
{
    struct seer_err e;
    ASSERT_EQ(seer_errf(&e, SEER_EFORMAT, "offset %d: bad", 12), SEER_EFORMAT);
    ASSERT_STR(e.msg, "offset 12: bad");
    seer_err_prefix(&e, "%s: ", "model.json");
    ASSERT_STR(e.msg, "model.json: offset 12: bad");
    ASSERT_EQ(seer_errf(NULL, SEER_EIO, "x"), SEER_EIO);
}

TEST(arena_array_rejects_overflow)
{
    struct seer_arena *a = seer_arena_new(4096);
    ASSERT(a);
    ASSERT(seer_arena_array(a, SIZE_MAX / 2, 4) == NULL);
    seer_arena_free(a);
}

TEST(arena_alignment_and_big_blocks)
{
    struct seer_arena *a = seer_arena_new(1024);
    ASSERT(a);
    for (int i = 1; i < 100; i++) {
        char *p = seer_arena_alloc(a, (size_t)i * 37);
        ASSERT(p);
        ASSERT_EQ((uintptr_t)p % 64, 0);
        memset(p, 0xab, (size_t)i * 37);
    }
    char *big = seer_arena_alloc(a, 1 << 20);
    ASSERT(big);
    memset(big, 1, 1 << 20);
    ASSERT_STR(seer_arena_printf(a, "%d-%s", 7, "x"), "7-x");
    seer_arena_reset(a);
    ASSERT_EQ(seer_arena_used(a), 0);
    seer_arena_free(a);
}

TEST(alloc_fail_at_fires_once)
{
    int64_t live = seer_alloc_live();
    seer_alloc_fail_at(2);
    void *p = seer_malloc(8);
    void *q = seer_malloc(8);
    void *r = seer_malloc(8);
    seer_alloc_fail_at(0);
    ASSERT(p && !q && r);
    ASSERT(seer_alloc_failed() == false); /* reset by fail_at(0) */
    seer_free(p);
    seer_free(r);
    ASSERT_EQ(seer_alloc_live(), live);
}

static void add_slice(void *ctx, int ith, int nth)
{
    int *v = ctx;
    int64_t lo, hi;
    seer_split_range(1000, ith, nth, &lo, &hi);
    for (int64_t i = lo; i < hi; i++)
        v[i] += (int)i;
}

TEST(pool_runs_every_slice_once)
{
    static int v[1000];
    for (int nth = 1; nth <= 8; nth++) {
        struct seer_pool *p = seer_pool_new(nth);
        ASSERT(p);
        memset(v, 0, sizeof(v));
        for (int rep = 0; rep < 50; rep++)
            seer_pool_run(p, nth, add_slice, v);
        for (int i = 0; i < 1000; i++)
            ASSERT_EQ(v[i], 50 * i);
        seer_pool_free(p);
    }
}

TEST(split_range_covers)
{
    int64_t lo, hi, next = 0;
    for (int ith = 0; ith < 7; ith++) {
        seer_split_range(100, ith, 7, &lo, &hi);
        ASSERT_EQ(lo, next);
        next = hi;
    }
    ASSERT_EQ(next, 100);
}

TEST(fp16_round_trip)
{
    ASSERT_NEAR(seer_f16_to_f32(0x3c00), 1.0, 0);
    ASSERT_NEAR(seer_f16_to_f32(0xc000), -2.0, 0);
    ASSERT_NEAR(seer_f16_to_f32(0x0001), 5.960464477539063e-08, 0);
    ASSERT_NEAR(seer_f16_to_f32(0x7bff), 65504.0, 0);
    ASSERT_NEAR(seer_f16_to_f32(0x3155), 0.16662598, 1e-8); /* TF.js's stored 1/6 */
    for (uint32_t h = 0; h < 0x7c00; h++)
        ASSERT_EQ(seer_f32_to_f16(seer_f16_to_f32((uint16_t)h)), h);
    ASSERT_EQ(seer_f32_to_bf16(1.0f), 0x3f80);
    ASSERT_NEAR(seer_bf16_to_f32(seer_f32_to_bf16(3.14159f)), 3.140625, 0);
}

T_MAIN(T_CASE(errf_formats_and_returns_rc), T_CASE(arena_array_rejects_overflow),
       T_CASE(arena_alignment_and_big_blocks), T_CASE(alloc_fail_at_fires_once),
       T_CASE(pool_runs_every_slice_once), T_CASE(split_range_covers), T_CASE(fp16_round_trip))

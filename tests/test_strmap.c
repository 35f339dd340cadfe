/* Tests for the string map (src/core/strmap.c). */
#include <stdint.h>
#include <stdio.h>

#include <seer/status.h>

#include "core/alloc.h"
#include "core/strmap.h"
#include "t.h"

TEST(put_get_replace_and_prefix_lookup)
{
    struct seer_strmap m;
    int a = 1, b = 2, c = 3;
    void *v = &c;

    seer_strmap_init(&m);
    ASSERT(seer_strmap_get(&m, "x") == NULL);
    ASSERT(!seer_strmap_has(&m, "x", &v));
    ASSERT(v == &c); /* untouched when absent */
    ASSERT_OK(seer_strmap_put(&m, "conv", &a));
    ASSERT_OK(seer_strmap_put(&m, "conv/bias", &b));
    ASSERT(seer_strmap_get(&m, "conv") == &a);
    ASSERT(seer_strmap_get(&m, "conv/bias") == &b);
    /* A prefix of a longer string, as when looking up "conv" in "conv:1". */
    ASSERT(seer_strmap_getn(&m, "conv:1", 4) == &a);
    ASSERT(seer_strmap_getn(&m, "conv:1", 5) == NULL);
    ASSERT_OK(seer_strmap_put(&m, "conv", &c));
    ASSERT(seer_strmap_get(&m, "conv") == &c);
    ASSERT_EQ(m.n, 2);
    /* NULL values are stored and told apart from absence by has(). */
    ASSERT_OK(seer_strmap_put(&m, "", NULL));
    ASSERT(seer_strmap_has(&m, "", &v));
    ASSERT(v == NULL);
    seer_strmap_clear(&m);
    ASSERT(seer_strmap_get(&m, "conv") == NULL);
    ASSERT_EQ(m.n, 0);
}

TEST(many_keys_survive_growth)
{
    static char keys[5000][16];
    struct seer_strmap m;

    seer_strmap_init(&m);
    for (int i = 0; i < 5000; i++) {
        snprintf(keys[i], sizeof(keys[i]), "node_%d", i);
        ASSERT_OK(seer_strmap_put(&m, keys[i], keys[i]));
    }
    ASSERT_EQ(m.n, 5000);
    ASSERT(m.cap >= 10000);
    for (int i = 0; i < 5000; i++)
        ASSERT(seer_strmap_get(&m, keys[i]) == keys[i]);
    ASSERT(seer_strmap_get(&m, "node_5000") == NULL);
    seer_strmap_clear(&m);
}

TEST(out_of_memory_leaves_the_map_usable)
{
    static char keys[9][8];
    struct seer_strmap m;
    int64_t live = seer_alloc_live();

    seer_strmap_init(&m);
    for (int i = 0; i < 9; i++)
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
    /* The table starts at 16 slots and stays at most half full: the 9th key grows it. */
    for (int i = 0; i < 8; i++)
        ASSERT_OK(seer_strmap_put(&m, keys[i], keys[i]));
    ASSERT_EQ(m.cap, 16);
    seer_alloc_fail_at(1);
    ASSERT_EQ(seer_strmap_put(&m, keys[8], keys[8]), SEER_ENOMEM);
    seer_alloc_fail_at(0);
    ASSERT_EQ(m.n, 8);
    ASSERT(seer_strmap_get(&m, keys[8]) == NULL);
    for (int i = 0; i < 8; i++)
        ASSERT(seer_strmap_get(&m, keys[i]) == keys[i]);
    ASSERT_OK(seer_strmap_put(&m, keys[8], keys[8]));
    ASSERT(seer_strmap_get(&m, keys[8]) == keys[8]);
    ASSERT_EQ(m.cap, 32);
    seer_strmap_clear(&m);
    ASSERT_EQ(seer_alloc_live(), live);
}

T_MAIN(T_CASE(put_get_replace_and_prefix_lookup), T_CASE(many_keys_survive_growth),
       T_CASE(out_of_memory_leaves_the_map_usable))

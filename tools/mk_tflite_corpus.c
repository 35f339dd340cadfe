/*
 * Writes the seed corpus of fuzz/fuzz_tflite.c from the hand-built models of
 * tests/tflite_fixture.h: the valid models and a few broken ones. Run from the repo root:
 *   cc -Itests -o /tmp/mk tools/mk_tflite_corpus.c && /tmp/mk fuzz/corpus/tflite
 */
#include <stdio.h>

#include "tflite_fixture.h"

static int write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        perror(path);
        return 1;
    }
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "fuzz/corpus/tflite";
    struct fbb f;
    struct tfl_marks m;
    struct tfl_opts o = {0};
    int bad = 0;

    tfl_build(&f, NULL, &m);
    bad |= write_file(dir, "conv_reshape_logistic.tflite", f.b, f.n);
    bad |= write_file(dir, "truncated.tflite", f.b, f.n / 2);
    fb_u32_at(&f, m.tensors_len, 0x10000000u);
    bad |= write_file(dir, "vector_too_long.tflite", f.b, f.n);
    tfl_build(&f, NULL, &m);
    fb_u32_at(&f, m.op0_inputs_ref, 0);
    bad |= write_file(dir, "self_reference.tflite", f.b, f.n);
    o.swap_ops = 1;
    tfl_build(&f, &o, NULL);
    bad |= write_file(dir, "ops_out_of_order.tflite", f.b, f.n);
    o.swap_ops = 0;
    o.per_axis = 1;
    tfl_build(&f, &o, NULL);
    bad |= write_file(dir, "per_axis.tflite", f.b, f.n);
    tfl_build_pp(&f, 0);
    bad |= write_file(dir, "postprocess_fast.tflite", f.b, f.n);
    tfl_build_pp(&f, 1);
    bad |= write_file(dir, "postprocess_regular.tflite", f.b, f.n);
    return bad;
}

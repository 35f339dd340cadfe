/*
 * Fuzz target for image decoding (JPEG, PNG, EXIF). Each input is decoded twice, at full
 * size and with DCT scaling, under a small pixel limit so that one input stays fast.
 * Besides "no crash", it checks the decoder's contract: a failure carries a message and
 * leaves the image cleared, a success is fed through resize and drawing, small images
 * survive a PNG round trip unchanged, and nothing leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seer/image.h>

#include "core/alloc.h"
#include "core/arena.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

static void exercise(const struct seer_image *img, struct seer_arena *a)
{
    struct seer_image_prep prep = {
        .width = 16, .height = 12, .nchw = true, .bgr = true, .mean = {1, 2, 3}, .std = {4, 5, 6}};
    struct seer_image copy = *img, back;
    struct seer_err err;
    float t[16 * 12 * 3];
    uint8_t u[16 * 12 * 3], *png;
    size_t n;

    seer_image_to_tensor(img, &prep, t);
    seer_image_to_tensor_u8(img, &prep, u);
    if ((int64_t)img->width * img->height > 64 * 64)
        return;
    check(seer_image_encode_png(img, a, &png, &n, &err) == 0);
    check(seer_image_decode(png, n, NULL, a, &back, &err) == 0);
    check(back.width == img->width && back.height == img->height);
    check(memcmp(back.px, img->px, (size_t)img->width * img->height * 3) == 0);
    /* Drawing writes in place, so draw on the copy that came back. */
    copy.px = back.px;
    seer_image_draw_rect(&copy, -3, -3, img->width / 2, img->height + 5, 2, 0xff0000);
    seer_image_draw_label(&copy, img->width - 5, -4, "fuzz \x7f\xff", 2, 0xffffff, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t live = seer_alloc_live();
    struct seer_arena *a = seer_arena_new(1 << 16);
    struct seer_image_opts opt = {.max_pixels = 1 << 20};

    if (!a)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        struct seer_image img;
        struct seer_err err = {{0}};
        opt.min_width = opt.min_height = pass ? 40 : 0;
        int rc = seer_image_decode(data, size, &opt, a, &img, &err);
        if (rc) {
            check(err.msg[0] != '\0');
            check(img.px == NULL && img.width == 0 && img.height == 0);
            continue;
        }
        check(img.px && img.width > 0 && img.height > 0);
        check(img.orig_width >= img.width && img.orig_height >= img.height);
        check((int64_t)img.orig_width * img.orig_height <= opt.max_pixels);
        exercise(&img, a);
    }
    seer_arena_free(a);
    check(seer_alloc_live() == live);
    return 0;
}

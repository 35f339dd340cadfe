/*
 * A tiny TFLite model written byte by byte, for the importer's tests and the fuzz
 * corpus (tools/mk_tflite_corpus.c). The FlatBuffer is laid out front to back: each
 * table is written before the things it references, so every reference points forward
 * as the format requires, and is patched once its target exists.
 *
 * The model: input "input" u8 [1,2,2,2] (scale 0.5, zero 128) -> CONV_2D 1x1 with
 * weights "w" u8 [2,1,1,2] (0.25, 128) and bias "b" i32 [2] (0.125), fused ReLU, into
 * "conv" u8 (0.5, 10) -> RESHAPE by "shape" i32 {1, 8} into "flat" -> LOGISTIC into
 * "probs" u8 (1/256, 0), the output. struct tfl_opts changes one thing at a time, for
 * the error tests. tfl_build_pp makes a second model, the custom post-process alone.
 */
#ifndef SEER_TESTS_TFLITE_FIXTURE_H
#define SEER_TESTS_TFLITE_FIXTURE_H

#include <stdint.h>
#include <string.h>

struct fbb {
    uint8_t b[8192];
    size_t n;
};

struct tfl_opts {
    int conv_code;      /* builtin code of operator 0 (default CONV_2D = 3) */
    const char *custom; /* operator 0 is this custom op instead */
    int weight_type;    /* TFLite type of "w" (default UINT8 = 3) */
    int per_axis;       /* "w" gets two scales */
    int swap_ops;       /* operators listed out of order (LOGISTIC first) */
    int input_type;     /* TFLite type of "input" (default UINT8) */
};

/* Fixed positions of things the tests patch, filled by tfl_build. */
struct tfl_marks {
    size_t root;           /* the root offset (at 0) */
    size_t tensors_len;    /* the subgraph's tensors vector length field */
    size_t w_type;         /* the type byte of tensor "w" */
    size_t op0_inputs_ref; /* operator 0's inputs reference field */
    size_t w_data_len;     /* the length field of w's buffer data */
};

static void fb_pad(struct fbb *f, size_t a)
{
    while (f->n % a)
        f->b[f->n++] = 0;
}

static void fb_u32_at(struct fbb *f, size_t pos, uint32_t v)
{
    memcpy(f->b + pos, &v, 4);
}

static void fb_ref(struct fbb *f, size_t slot, size_t target)
{
    fb_u32_at(f, slot, (uint32_t)(target - slot));
}

/* A field of a table under construction: id, byte size, value (for scalars). */
struct fb_field {
    int id;
    int size; /* 1, 4 or 8; 4 with ref = 1 for a reference */
    int ref;
    uint64_t v;
    size_t *slot; /* receives the position of the field (for refs) */
};

/* Writes a vtable and its table; returns the table's position. */
static size_t fb_table(struct fbb *f, int n, const struct fb_field *fl)
{
    int max_id = -1;
    uint16_t offs[16] = {0}, obj = 4;
    size_t vt, t;

    for (int i = 0; i < n; i++) {
        if (fl[i].id > max_id)
            max_id = fl[i].id;
        obj = (uint16_t)((obj + fl[i].size - 1) / fl[i].size * fl[i].size);
        offs[fl[i].id] = obj;
        obj = (uint16_t)(obj + fl[i].size);
    }
    fb_pad(f, 2);
    vt = f->n;
    uint16_t vsz = (uint16_t)(4 + 2 * (max_id + 1));
    memcpy(f->b + f->n, &vsz, 2);
    memcpy(f->b + f->n + 2, &obj, 2);
    memcpy(f->b + f->n + 4, offs, 2 * (size_t)(max_id + 1));
    f->n += vsz;
    fb_pad(f, 8);
    t = f->n;
    int32_t so = (int32_t)(t - vt);
    memcpy(f->b + t, &so, 4);
    memset(f->b + t + 4, 0, obj - 4u);
    for (int i = 0; i < n; i++) {
        memcpy(f->b + t + offs[fl[i].id], &fl[i].v, (size_t)fl[i].size);
        if (fl[i].slot)
            *fl[i].slot = t + offs[fl[i].id];
    }
    f->n += obj;
    return t;
}

/* A vector of n elements of elem bytes (data may be NULL: zeros); returns the position of
 * its length field. */
static size_t fb_vec(struct fbb *f, size_t elem, uint32_t n, const void *data)
{
    size_t pos;

    /* The elements must be aligned for their size (and 16 for blobs, as TFLite does). */
    while ((f->n + 4) % (elem < 16 ? (elem > 4 ? elem : 4) : 16))
        f->b[f->n++] = 0;
    pos = f->n;
    fb_u32_at(f, pos, n);
    if (data)
        memcpy(f->b + pos + 4, data, elem * n);
    else
        memset(f->b + pos + 4, 0, elem * n);
    f->n += 4 + elem * n;
    return pos;
}

static size_t fb_str(struct fbb *f, const char *s)
{
    size_t pos = fb_vec(f, 1, (uint32_t)strlen(s), s);

    f->b[f->n++] = 0;
    return pos;
}

/* One tensor table: shape, type, buffer, name, optional quantisation (scale, zero). */
static size_t tfl_tensor(struct fbb *f, const int32_t *shape, int rank, int type, uint32_t buffer,
                         const char *name, int n_scale, float scale, int64_t zero, size_t *type_at)
{
    size_t s_shape, s_name, s_q = 0, t, v;
    struct fb_field fl[5] = {
        {0, 4, 1, 0, &s_shape},  {1, 1, 0, (uint64_t)type, type_at},
        {2, 4, 0, buffer, NULL}, {3, 4, 1, 0, &s_name},
        {4, 4, 1, 0, &s_q},
    };

    t = fb_table(f, n_scale ? 5 : 4, fl);
    fb_ref(f, s_shape, fb_vec(f, 4, (uint32_t)rank, shape));
    fb_ref(f, s_name, fb_str(f, name));
    if (n_scale) {
        size_t s_sc, s_zp;
        float sc[2] = {scale, scale};
        int64_t zp[2] = {zero, zero};
        struct fb_field q[2] = {{2, 4, 1, 0, &s_sc}, {3, 4, 1, 0, &s_zp}};
        v = fb_table(f, 2, q);
        fb_ref(f, s_q, v);
        fb_ref(f, s_sc, fb_vec(f, 4, (uint32_t)n_scale, sc));
        fb_ref(f, s_zp, fb_vec(f, 8, (uint32_t)n_scale, zp));
    }
    return t;
}

/* One operator: opcode index, inputs, outputs, optional builtin options (type, table). */
static size_t tfl_op(struct fbb *f, uint32_t code, const int32_t *in, int n_in, const int32_t *out,
                     int n_out, int opt_type, size_t *opt_slot, size_t *in_slot)
{
    size_t s_in, s_out, t;
    struct fb_field fl[5] = {
        {0, 4, 0, code, NULL},  {1, 4, 1, 0, &s_in},
        {2, 4, 1, 0, &s_out},   {3, 1, 0, (uint64_t)opt_type, NULL},
        {4, 4, 1, 0, opt_slot},
    };

    t = fb_table(f, opt_type ? 5 : 3, fl);
    if (in_slot)
        *in_slot = s_in;
    fb_ref(f, s_in, fb_vec(f, 4, (uint32_t)n_in, in));
    fb_ref(f, s_out, fb_vec(f, 4, (uint32_t)n_out, out));
    return t;
}

/* Builds the model into f (reset first) and records patch points in m (may be NULL). */
static void tfl_build(struct fbb *f, const struct tfl_opts *o, struct tfl_marks *mk)
{
    struct tfl_marks dummy;
    size_t s_ver, s_codes, s_sgs, s_bufs, code_slot[3], sg_slot, buf_slot[5], t_slot[8];
    size_t s_tensors, s_inputs, s_outputs, s_ops, op_slot[3], s_opt;
    const int wtype = o && o->weight_type ? o->weight_type : 3;
    const int itype = o && o->input_type ? o->input_type : 3;

    if (!mk)
        mk = &dummy;
    memset(f, 0, sizeof(*f));
    f->n = 8;
    memcpy(f->b + 4, "TFL3", 4);
    struct fb_field model[4] = {
        {0, 4, 0, 3, &s_ver}, {1, 4, 1, 0, &s_codes}, {2, 4, 1, 0, &s_sgs}, {4, 4, 1, 0, &s_bufs}};
    size_t root = fb_table(f, 4, model);
    fb_u32_at(f, 0, (uint32_t)root);
    mk->root = 0;

    /* Operator codes: 0 conv (or the override / a custom op), 1 RESHAPE, 2 LOGISTIC. */
    size_t v = fb_vec(f, 4, 3, NULL);
    fb_ref(f, s_codes, v);
    for (int i = 0; i < 3; i++)
        code_slot[i] = v + 4 + 4 * (size_t)i;
    const int codes[3] = {o && o->custom ? 32 : o && o->conv_code ? o->conv_code : 3, 22, 14};
    for (int i = 0; i < 3; i++) {
        size_t s_cust = 0;
        struct fb_field c[3] = {
            {0, 1, 0, (uint64_t)(codes[i] < 127 ? codes[i] : 127), NULL},
            {3, 4, 0, (uint64_t)codes[i], NULL},
            {1, 4, 1, 0, &s_cust},
        };
        size_t t = fb_table(f, i == 0 && o && o->custom ? 3 : 2, c);
        fb_ref(f, code_slot[i], t);
        if (i == 0 && o && o->custom)
            fb_ref(f, s_cust, fb_str(f, o->custom));
    }

    /* Buffers: 0 empty (TFLite's sentinel), 1 w, 2 b, 3 shape, 4 empty. */
    v = fb_vec(f, 4, 5, NULL);
    fb_ref(f, s_bufs, v);
    for (int i = 0; i < 5; i++)
        buf_slot[i] = v + 4 + 4 * (size_t)i;
    const uint8_t w[4] = {132, 124, 128, 136};
    const int32_t bias[2] = {8, -8}, shape[2] = {1, 8};
    for (int i = 0; i < 5; i++) {
        size_t s_data = 0;
        struct fb_field bf[1] = {{0, 4, 1, 0, &s_data}};
        size_t t = fb_table(f, i >= 1 && i <= 3 ? 1 : 0, bf);
        fb_ref(f, buf_slot[i], t);
        if (i == 1) {
            mk->w_data_len = fb_vec(f, 1, 4, w);
            fb_ref(f, s_data, mk->w_data_len);
        } else if (i == 2) {
            fb_ref(f, s_data, fb_vec(f, 1, 8, bias));
        } else if (i == 3) {
            fb_ref(f, s_data, fb_vec(f, 1, 8, shape));
        }
    }

    /* The subgraph. */
    v = fb_vec(f, 4, 1, NULL);
    fb_ref(f, s_sgs, v);
    sg_slot = v + 4;
    struct fb_field sg[4] = {{0, 4, 1, 0, &s_tensors},
                             {1, 4, 1, 0, &s_inputs},
                             {2, 4, 1, 0, &s_outputs},
                             {3, 4, 1, 0, &s_ops}};
    fb_ref(f, sg_slot, fb_table(f, 4, sg));
    v = fb_vec(f, 4, 8, NULL);
    mk->tensors_len = v;
    fb_ref(f, s_tensors, v);
    for (int i = 0; i < 8; i++)
        t_slot[i] = v + 4 + 4 * (size_t)i;
    const int32_t s_in[4] = {1, 2, 2, 2}, s_w[4] = {2, 1, 1, 2}, s_b[1] = {2}, s_flat[2] = {1, 8};
    const int32_t s_shape[1] = {2};
    size_t dummy_at;
    fb_ref(f, t_slot[0], tfl_tensor(f, s_in, 4, itype, 0, "input", 1, 0.5f, 128, &dummy_at));
    fb_ref(f, t_slot[1],
           tfl_tensor(f, s_w, 4, wtype, 1, "w", o && o->per_axis ? 2 : 1, 0.25f, 128, &mk->w_type));
    fb_ref(f, t_slot[2], tfl_tensor(f, s_b, 1, 2, 2, "b", 1, 0.125f, 0, &dummy_at));
    fb_ref(f, t_slot[3], tfl_tensor(f, s_in, 4, 3, 4, "conv", 1, 0.5f, 10, &dummy_at));
    fb_ref(f, t_slot[4], tfl_tensor(f, s_shape, 1, 2, 3, "shape", 0, 0, 0, &dummy_at));
    fb_ref(f, t_slot[5], tfl_tensor(f, s_flat, 2, 3, 0, "flat", 1, 0.5f, 10, &dummy_at));
    fb_ref(f, t_slot[6], tfl_tensor(f, s_flat, 2, 3, 0, "probs", 1, 1.0f / 256, 0, &dummy_at));
    fb_ref(f, t_slot[7], tfl_tensor(f, s_b, 1, 2, 0, "unused", 0, 0, 0, &dummy_at));
    const int32_t in_idx[1] = {0}, out_idx[1] = {6};
    fb_ref(f, s_inputs, fb_vec(f, 4, 1, in_idx));
    fb_ref(f, s_outputs, fb_vec(f, 4, 1, out_idx));

    v = fb_vec(f, 4, 3, NULL);
    fb_ref(f, s_ops, v);
    for (int i = 0; i < 3; i++)
        op_slot[i] = v + 4 + 4 * (size_t)i;
    const int32_t c_in[3] = {0, 1, 2}, c_out[1] = {3}, r_in[2] = {3, 4}, r_out[1] = {5};
    const int32_t l_in[1] = {5}, l_out[1] = {6};
    int first = o && o->swap_ops ? 2 : 0;
    /* Conv2DOptions: padding VALID, strides 1, fused ReLU. */
    fb_ref(f, op_slot[first], tfl_op(f, 0, c_in, 3, c_out, 1, 1, &s_opt, &mk->op0_inputs_ref));
    struct fb_field co[4] = {
        {0, 1, 0, 1, NULL}, {1, 4, 0, 1, NULL}, {2, 4, 0, 1, NULL}, {3, 1, 0, 1, NULL}};
    fb_ref(f, s_opt, fb_table(f, 4, co));
    fb_ref(f, op_slot[1], tfl_op(f, 1, r_in, 2, r_out, 1, 0, NULL, NULL));
    fb_ref(f, op_slot[2 - first], tfl_op(f, 2, l_in, 1, l_out, 1, 0, NULL, NULL));
}

/* ---- a model with the custom TFLite_Detection_PostProcess ---- */

static void put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* A FlexBuffers map of n 4-byte scalars (types[i] is the FlexBuffers type: 1 int, 3
 * float, 26 bool) into out; returns its size. Keys are laid out first, then the keys
 * vector (1-byte offsets back to the keys), the map header (keys offset, key width,
 * length), the values, one type byte each, and the root (offset, type, width). */
static size_t flex_map(uint8_t *out, int n, const char *const *keys, const uint8_t *types,
                       const uint32_t *bits)
{
    size_t pos[32], at = 0, kv, t;

    for (int i = 0; i < n; i++) {
        pos[i] = at;
        memcpy(out + at, keys[i], strlen(keys[i]) + 1);
        at += strlen(keys[i]) + 1;
    }
    out[at++] = (uint8_t)n;
    kv = at;
    for (int i = 0; i < n; i++, at++)
        out[at] = (uint8_t)(at - pos[i]);
    while (at % 4)
        out[at++] = 0;
    put_u32(out + at, (uint32_t)(at - kv));
    put_u32(out + at + 4, 1);
    put_u32(out + at + 8, (uint32_t)n);
    t = at + 12;
    for (int i = 0; i < n; i++) {
        put_u32(out + t + 4 * (size_t)i, bits[i]);
        out[t + 4 * (size_t)n + (size_t)i] = (uint8_t)(types[i] << 2 | 2);
    }
    at = t + 5 * (size_t)n;
    out[at] = (uint8_t)(at - t);
    out[at + 1] = (uint8_t)(9 << 2 | 2);
    out[at + 2] = 1;
    return at + 3;
}

static uint32_t f32_bits(float f)
{
    uint32_t u;

    memcpy(&u, &f, 4);
    return u;
}

/* Inputs "boxes" u8 [1,2,4] (0.1, 128) and "scores" u8 [1,2,3] (1/256, 0), the constant
 * "anchors" u8 [2,4] (1/64, 0) = (0.5, 0.5, 0.25, 0.25), (0.25, 0.25, 0.125, 0.125), into
 * TFLite_Detection_PostProcess with max_detections 2, one class per detection, score
 * threshold 0.3, IoU 0.5, 2 classes, scales 10, 10, 5, 5; regular NMS when asked. */
static void tfl_build_pp(struct fbb *f, int regular)
{
    static const char *const keys[11] = {"detections_per_class",
                                         "h_scale",
                                         "max_classes_per_detection",
                                         "max_detections",
                                         "nms_iou_threshold",
                                         "nms_score_threshold",
                                         "num_classes",
                                         "use_regular_nms",
                                         "w_scale",
                                         "x_scale",
                                         "y_scale"};
    static const uint8_t types[11] = {1, 3, 1, 1, 3, 3, 1, 26, 3, 3, 3};
    const uint32_t bits[11] = {100,
                               f32_bits(5),
                               1,
                               2,
                               f32_bits(0.5f),
                               f32_bits(0.3f),
                               2,
                               (uint32_t)regular,
                               f32_bits(5),
                               f32_bits(10),
                               f32_bits(10)};
    uint8_t opts[512];
    size_t n_opts = flex_map(opts, 11, keys, types, bits);
    size_t s_ver, s_codes, s_sgs, s_bufs, s_tensors, s_inputs, s_outputs, s_ops, s_cust, v, t;
    size_t s_opin, s_opout, s_custopt, dummy;
    const uint8_t anchors[8] = {32, 32, 16, 16, 16, 16, 8, 8};

    memset(f, 0, sizeof(*f));
    f->n = 8;
    memcpy(f->b + 4, "TFL3", 4);
    struct fb_field model[4] = {
        {0, 4, 0, 3, &s_ver}, {1, 4, 1, 0, &s_codes}, {2, 4, 1, 0, &s_sgs}, {4, 4, 1, 0, &s_bufs}};
    fb_u32_at(f, 0, (uint32_t)fb_table(f, 4, model));
    v = fb_vec(f, 4, 1, NULL);
    fb_ref(f, s_codes, v);
    struct fb_field code[2] = {{0, 1, 0, 32, NULL}, {1, 4, 1, 0, &s_cust}};
    fb_ref(f, v + 4, fb_table(f, 2, code));
    fb_ref(f, s_cust, fb_str(f, "TFLite_Detection_PostProcess"));
    v = fb_vec(f, 4, 2, NULL);
    fb_ref(f, s_bufs, v);
    for (int i = 0; i < 2; i++) {
        size_t s_data = 0;
        struct fb_field bf[1] = {{0, 4, 1, 0, &s_data}};
        fb_ref(f, v + 4 + 4 * (size_t)i, fb_table(f, i, bf));
        if (i == 1)
            fb_ref(f, s_data, fb_vec(f, 1, 8, anchors));
    }
    v = fb_vec(f, 4, 1, NULL);
    fb_ref(f, s_sgs, v);
    struct fb_field sg[4] = {{0, 4, 1, 0, &s_tensors},
                             {1, 4, 1, 0, &s_inputs},
                             {2, 4, 1, 0, &s_outputs},
                             {3, 4, 1, 0, &s_ops}};
    fb_ref(f, v + 4, fb_table(f, 4, sg));
    v = fb_vec(f, 4, 7, NULL);
    fb_ref(f, s_tensors, v);
    const int32_t sb[3] = {1, 2, 4}, ss[3] = {1, 2, 3}, sa[2] = {2, 4};
    fb_ref(f, v + 4, tfl_tensor(f, sb, 3, 3, 0, "boxes", 1, 0.1f, 128, &dummy));
    fb_ref(f, v + 8, tfl_tensor(f, ss, 3, 3, 0, "scores", 1, 1.0f / 256, 0, &dummy));
    fb_ref(f, v + 12, tfl_tensor(f, sa, 2, 3, 1, "anchors", 1, 1.0f / 64, 0, &dummy));
    static const char *const outs[4] = {
        "TFLite_Detection_PostProcess", "TFLite_Detection_PostProcess:1",
        "TFLite_Detection_PostProcess:2", "TFLite_Detection_PostProcess:3"};
    for (int i = 0; i < 4; i++)
        fb_ref(f, v + 16 + 4 * (size_t)i, tfl_tensor(f, sb, 0, 0, 0, outs[i], 0, 0, 0, &dummy));
    const int32_t in_idx[2] = {0, 1}, out_idx[4] = {3, 4, 5, 6}, op_in[3] = {0, 1, 2};
    fb_ref(f, s_inputs, fb_vec(f, 4, 2, in_idx));
    fb_ref(f, s_outputs, fb_vec(f, 4, 4, out_idx));
    v = fb_vec(f, 4, 1, NULL);
    fb_ref(f, s_ops, v);
    struct fb_field op[4] = {{0, 4, 0, 0, NULL},
                             {1, 4, 1, 0, &s_opin},
                             {2, 4, 1, 0, &s_opout},
                             {5, 4, 1, 0, &s_custopt}};
    t = fb_table(f, 4, op);
    fb_ref(f, v + 4, t);
    fb_ref(f, s_opin, fb_vec(f, 4, 3, op_in));
    fb_ref(f, s_opout, fb_vec(f, 4, 4, out_idx));
    fb_ref(f, s_custopt, fb_vec(f, 1, (uint32_t)n_opts, opts));
}

/* The output the model gives for tfl_input (worked out by hand in test_import_tflite.c). */
static const uint8_t tfl_input[8] = {130, 126, 128, 128, 140, 120, 0, 255};
static const uint8_t tfl_probs[8] = {244, 128, 187, 128, 255, 128, 128, 255};

#endif /* SEER_TESTS_TFLITE_FIXTURE_H */

/*
 * Tensors: a dtype, a shape and a data pointer. A tensor never owns its data: data
 * borrows from an arena, mmapped weights or a plan's activation buffer, and is valid
 * until that owner is freed. Shapes are dense and row-major (C order).
 */
#ifndef SEER_TENSOR_H
#define SEER_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEER_MAX_DIMS 8

enum seer_dtype {
    SEER_DTYPE_F32 = 0,
    SEER_DTYPE_F16,
    SEER_DTYPE_I32,
    SEER_DTYPE_I64,
    SEER_DTYPE_U8,
    SEER_DTYPE_I8,
    SEER_DTYPE_BOOL, /* one byte, 0 or 1 */
    SEER_DTYPE_I16,
    SEER_DTYPE_COUNT,
};

struct seer_quant {
    float scale;        /* 0 when the tensor is not quantised */
    int32_t zero_point;
};

struct seer_tensor {
    enum seer_dtype dtype;
    int ndim;                      /* 0 for a scalar */
    int64_t dims[SEER_MAX_DIMS];
    void *data;                    /* borrowed; NULL until planned or bound */
    struct seer_quant q;           /* per-tensor quantisation (TFLite); scale 0 if none */
};

/* Bytes per element of a dtype (bool is 1). */
size_t seer_dtype_size(enum seer_dtype dt);
/* "float32", "int32", ... Never NULL. */
const char *seer_dtype_name(enum seer_dtype dt);

/* Number of elements (1 for a scalar). Shapes are validated against limits at plan
 * time, so this cannot overflow for a planned tensor. */
int64_t seer_tensor_numel(const struct seer_tensor *t);
/* Overflow-checked byte size; false on overflow or a negative dim. */
bool seer_tensor_nbytes(const struct seer_tensor *t, size_t *n);
/* Sets dtype and shape; data untouched. ndim <= SEER_MAX_DIMS (asserted). */
void seer_tensor_set_shape(struct seer_tensor *t, enum seer_dtype dt, int ndim,
                           const int64_t *dims);
bool seer_tensor_same_shape(const struct seer_tensor *a, const struct seer_tensor *b);
/* "[1,512,512,3]" into buf (always NUL-terminated); returns buf. */
char *seer_tensor_shape_str(const struct seer_tensor *t, char *buf, size_t n);

/* Reads element i of an integer tensor (i32, i64, u8, i8, i16, bool) as int64. */
int64_t seer_tensor_get_int(const struct seer_tensor *t, int64_t i);
/* Reads element i of any tensor as double. */
double seer_tensor_get_f64(const struct seer_tensor *t, int64_t i);

#endif /* SEER_TENSOR_H */

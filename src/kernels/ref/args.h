/*
 * Argument checks shared by the shape functions of the elementwise, reduction and shape
 * ops: input counts, constant integer inputs (axes, shapes, permutations), axis
 * normalisation and shape strings for messages. Every function that can fail fills err
 * with a message naming the input ("axis", "perm") and returns a status; the caller (the
 * planner) prefixes the node name. Nothing here allocates.
 */
#ifndef SEER_KERNELS_REF_ARGS_H
#define SEER_KERNELS_REF_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include <seer/graph.h>
#include <seer/status.h>

/* Checks that nd has between min_in and max_in inputs, the first min_in of them
 * present, and exactly n_out outputs (n_out < 0: at least one). */
int seer__check_arity(const struct seer_node *nd, int min_in, int max_in, int n_out,
                      struct seer_err *err);

/* Reads constant integer input in[i] (int32 or int64, scalar or 1-D, at most max values)
 * into v and its length into *n. what names the input in messages. EUNSUPPORTED
 * "<what> must be constant" when its data is not known at shape time. */
int seer__const_ints(const struct seer_node *nd, int i, const char *what, int64_t *v, int max,
                     int *n, struct seer_err *err);

/* Like seer__const_ints for an input that holds exactly one value (a scalar or a
 * one-element vector, as TensorFlow accepts for axes). */
int seer__const_scalar(const struct seer_node *nd, int i, const char *what, int64_t *v,
                       struct seer_err *err);

/* Maps axis in [-rank, rank) to [0, rank). EFORMAT naming what when out of range. */
int seer__axis(int64_t axis, int rank, const char *what, int *out, struct seer_err *err);

/* "[2,-1,4]" into buf (always NUL-terminated, truncated with "..." when long). */
char *seer__ints_str(const int64_t *v, int n, char *buf, size_t len);

/* Row-major element strides of t into s[0..ndim). */
void seer__strides(const struct seer_tensor *t, int64_t *s);

/* Copies n bytes from src to dst, worker ith of nth taking an equal contiguous share:
 * the kernel behind Identity, Reshape and friends. Does nothing when dst == src (the
 * planner may alias them). */
void seer__copy_share(void *dst, const void *src, size_t n, int ith, int nth);

/* Reads a reduction's axes (constant input 1) into a mask: bit i set when dim i is
 * reduced. Negative axes count from the end; a repeated dim is an error. */
int seer__reduce_mask(const struct seer_node *nd, unsigned *mask, struct seer_err *err);

#endif /* SEER_KERNELS_REF_ARGS_H */

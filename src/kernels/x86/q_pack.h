/* Weight packing shared by the quantised-conv twins (q_conv_vnni.c, q_conv_avx2.c).
 * Plain C: the packed layout is the same for both, only the channel block differs. */
#ifndef SEER_Q_PACK_H
#define SEER_Q_PACK_H

#include <stdint.h>

#include <seer/graph.h>

/* Depthwise weights [KH, KW, C, 1] as int32 w - zw in [KH*KW][nblk*block] and the bias
 * as [nblk*block], channels past C zero. On success *wdw and *bias are owned by the
 * caller (seer_free_aligned), *co = C and *nblk = ceil(C / block). EUNSUPPORTED for a
 * depth multiplier other than 1 (the reference kernel handles it) or an oversized
 * filter; ENOMEM. On failure whatever was allocated is still returned, for the caller's
 * one free path. */
int seer__qdw_pack(const struct seer_node *nd, int64_t block, int64_t *co, int64_t *nblk,
                   int32_t **wdw, int32_t **bias);

#endif /* SEER_Q_PACK_H */

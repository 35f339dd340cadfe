/* The one oneDNN CPU engine the dnnl twins share (created in conv.c, capped by SEER_ISA). */
#ifndef SEER_KERNELS_DNNL_ENGINE_H
#define SEER_KERNELS_DNNL_ENGINE_H

#include <oneapi/dnnl/dnnl.h>

/* The engine, or NULL when oneDNN is unavailable or turned off (SEER_NO_DNNL). */
dnnl_engine_t seer__dnnl_engine(void);

#endif /* SEER_KERNELS_DNNL_ENGINE_H */

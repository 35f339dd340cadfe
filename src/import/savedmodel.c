/*
 * TensorFlow SavedModel importer: saved_model.pb (a SavedModel message holding
 * MetaGraphDefs) plus the variables/ checkpoint.
 *
 * The MetaGraphDef tagged "serve" (or else the first) is used. Its SignatureDefs are
 * copied out for the caller (TF Serving's metadata lists them all); the graph is built
 * for the serving_default signature: its input tensors become the graph's inputs (a
 * signature may name an intermediate tensor, such as the Identity after an example
 * parser, and feeding it cuts off what computes it, as a TensorFlow session does), its
 * output tensors the graph's outputs, and every variable the outputs need becomes a
 * constant read from the checkpoint under the variable's name. Savers, initialisers and
 * other signatures' ops are never built.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/file.h"
#include "import/bundle.h"
#include "import/graphdef_int.h"
#include "import/import.h"

enum {
    SM_META_GRAPHS = 2,
    MG_META_INFO = 1,
    MG_GRAPH = 2,
    MG_SIGNATURES = 5,
    MI_TAGS = 4,
    SIG_INPUTS = 1,
    SIG_OUTPUTS = 2,
    SIG_METHOD = 3,
    TI_NAME = 1,
    TI_DTYPE = 2,
    TI_SHAPE = 3,
};

#define MAX_SIGS        1024
#define MAX_SIG_TENSORS 1024

static int oom(struct seer_err *err)
{
    return seer_errf(err, SEER_ENOMEM, "out of memory");
}

static int sub(const struct seer__pb *r, const struct seer__pb_field *f, struct seer__pb *s)
{
    if (f->wire != SEER__PB_LEN)
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: field %u is not a message", f->off,
                         f->num);
    seer__pb_sub(r, f, s);
    return SEER_OK;
}

static int str(const struct seer__pb *r, const struct seer__pb_field *f, struct seer_arena *a,
               const char **out)
{
    if (f->wire != SEER__PB_LEN || memchr(f->data, 0, f->len))
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: field %u is not a string", f->off,
                         f->num);
    *out = seer_arena_strndup(a, (const char *)f->data, f->len);
    return *out ? SEER_OK : oom(r->err);
}

/* A map<string, TensorInfo> entry. */
static int tensor_info(const struct seer__pb *r, const struct seer__pb_field *f,
                       struct seer_arena *a, struct seer_sig_tensor *t)
{
    struct seer__pb e, ti;
    struct seer__pb_field g, h;
    int rc = sub(r, f, &e);

    t->unknown_rank = true;
    while (!rc && (rc = seer__pb_next(&e, &g)) == 1) {
        rc = 0;
        if (g.num == 1) {
            rc = str(&e, &g, a, &t->key);
        } else if (g.num == 2 && !(rc = sub(&e, &g, &ti))) {
            while ((rc = seer__pb_next(&ti, &h)) == 1) {
                rc = 0;
                if (h.num == TI_NAME) {
                    rc = str(&ti, &h, a, &t->name);
                } else if (h.num == TI_DTYPE && h.wire == SEER__PB_VARINT) {
                    t->tf_dtype = h.v > 1000 ? 0 : (int)h.v;
                } else if (h.num == TI_SHAPE) {
                    struct seer__tf_shape sh;
                    rc = seer__gd_shape(&ti, &h, &sh, r->err);
                    if (!rc) {
                        t->unknown_rank = sh.unknown_rank;
                        t->ndim = sh.ndim;
                        memcpy(t->dims, sh.dims, sizeof(t->dims));
                    }
                }
                if (rc)
                    break;
            }
        }
    }
    if (rc)
        return rc;
    if (!t->key || !t->name)
        return seer_errf(r->err, SEER_EFORMAT,
                         "offset %zu: a signature tensor has no key or "
                         "name (only dense tensors are supported)",
                         f->off);
    return SEER_OK;
}

static int count_fields(const struct seer__pb *r, uint32_t num, int max, int *n)
{
    struct seer__pb s = *r;
    struct seer__pb_field f;
    int rc;

    *n = 0;
    while ((rc = seer__pb_next(&s, &f)) == 1)
        if (f.num == num && ++*n > max)
            return seer_errf(r->err, SEER_ELIMIT, "more than %d signatures or tensors", max);
    return rc;
}

/* A map<string, SignatureDef> entry. */
static int signature(const struct seer__pb *r, const struct seer__pb_field *f, struct seer_arena *a,
                     struct seer_signature *sig)
{
    struct seer__pb e, sd;
    struct seer__pb_field g, h;
    int rc = sub(r, f, &e), n_in = 0, n_out = 0;

    while (!rc && (rc = seer__pb_next(&e, &g)) == 1) {
        rc = 0;
        if (g.num == 1) {
            rc = str(&e, &g, a, &sig->name);
        } else if (g.num == 2 && !(rc = sub(&e, &g, &sd))) {
            if ((rc = count_fields(&sd, SIG_INPUTS, MAX_SIG_TENSORS, &n_in)) ||
                (rc = count_fields(&sd, SIG_OUTPUTS, MAX_SIG_TENSORS, &n_out)))
                break;
            sig->inputs = seer_arena_array(a, (size_t)n_in + 1, sizeof(*sig->inputs));
            sig->outputs = seer_arena_array(a, (size_t)n_out + 1, sizeof(*sig->outputs));
            if (!sig->inputs || !sig->outputs)
                return oom(r->err);
            while ((rc = seer__pb_next(&sd, &h)) == 1) {
                rc = 0;
                if (h.num == SIG_INPUTS)
                    rc = tensor_info(&sd, &h, a, &sig->inputs[sig->n_inputs++]);
                else if (h.num == SIG_OUTPUTS)
                    rc = tensor_info(&sd, &h, a, &sig->outputs[sig->n_outputs++]);
                else if (h.num == SIG_METHOD)
                    rc = str(&sd, &h, a, &sig->method_name);
                if (rc)
                    break;
            }
        }
    }
    if (rc)
        return rc;
    if (!sig->name)
        return seer_errf(r->err, SEER_EFORMAT, "offset %zu: a signature has no name", f->off);
    if (!sig->method_name)
        sig->method_name = "";
    return SEER_OK;
}

/* Finds the MetaGraphDef to serve: tagged "serve", or else the first. */
static int pick_meta_graph(struct seer__pb *r, struct seer__pb *mg)
{
    struct seer__pb s = *r, m, info;
    struct seer__pb_field f, g, h;
    bool found = false;
    int rc;

    while ((rc = seer__pb_next(&s, &f)) == 1) {
        bool serve = false;
        if (f.num != SM_META_GRAPHS)
            continue;
        if ((rc = sub(&s, &f, &m)))
            return rc;
        struct seer__pb scan = m;
        while ((rc = seer__pb_next(&scan, &g)) == 1) {
            if (g.num != MG_META_INFO)
                continue;
            if ((rc = sub(&scan, &g, &info)))
                return rc;
            while ((rc = seer__pb_next(&info, &h)) == 1)
                if (h.num == MI_TAGS && seer__pb_str_eq(&h, "serve"))
                    serve = true;
            if (rc)
                return rc;
        }
        if (rc)
            return rc;
        if (!found || serve) {
            *mg = m;
            found = true;
        }
        if (serve)
            return SEER_OK;
    }
    if (rc)
        return rc;
    return found ? SEER_OK : seer_errf(r->err, SEER_EFORMAT, "saved_model.pb has no meta graph");
}

struct vars {
    struct seer__bundle *b;
};

static int variable(void *ctx, const char *name, struct seer_graph *g, struct seer_value **out,
                    struct seer_err *err)
{
    struct vars *v = ctx;

    if (!v->b)
        return seer_errf(err, SEER_EFORMAT,
                         "variable '%s' needs a value but the SavedModel "
                         "has no variables/ checkpoint",
                         name);
    if (!seer__bundle_has(v->b, name))
        return seer_errf(err, SEER_EFORMAT, "variable '%s' is not in the checkpoint", name);
    return seer__bundle_read(v->b, name, name, g, out, err);
}

int seer_savedmodel_import_dir(const char *dir, const struct seer_limits *lim_in,
                               struct seer_arena *a, struct seer_signature **sigs_out,
                               int *n_sigs_out, struct seer_graph **out, struct seer_err *err)
{
    struct seer_limits lim = seer_limits_default(lim_in);
    struct seer_arena *scratch = seer_arena_new(4096);
    struct seer_signature *sigs = NULL, *serve = NULL;
    struct seer__pb r, mg, gd = {0};
    struct seer__pb_field f;
    struct vars vars = {0};
    struct seer__gd_opts o = {0};
    char path[4096];
    uint8_t *buf = NULL;
    size_t n = 0;
    int n_sigs = 0, rc;

    *out = NULL;
    if (sigs_out)
        *sigs_out = NULL;
    if (n_sigs_out)
        *n_sigs_out = 0;
    if (!scratch)
        return oom(err);
    if (!a)
        a = scratch;
    snprintf(path, sizeof(path), "%s/saved_model.pb", dir);
    rc = seer_file_read(path, lim.max_model_bytes, &buf, &n, err);
    if (rc)
        goto out;
    seer__pb_init(&r, buf, n, err);
    rc = pick_meta_graph(&r, &mg);
    if (rc)
        goto out;
    rc = count_fields(&mg, MG_SIGNATURES, MAX_SIGS, &n_sigs);
    if (rc)
        goto out;
    sigs = seer_arena_array(a, (size_t)n_sigs + 1, sizeof(*sigs));
    if (!sigs) {
        rc = oom(err);
        goto out;
    }
    n_sigs = 0;
    struct seer__pb s = mg;
    bool have_graph = false;
    while ((rc = seer__pb_next(&s, &f)) == 1) {
        rc = 0;
        if (f.num == MG_GRAPH) {
            rc = sub(&s, &f, &gd);
            have_graph = true;
        } else if (f.num == MG_SIGNATURES) {
            rc = signature(&s, &f, a, &sigs[n_sigs]);
            if (!rc && !strcmp(sigs[n_sigs].name, SEER_DEFAULT_SIGNATURE))
                serve = &sigs[n_sigs];
            n_sigs++;
        }
        if (rc)
            break;
    }
    if (rc)
        goto out;
    if (!have_graph) {
        rc = seer_errf(err, SEER_EFORMAT, "the meta graph has no graph_def");
        goto out;
    }
    if (!serve && n_sigs == 1)
        serve = &sigs[0];
    if (!serve) {
        rc = seer_errf(err, SEER_EFORMAT, "no '%s' signature to serve (of %d)",
                       SEER_DEFAULT_SIGNATURE, n_sigs);
        goto out;
    }
    o.n_feeds = serve->n_inputs;
    o.n_outputs = serve->n_outputs;
    const char **feeds = seer_arena_array(scratch, (size_t)o.n_feeds + 1, sizeof(*feeds));
    const char **outs = seer_arena_array(scratch, (size_t)o.n_outputs + 1, sizeof(*outs));
    int *dts = seer_arena_array(scratch, (size_t)o.n_feeds + 1, sizeof(*dts));
    if (!feeds || !outs || !dts) {
        rc = oom(err);
        goto out;
    }
    for (int i = 0; i < o.n_feeds; i++) {
        feeds[i] = serve->inputs[i].name;
        dts[i] = serve->inputs[i].tf_dtype;
    }
    for (int i = 0; i < o.n_outputs; i++)
        outs[i] = serve->outputs[i].name;
    o.feeds = feeds;
    o.feed_dtypes = dts;
    o.outputs = outs;
    o.variable = variable;
    o.var_ctx = &vars;
    snprintf(path, sizeof(path), "%s/variables/variables.index", dir);
    if (access(path, F_OK) == 0) {
        snprintf(path, sizeof(path), "%s/variables/variables", dir);
        rc = seer__bundle_open(path, &lim, &vars.b, err);
        if (rc)
            goto out;
    }
    rc = seer__gd_build(&gd, &lim, &o, out, err);
    if (rc) {
        seer_err_prefix(err, "saved_model.pb: ");
        goto out;
    }
    if (sigs_out && a != scratch) {
        *sigs_out = sigs;
        *n_sigs_out = n_sigs;
    }
out:
    seer__bundle_free(vars.b);
    seer_arena_free(scratch);
    seer_free(buf);
    return rc;
}

/*
 * TensorFlow checkpoints in the tensor-bundle format: a SavedModel's variables/ folder
 * (variables.index, an SSTable of BundleEntryProto by tensor name, and the data shards
 * variables.data-NNNNN-of-MMMMM). A bundle owns what it read of the index; tensor
 * bytes are read from the shards on demand.
 */
#ifndef SEER_IMPORT_BUNDLE_H
#define SEER_IMPORT_BUNDLE_H

#include <seer/graph.h>
#include <seer/status.h>

struct seer__bundle; /* opaque */

/* Opens the bundle whose files start with prefix ("dir/variables/variables"). Every
 * length and offset of the index is checked; a compressed index block (TensorFlow 2
 * checkpoints use Snappy) is EUNSUPPORTED. Errors name the file and offset. */
int seer__bundle_open(const char *prefix, const struct seer_limits *lim, struct seer__bundle **out,
                      struct seer_err *err);
void seer__bundle_free(struct seer__bundle *b); /* NULL ok */

/* Whether the bundle holds a tensor called key. */
bool seer__bundle_has(const struct seer__bundle *b, const char *key);

/* Reads tensor key into a new constant of g named name (dtype and shape from the entry,
 * bytes from its shard, the size checked against both). ENOTFOUND when absent. */
int seer__bundle_read(struct seer__bundle *b, const char *key, const char *name,
                      struct seer_graph *g, struct seer_value **out, struct seer_err *err);

#endif /* SEER_IMPORT_BUNDLE_H */

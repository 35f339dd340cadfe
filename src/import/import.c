/* Helpers shared by the importers (see import.h). */
#include "import/import.h"

#include <stdio.h>
#include <string.h>

struct seer_value *seer_import_find_tensor(const struct seer_graph *g, const char *tf_name)
{
    const char *colon = strrchr(tf_name, ':');
    struct seer_value *v = seer_graph_find(g, tf_name);
    char buf[1024];

    if (v)
        return v;
    /* "x:0" names the value "x" of a single-output node; "x" names the value "x:0" of a
     * multi-output node. Anything else has only its own spelling. */
    if (colon && !strcmp(colon, ":0") && (size_t)(colon - tf_name) < sizeof(buf)) {
        memcpy(buf, tf_name, (size_t)(colon - tf_name));
        buf[colon - tf_name] = '\0';
        return seer_graph_find(g, buf);
    }
    if (!colon && (size_t)snprintf(buf, sizeof(buf), "%s:0", tf_name) < sizeof(buf))
        return seer_graph_find(g, buf);
    return NULL;
}

/* seer import: a TF Object Detection API folder, a frozen graph or a SavedModel into the
 * model repository (see repo/model_import.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "repo/model_import.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: seer import SRC [--name NAME] [--labels FILE] [--models DIR] [--version N]\n"
               "\n"
               "  SRC               a folder as the TF Object Detection API's model zoo ships it\n"
               "                    (ssd_mobilenet_v1_coco_11_06_2017/ with\n"
               "                    frozen_inference_graph.pb), a frozen graph .pb, or a\n"
               "                    SavedModel folder (saved_model.pb and variables/)\n"
               "  --name NAME       the model's name (default: the folder's)\n"
               "  --labels FILE     its label map (label_map.pbtxt) or labels file (one name per\n"
               "                    line); a detection model without one gets COCO's\n"
               "  --models DIR      the model repository (default ./models)\n"
               "  --version N       the version to write (default 1; never overwritten)\n"
               "\n"
               "Writes DIR/NAME/N/ with the model's files and a seer.json manifest, after\n"
               "checking that it loads and runs. A running server picks it up on its next scan.\n");
}

int seer_cli_import(int argc, char **argv)
{
    struct seer__import_opts o = {0};
    struct seer__import_result res;
    struct seer_err err = {{0}};
    const char *src = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if ((!strcmp(a, "--name") || !strcmp(a, "--labels") || !strcmp(a, "--models") ||
             !strcmp(a, "--version")) &&
            i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(a, "--name"))
                o.name = v;
            else if (!strcmp(a, "--labels"))
                o.labels = v;
            else if (!strcmp(a, "--models"))
                o.models_dir = v;
            else if (sscanf(v, "%d", &o.version) != 1 || o.version < 1) {
                fprintf(stderr, "seer import: --version needs a positive integer\n");
                return 2;
            }
        } else if (a[0] == '-' || src) {
            fprintf(stderr, "seer import: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            src = a;
        }
    }
    if (!src) {
        usage(stderr);
        return 2;
    }
    if (seer__model_import(src, &o, &res, &err)) {
        fprintf(stderr, "seer import: %s\n", err.msg);
        return 1;
    }
    printf("imported %s as %s (%s, %s", src, res.dir, res.format, res.family);
    if (res.n_labels)
        printf(", %d labels", res.n_labels);
    printf(")\n");
    return 0;
}

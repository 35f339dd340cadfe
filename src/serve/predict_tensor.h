/*
 * TF Serving's predict and metadata answers for generic models (tensor in, tensor out;
 * predict_tensor.c). The detection answers are in h_predict.c and h_models.c, which call
 * these for models of family "generic".
 */
#ifndef SEER_SERVE_PREDICT_TENSOR_H
#define SEER_SERVE_PREDICT_TENSOR_H

struct cJSON;
struct seer_model;
struct seer_req;
struct seer_resp;

/* Answers a parsed :predict body (row or columnar format) by running m once on the
 * tensors it holds. EINVAL for a body that does not fit the model's inputs, EUNSUPPORTED
 * for string inputs; messages name the input or instance. */
int seer__predict_tensor(struct seer_req *rq, struct seer_resp *rs, struct seer_model *m,
                         const struct cJSON *req);

/* Adds m's signatures to sigdefs (the "signature_def" map of TF Serving's metadata): a
 * SavedModel's SignatureDefs, or serving_default made of the graph's inputs and outputs. */
void seer__signatures_json(const struct seer_model *m, struct cJSON *sigdefs);

#endif /* SEER_SERVE_PREDICT_TENSOR_H */

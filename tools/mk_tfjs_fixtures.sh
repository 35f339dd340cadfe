#!/bin/sh
# Writes the tiny TF.js graph-model fixtures in tests/data/tfjs/ (model.json + shards).
# The weights are spelled out byte by byte (little-endian) so each value can be checked
# by hand; tests/test_import_tfjs.c asserts the decoded values.
#   sh tools/mk_tfjs_fixtures.sh
set -eu
out=tests/data/tfjs
mkdir -p "$out/conv_f16" "$out/two_groups"

# conv_f16: x[-1,3,3,2] -> _FusedConv2D(BiasAdd, Relu6) -> Mul(scale) -> Identity "out".
#   w [1,1,2,2] float16: 1.0 (3c00), -2.0 (c000), 0.333251953125 (3555), 2^-24 (0001)
#   b [2] float16: 0.5 (3800), -0.25 (b400)
#   scale [2] uint8, min -1, scale 0.5: q 3 -> 0.5, q 255 -> 126.5
cat > "$out/conv_f16/model.json" <<'JSON'
{
  "format": "graph-model",
  "generatedBy": "tools/mk_tfjs_fixtures.sh",
  "modelTopology": {
    "node": [
      {"name": "out", "op": "Identity", "input": ["mul"], "attr": {"T": {"type": "DT_FLOAT"}}},
      {"name": "mul", "op": "Mul", "input": ["conv", "scale"]},
      {"name": "conv", "op": "_FusedConv2D", "input": ["x", "w", "b"],
       "attr": {"T": {"type": "DT_FLOAT"}, "data_format": {"s": "TkhXQw=="},
                "strides": {"list": {"i": ["1", "2", "2", "1"]}},
                "dilations": {"list": {"i": ["1", "1", "1", "1"]}},
                "padding": {"s": "U0FNRQ=="}, "explicit_paddings": {"list": {}},
                "num_args": {"i": "1"}, "epsilon": {"f": 0},
                "fused_ops": {"list": {"s": ["Qmlhc0FkZA==", "UmVsdTY="]}}}},
      {"name": "x", "op": "Placeholder",
       "attr": {"dtype": {"type": "DT_FLOAT"},
                "shape": {"shape": {"dim": [{"size": "-1"}, {"size": "3"}, {"size": "3"},
                                            {"size": "2"}]}}}},
      {"name": "w", "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}}},
      {"name": "b", "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}}},
      {"name": "scale", "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}}}
    ],
    "library": {},
    "versions": {}
  },
  "weightsManifest": [
    {"paths": ["group1-shard1of1.bin"],
     "weights": [
       {"name": "w", "shape": [1, 1, 2, 2], "dtype": "float32",
        "quantization": {"dtype": "float16", "original_dtype": "float32"}},
       {"name": "b", "shape": [2], "dtype": "float32",
        "quantization": {"dtype": "float16", "original_dtype": "float32"}},
       {"name": "scale", "shape": [2], "dtype": "float32",
        "quantization": {"dtype": "uint8", "min": -1, "scale": 0.5,
                         "original_dtype": "float32"}}
     ]}
  ]
}
JSON
printf '\000\074\000\300\125\065\001\000' > "$out/conv_f16/group1-shard1of1.bin"
printf '\000\070\000\264' >> "$out/conv_f16/group1-shard1of1.bin"
printf '\003\377' >> "$out/conv_f16/group1-shard1of1.bin"

# two_groups: group 1 has two shards (a float32 [3] = 1.5, -2, 3 split 8 + 4 bytes),
# group 2 one shard (b int32 [2] = 1, 3). reshape(add(x, a), b) with a signature.
cat > "$out/two_groups/model.json" <<'JSON'
{
  "format": "graph-model",
  "signature": {
    "inputs": {"x:0": {"name": "x:0", "dtype": "DT_FLOAT",
                       "tensorShape": {"dim": [{"size": "3"}]}}},
    "outputs": {"reshape:0": {"name": "reshape:0", "dtype": "DT_FLOAT"}}
  },
  "modelTopology": {
    "node": [
      {"name": "x", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"},
                                                   "shape": {"shape": {"unknownRank": true}}}},
      {"name": "a", "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}}},
      {"name": "b", "op": "Const", "attr": {"dtype": {"type": "DT_INT32"}}},
      {"name": "add", "op": "AddV2", "input": ["x", "a"]},
      {"name": "reshape", "op": "Reshape", "input": ["add", "b"]}
    ]
  },
  "weightsManifest": [
    {"paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"],
     "weights": [{"name": "a", "shape": [3], "dtype": "float32"}]},
    {"paths": ["group2-shard1of1.bin"],
     "weights": [{"name": "b", "shape": [2], "dtype": "int32"}]}
  ]
}
JSON
printf '\000\000\300\077\000\000\000\300' > "$out/two_groups/group1-shard1of2.bin"
printf '\000\000\100\100' > "$out/two_groups/group1-shard2of2.bin"
printf '\001\000\000\000\003\000\000\000' > "$out/two_groups/group2-shard1of1.bin"

# Seeds for fuzz/fuzz_tfjs.c: model.json, a NUL byte, then the concatenated shards.
seeds=fuzz/corpus/tfjs
mkdir -p "$seeds"
{ cat "$out/conv_f16/model.json"; printf '\000'; cat "$out/conv_f16/group1-shard1of1.bin"; } \
    > "$seeds/conv_f16"
{ cat "$out/two_groups/model.json"; printf '\000'; cat "$out/two_groups/group1-shard1of2.bin" \
    "$out/two_groups/group1-shard2of2.bin" "$out/two_groups/group2-shard1of1.bin"; } \
    > "$seeds/two_groups"
# TopKV2 with two outputs, ConcatV2 with an inline axis, control input, uint8 and float16.
cat > "$seeds/topk_concat" <<'JSON'
{"format": "graph-model", "modelTopology": {"node": [
 {"name": "vals", "op": "Identity", "input": ["top"]},
 {"name": "idx", "op": "Cast", "input": ["top:1"], "attr": {"DstT": {"type": "DT_FLOAT"}}},
 {"name": "cat", "op": "ConcatV2", "input": ["vals", "idx", "ax"], "attr": {"N": {"i": "2"}}},
 {"name": "top", "op": "TopKV2", "input": ["x", "k"], "attr": {"sorted": {"b": true}}},
 {"name": "o", "op": "Mul", "input": ["cat", "h"]},
 {"name": "q", "op": "Add", "input": ["o", "u", "^x"]},
 {"name": "ax", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32",
  "tensorShape": {}, "intVal": [1]}}}},
 {"name": "k", "op": "Const"}, {"name": "h", "op": "Const"}, {"name": "u", "op": "Const"},
 {"name": "x", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"},
  "shape": {"shape": {"dim": [{"size": "-1"}, {"size": "10"}]}}}}]},
 "weightsManifest": [{"paths": ["a.bin"], "weights": [
  {"name": "k", "shape": [], "dtype": "int32"},
  {"name": "h", "shape": [], "dtype": "float32", "quantization": {"dtype": "float16"}},
  {"name": "u", "shape": [2], "dtype": "float32",
   "quantization": {"dtype": "uint8", "min": 0, "scale": 1}}]}]}
JSON
printf '\000\003\000\000\000\000\074\001\002' >> "$seeds/topk_concat"
# Unknown dims filled from options, a fused depthwise conv with a residual, SplitV.
cat > "$seeds/depthwise_split" <<'JSON'
{"modelTopology": {"node": [
 {"name": "x", "op": "Placeholder", "attr": {"shape": {"shape": {"dim": [{"size": "-1"},
  {"size": "-1"}, {"size": "-1"}, {"size": "3"}]}}}},
 {"name": "w", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_FLOAT",
  "tensorShape": {"dim": [{"size": "1"}, {"size": "1"}, {"size": "3"}, {"size": "1"}]},
  "floatVal": [0.5]}}}},
 {"name": "b", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_FLOAT",
  "tensorShape": {"dim": [{"size": "3"}]}, "tensorContent": "AACAPwAAAEAAAEBA"}}}},
 {"name": "d", "op": "FusedDepthwiseConv2dNative", "input": ["x", "w", "b", "x"],
  "attr": {"padding": {"s": "U0FNRQ=="}, "num_args": {"i": "2"},
  "strides": {"list": {"i": ["1", "2", "2", "1"]}},
  "fused_ops": {"list": {"s": ["Qmlhc0FkZA==", "QWRk", "UmVsdTY="]}}}},
 {"name": "sz", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32",
  "tensorShape": {"dim": [{"size": "2"}]}, "intVal": [1, 2]}}}},
 {"name": "ax", "op": "Const", "attr": {"value": {"tensor": {"dtype": "DT_INT32",
  "tensorShape": {}, "intVal": [3]}}}},
 {"name": "s", "op": "SplitV", "input": ["d", "sz", "ax"], "attr": {"num_split": {"i": "2"}}},
 {"name": "y", "op": "Sigmoid", "input": ["s:1"]}]}}
JSON
# A cycle, and a truncated file.
cat > "$seeds/cycle" <<'JSON'
{"modelTopology": {"node": [{"name": "a", "op": "Relu", "input": ["b"]},
 {"name": "b", "op": "Relu", "input": ["a"]}, {"name": "o", "op": "Relu", "input": ["a"]}]}}
JSON
head -c 700 "$out/conv_f16/model.json" > "$seeds/truncated"

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

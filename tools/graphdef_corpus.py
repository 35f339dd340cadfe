#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/fuzz_graphdef.c: small TensorFlow GraphDefs made by
hand with a minimal protobuf writer (no TensorFlow needed). Run from the repo root:
python3 tools/graphdef_corpus.py fuzz/corpus/graphdef"""
import os
import struct
import sys


def varint(v):
    out = b""
    v &= (1 << 64) - 1
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def field(num, wire, payload):
    return varint(num << 3 | wire) + payload


def ln(num, data):
    return field(num, 2, varint(len(data)) + data)


def vi(num, v):
    return field(num, 0, varint(v))


def shape(dims):
    return b"".join(ln(2, vi(1, d)) for d in dims)


def attr(key, value):
    return ln(5, ln(1, key.encode()) + ln(2, value))


def a_type(dt):
    return vi(6, dt)


def a_shape(dims):
    return ln(7, shape(dims))


def a_tensor_f32(dims, vals, content=False):
    t = vi(1, 1) + ln(2, shape(dims))
    packed = b"".join(struct.pack("<f", v) for v in vals)
    t += ln(4, packed) if content else (ln(5, packed) if vals else b"")
    return ln(8, t)


def a_tensor_i32(dims, vals):
    return ln(8, vi(1, 3) + ln(2, shape(dims)) + ln(7, b"".join(varint(v) for v in vals)))


def a_int(v):
    return vi(3, v)


def a_bool(v):
    return vi(5, 1 if v else 0)


def a_str(s):
    return ln(2, s.encode())


def node(name, op, inputs=(), **attrs):
    body = ln(1, name.encode()) + ln(2, op.encode())
    for i in inputs:
        body += ln(3, i.encode())
    for k, v in attrs.items():
        body += attr(k, v)
    return ln(1, body)


def const_f32(name, dims, vals, content=False, ctrl=()):
    return node(name, "Const", ["^" + c for c in ctrl], dtype=a_type(1),
                value=a_tensor_f32(dims, vals, content))


def const_i32(name, dims, vals, ctrl=()):
    return node(name, "Const", ["^" + c for c in ctrl], dtype=a_type(3),
                value=a_tensor_i32(dims, vals))


def placeholder(name, dt, dims):
    return node(name, "Placeholder", dtype=a_type(dt), shape=a_shape(dims))


def enter(name, x, frame, const=False):
    return node(name, "Enter", [x], frame_name=a_str(frame), is_constant=a_bool(const),
                T=a_type(3))


graphs = {}
graphs["add"] = (placeholder("x", 1, [-1]) + const_f32("c", [1], [2.0]) +
                 node("y", "Add", ["x", "c"]))
graphs["consts"] = (const_f32("a", [2], [1.5, -2.0], content=True) +
                    const_f32("b", [3], [0.25]) + const_f32("z", [2], []) +
                    node("ya", "Identity", ["a"]) + node("yb", "Identity", ["b"]) +
                    node("yz", "Identity", ["z"]))
# while (i < n) i += 1, the way TF1 writes it
loop = (placeholder("n", 3, []) + const_i32("i0", [], [0]) +
        enter("w/Enter", "i0", "w/ctx") + enter("w/Enter_n", "n", "w/ctx", const=True) +
        node("w/Merge", "Merge", ["w/Enter", "w/NextIteration"]) +
        node("w/Less", "Less", ["w/Merge", "w/Enter_n"]) +
        node("w/LoopCond", "LoopCond", ["w/Less"]) +
        node("w/Switch", "Switch", ["w/Merge", "w/LoopCond"]) +
        node("w/Identity", "Identity", ["w/Switch:1"]) +
        const_i32("w/one", [], [1], ctrl=["w/Identity"]) +
        node("w/add", "Add", ["w/Identity", "w/one"]) +
        node("w/NextIteration", "NextIteration", ["w/add"]) +
        node("w/Exit", "Exit", ["w/Switch"]))
graphs["loop"] = loop
graphs["cond"] = (placeholder("x", 1, [2]) + placeholder("p", 10, []) +
                  node("s", "Switch", ["x", "p"]) + node("t", "Identity", ["s:1"]) +
                  node("f", "Identity", ["s:0"]) + const_f32("c", [2], [-7.0], ctrl=["f"]) +
                  node("m", "Merge", ["t", "c"]))
graphs["cycle"] = (placeholder("x", 1, [2]) + node("a", "Add", ["x", "b"]) +
                   node("b", "Mul", ["a", "a"]) + node("y", "Identity", ["b"]))
graphs["missing_input"] = placeholder("x", 1, [2]) + node("y", "Relu", ["nope"])
graphs["huge_const"] = node("h", "Const", dtype=a_type(1),
                            value=ln(8, vi(1, 1) + ln(2, shape([1 << 20, 1 << 20])))) + \
    node("y", "Identity", ["h"])
graphs["concat_where"] = (placeholder("x", 1, [-1]) + const_f32("zero", [], [0.0]) +
                          node("g", "Greater", ["x", "zero"]) + node("w", "Where", ["g"]) +
                          const_i32("axis", [], [0]) + node("cat", "ConcatV2",
                                                            ["w", "w", "axis"], N=a_int(2)))
graphs["truncated"] = graphs["loop"][: len(graphs["loop"]) // 2]

out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/graphdef"
os.makedirs(out, exist_ok=True)
for name, data in graphs.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)

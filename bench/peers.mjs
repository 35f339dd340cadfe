// Times Seer's peers on the same models and inputs: ONNX Runtime (onnxruntime-node) on
// ../shared/models/onnx/*.onnx at 1 and 2 threads, and TF.js (wasm backend) on the
// original TF.js graph models. Prints one JSON object per measurement (JSON Lines):
// {"runtime","model","threads","runs","median_ms","min_ms","max_ms"}.
// Usage: node bench/peers.mjs --shared DIR --models DIR [--runs N] [--only ort|tfjs]
//        [--model centernet|nanodet] [--threads N]  (one configuration, for interleaving)
//        [--spin 0]  (ONNX Runtime's intra-op threads block instead of spinning)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const runs = Number(args.runs || 20);
const shared = args.shared || '../shared';
const modelsDir = args.models || 'models';

const MODELS = {
  centernet: { size: 512, nchw: false, onnx: 'centernet.onnx', input: 'tower_0/images' },
  nanodet: { size: 416, nchw: true, onnx: 'nanodet.onnx', input: 'input_1' },
};

// The same input every runtime gets: a fixed pseudo-random photo-like pattern (the
// numbers do not change the time of these dense models).
function input(m) {
  const n = m.size * m.size * 3;
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const v = (s >>> 16) & 255;
    x[i] = m.nchw ? v / 255 : v;
  }
  return x;
}

function stats(times) {
  const t = [...times].sort((a, b) => a - b);
  return { median_ms: t[t.length >> 1], min_ms: t[0], max_ms: t[t.length - 1] };
}

async function timeIt(fn) {
  for (let i = 0; i < 3; i++) await fn(); // warm-up
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return stats(times);
}

const only = (name) => !args.model || args.model === name;
const threadList = args.threads ? [Number(args.threads)] : [1, 2];

async function ort() {
  const ortm = require('onnxruntime-node');
  for (const [name, m] of Object.entries(MODELS)) {
    if (!only(name)) continue;
    const file = path.join(shared, 'models/onnx', m.onnx);
    if (!fs.existsSync(file)) { console.error(`SKIP ort ${name}: needs ${file}`); continue; }
    for (const threads of threadList) {
      const spin = args.spin === '0' ? '0' : '1';
      const sess = await ortm.InferenceSession.create(file, {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
      });
      const dims = m.nchw ? [1, 3, m.size, m.size] : [1, m.size, m.size, 3];
      const feeds = { [m.input]: new ortm.Tensor('float32', input(m), dims) };
      const st = await timeIt(() => sess.run(feeds));
      console.log(JSON.stringify({ runtime: 'onnxruntime', model: name, threads, runs, ...st }));
      await sess.release();
    }
  }
}

async function tfjs() {
  const tf = require('@tensorflow/tfjs-core');
  const conv = require('@tensorflow/tfjs-converter');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  wasm.setWasmPaths(path.join(wasmDir, 'dist') + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  for (const [name, m] of Object.entries(MODELS)) {
    if (!only(name)) continue;
    const dir = path.join(modelsDir, name, '1');
    const json = path.join(dir, `${name}.json`);
    if (!fs.existsSync(json)) { console.error(`SKIP tfjs ${name}: needs ${json}`); continue; }
    const mj = JSON.parse(fs.readFileSync(json, 'utf8'));
    const specs = mj.weightsManifest.flatMap((g) => g.weights);
    const bufs = mj.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    const all = Buffer.concat(bufs);
    const handler = {
      load: async () => ({
        modelTopology: mj.modelTopology, weightSpecs: specs, format: mj.format,
        generatedBy: mj.generatedBy, convertedBy: mj.convertedBy, signature: mj.signature,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      }),
    };
    const model = await conv.loadGraphModel(handler);
    const dims = m.nchw ? [1, 3, m.size, m.size] : [1, m.size, m.size, 3];
    const x = tf.tensor(input(m), dims, 'float32');
    const st = await timeIt(async () => {
      const out = model.execute(x);
      const list = Array.isArray(out) ? out : [out];
      await Promise.all(list.map((t) => t.data()));
      tf.dispose(list);
    });
    console.log(JSON.stringify({ runtime: 'tfjs-wasm', model: name, threads: 1, runs, ...st }));
    x.dispose();
    model.dispose();
  }
}

if (args.only !== 'tfjs') await ort();
if (args.only !== 'ort') await tfjs();

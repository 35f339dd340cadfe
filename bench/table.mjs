// Prints bench/run.sh's measurements (JSON Lines) as a table with Seer/peer ratios and
// the fraction of the FMA peak reached. Usage: node table.mjs FILE PEAK_BEFORE PEAK_AFTER
import fs from 'node:fs';

const [file, before, after] = process.argv.slice(2);
const all = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
// Several rounds measure each configuration: keep its best (lowest median) round.
const key = (r) => [r.runtime, r.model, r.threads, r.precision || '', r.size || ''].join('/');
const best = new Map();
for (const r of all) {
  const k = key(r), ms = r.median_ms ?? r.e2e_median_ms, old = best.get(k);
  if (!old || ms < (old.median_ms ?? old.e2e_median_ms)) best.set(k, r);
}
const rows = [...best.values()];
const rounds = Math.max(...[...best.keys()].map((k) => all.filter((r) => key(r) === k).length));
// FLOPs per image (2 x multiply-adds of the convolutions), from ../shared/models/onnx/README.md.
const GFLOP = { centernet: 2.590, nanodet: 4.180 };
const peak = Math.max(Number(before) || 0, Number(after) || 0);
const find = (rt, m, t, p) => rows.find((r) => r.runtime === rt && r.model === m && r.threads === t &&
  (p ? r.precision === p : true));

console.log(`FMA peak per thread: ${before} GFLOP/s before, ${after} GFLOP/s after`);
console.log('');
const hdr = ['model', 'threads', 'runtime', 'ms/image', 'images/s', '% of peak', 'ORT/Seer-fp32', 'TFjs/Seer-fp32'];
const lines = [hdr];
for (const m of ['centernet', 'nanodet']) {
  for (const t of [1, 2]) {
    const base = find('seer', m, t, 'fp32');
    const ort = find('onnxruntime', m, t);
    const tfjs = find('tfjs-wasm', m, 1);
    const entries = [
      ['seer fp32', base], ['seer bf16', find('seer', m, t, 'bf16')], ['onnxruntime', ort],
      ...(t === 1 ? [['tfjs-wasm', tfjs]] : []),
    ];
    for (const [name, r] of entries) {
      if (!r) { lines.push([m, t, name, 'n/a', '', '', '', '']); continue; }
      const ms = r.median_ms;
      const pct = peak ? (100 * GFLOP[m] / (ms / 1000) / (peak * t)).toFixed(0) + '%' : '';
      const ratio = (peer) => (peer && name === 'seer fp32' ? (peer.median_ms / ms).toFixed(2) + 'x' : '');
      lines.push([m, t, name, ms.toFixed(2), (1000 / ms).toFixed(1), pct,
        ratio(ort), t === 1 ? ratio(tfjs) : '']);
    }
    const bf = find('seer', m, t, 'bf16');
    if (base && bf) lines.push([m, t, 'bf16 speed-up', (base.median_ms / bf.median_ms).toFixed(2) + 'x', '', '', '', '']);
  }
}
const w = hdr.map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
for (const l of lines) console.log(l.map((c, i) => String(c).padEnd(w[i])).join('  '));
console.log(`\nRatios above 1.00x mean Seer is faster. Medians of ${rows[0]?.runs ?? '?'} warm runs, ` +
  `best of ${rounds} interleaved round(s) per configuration; see bench/run.sh.`);

// End to end from JPEG bytes (decode with DCT scaling, resize + normalise, model, decode
// + NMS) against the model alone in the same calls, and the load time.
const e2e = rows.filter((r) => r.runtime === 'seer-e2e');
if (e2e.length) {
  const h2 = ['model', 'threads', 'photo', 'end to end ms', 'model ms', 'e2e/model', 'load ms'];
  const l2 = [h2];
  for (const r of e2e) {
    l2.push([r.model, r.threads, `${r.width}x${r.height} (${(r.bytes / 1e6).toFixed(2)} MB)`,
      r.e2e_median_ms.toFixed(2), r.model_median_ms.toFixed(2), r.ratio.toFixed(2) + 'x',
      r.load_ms.toFixed(0)]);
  }
  const w2 = h2.map((_, i) => Math.max(...l2.map((l) => String(l[i]).length)));
  console.log('');
  for (const l of l2) console.log(l.map((c, i) => String(c).padEnd(w2[i])).join('  '));
}

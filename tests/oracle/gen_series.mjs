// Labelled multi-source price series for `perpx oracle check`: a clean
// market (several sources with small noise, different cadences and
// latencies, Chainlink-style deviation/heartbeat updates, a lagging TWAP, a
// thin venue) with the real incident shapes injected. Seeded: the same seed
// gives the same file.
//
//   node gen_series.mjs --seed N [--hours H] [--sequencer] > series.csv
//
// Columns: time,source,price,conf,label. `label` is "clean", an incident
// kind, or "grey" (a row of an incident that is not yet distinguishable from
// a correct price: a pinned feed still within 2% of the market, a stale
// feed younger than its heartbeat, the first four prints of a frozen run).
// perpx ignores the label column.
import { parseArgs } from "node:util";

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generate({ seed = 1, hours = 4, sequencer = false, fast = false, noise = 1, slow = 1 } = {}) {
  const rnd = mulberry32(seed);
  const U = (a, b) => a + (b - a) * rnd();
  const gauss = () => {
    let u = 0, v = 0;
    while (u === 0) u = rnd();
    while (v === 0) v = rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const T0 = 1_750_000_000;
  const N = Math.round(hours * 3600);
  // ---- the true price, one value per second -----------------------------------
  const base = [3000, 65000, 1.0, 150, 0.35][Math.floor(rnd() * 5)] * U(0.8, 1.2);
  const annualVol = U(0.4, 1.2);
  const sigma = annualVol / Math.sqrt(365 * 24 * 3600);
  const drift = new Float64Array(N);  // imposed log-moves per second (trends, crashes)
  // Incidents: non-overlapping, at least 15 minutes apart, after a 20 minute warm-up.
  const kinds = ["spike", "jump", "deviation", "outlier", "floor", "pump", "stale", "stale_replay", "future",
                 "non_positive", "confidence", "frozen"];
  if (sequencer) kinds.push("sequencer");
  const incidents = [];
  let t = 1200;
  while (t < N - 1800) {
    const kind = kinds[Math.floor(rnd() * kinds.length)];
    const len = { floor: 3600, stale: 5400, sequencer: 6000, pump: 1500 }[kind] ?? 600;
    if (t + len > N - 300) break;
    incidents.push({ kind, start: t, len });
    t += len + Math.round(U(900, 2400));
  }
  // A few clean trends and one fast clean move per series.
  for (let k = 0; k < 3; ++k) {
    const s = Math.floor(U(0, N - 1200)), l = Math.floor(U(300, 1200)), m = U(-0.05, 0.05);
    for (let i = s; i < s + l; ++i) drift[i] += m / l;
  }
  if (fast) {  // one fast clean move: 4-8% in one to three minutes, every source follows
    const s = Math.floor(U(600, N - 600)), l = Math.floor(U(60, 180)), m = (rnd() < 0.5 ? -1 : 1) * U(0.04, 0.08);
    for (let i = s; i < s + l; ++i) drift[i] += m / l;
  }
  for (const inc of incidents) {
    if (inc.kind === "floor") {  // the market falls 50% over an hour (LUNA)
      for (let i = inc.start; i < inc.start + 3600; ++i) drift[i] += Math.log(0.5) / 3600;
    }
    if (inc.kind === "frozen") {  // the market moves 4% while one source repeats itself
      const dir = rnd() < 0.5 ? -1 : 1;
      for (let i = inc.start; i < inc.start + 600; ++i) drift[i] += (dir * 0.04) / 600;
    }
  }
  const P = new Float64Array(N);
  let lp = Math.log(base);
  for (let i = 0; i < N; ++i) {
    lp += sigma * gauss() + drift[i];
    P[i] = Math.exp(lp);
  }
  const at = (s) => P[Math.min(N - 1, Math.max(0, Math.floor(s)))];
  // ---- sources ---------------------------------------------------------------
  const all = [
    { name: "cex_a", every: [0.5, 1.5], noise: 0.0002, lat: [0.05, 0.5] },
    { name: "cex_b", every: [1, 3], noise: 0.0003, lat: [0.05, 0.8] },
    { name: "pyth", every: [1, 3], noise: 0.0003, lat: [0.4, 2], conf: [0.0003, 0.002] },
    { name: "chainlink", chainlink: true, lat: [1, 12] },
    { name: "univ3", every: [12, 12], twap: 60, noise: 0.0002, lat: [0, 2] },
    { name: "thin", every: [5, 20], noise: 0.0015, lat: [0.1, 3] },
  ];
  for (const s of all) {
    if (s.noise) s.noise *= noise;
    if (s.every) s.every = s.every.map((x) => x * slow);
  }
  // 4 to 6 sources, always the ones the incidents use.
  const drop = Math.floor(U(0, 3));
  const optional = ["cex_b", "univ3"];
  const sources = all.filter((s) => !(drop >= 1 && s.name === optional[0]) && !(drop >= 2 && s.name === optional[1]));
  const rows = [];
  const push = (src, pub, price, conf, label, arrive) =>
    rows.push({ src, time: pub, price, conf, label, arrive: arrive ?? pub });
  for (const s of sources) {
    if (s.chainlink) {  // deviation 0.5% or heartbeat 3600 s, checked every block (12 s)
      let last = null, lastT = -1e9;
      for (let b = 0; b < N; b += 12) {
        const p = at(b) * (1 + 0.0001 * gauss());
        if (last === null || Math.abs(p - last) / last > 0.005 || b - lastT >= 3600) {
          push(s.name, T0 + b, p, null, "clean", T0 + b + U(...s.lat));
          last = p;
          lastT = b;
        }
      }
      continue;
    }
    for (let x = U(0, 2); x < N; x += U(...s.every)) {
      let p = s.twap ? (() => { let acc = 0; for (let k = 0; k < s.twap; ++k) acc += at(x - k); return acc / s.twap; })()
                     : at(x);
      p *= 1 + s.noise * gauss();
      const conf = s.conf ? p * U(...s.conf) : null;
      push(s.name, T0 + x, p, conf, "clean", T0 + x + U(...s.lat));
    }
  }
  const inWindow = (r, inc, extra = 0) => r.time >= T0 + inc.start && r.time < T0 + inc.start + inc.len + extra;
  const pick = (names) => names.filter((n) => sources.some((s) => s.name === n))[Math.floor(rnd() * names.length) % names.filter((n) => sources.some((s) => s.name === n)).length];
  const truth = (r) => at(r.time - T0);
  const extra = [];
  for (const inc of incidents) {
    if (inc.kind === "spike") {  // one venue prints +-30% once to three times (DAI, 2020)
      const src = pick(["cex_a", "cex_b", "thin"]);
      const m = rnd() < 0.7 ? 1.3 : 0.7;
      let n = 1 + Math.floor(rnd() * 3);
      for (const r of rows) if (n > 0 && r.src === src && inWindow(r, inc)) { r.price *= m; r.label = "spike"; --n; }
    } else if (inc.kind === "jump") {  // a source jumps 18-50% for a few minutes, alone
      const src = pick(["cex_a", "cex_b", "pyth", "univ3"]);
      const m = 1 + (rnd() < 0.5 ? -1 : 1) * U(0.18, 0.5);
      const until = T0 + inc.start + U(60, 300);
      for (const r of rows) if (r.src === src && inWindow(r, inc) && r.time < until) { r.price *= m; r.label = "jump"; }
    } else if (inc.kind === "deviation") {  // a source off by 3-10% for minutes
      const src = pick(["cex_a", "cex_b", "pyth", "thin"]);
      const m = 1 + (rnd() < 0.5 ? -1 : 1) * U(0.03, 0.10);
      const until = T0 + inc.start + U(120, 600);
      for (const r of rows) if (r.src === src && inWindow(r, inc) && r.time < until) { r.price *= m; r.label = "deviation"; }
    } else if (inc.kind === "outlier") {  // a source off by 1.5-3% (below the deviation limit's reach when tight)
      const src = pick(["cex_a", "cex_b", "pyth"]);
      const m = 1 + (rnd() < 0.5 ? -1 : 1) * U(0.015, 0.03);
      const until = T0 + inc.start + U(60, 300);
      for (const r of rows) if (r.src === src && inWindow(r, inc) && r.time < until) { r.price *= m; r.label = "outlier"; }
    } else if (inc.kind === "floor") {  // Chainlink pinned at minAnswer while the market falls (LUNA, 2022)
      const floor = at(inc.start) * 0.9;
      for (const r of rows) if (r.src === "chainlink" && r.time >= T0 + inc.start) r.label = "drop";
      // the pinned feed keeps publishing its floor every minute until the end
      for (let x = inc.start; x < N; x += 60) {
        const tp = at(x);
        if (tp >= floor) { push("chainlink", T0 + x, tp, null, "clean", T0 + x + U(1, 12)); continue; }
        const off = (floor - tp) / tp;
        push("chainlink", T0 + x, floor, null, off > 0.02 ? "floor" : "grey", T0 + x + U(1, 12));
      }
    } else if (inc.kind === "pump") {  // a thin source pumped 3-6x over ten minutes, held, dumped (Mango, 2022)
      const mult = U(3, 6);
      for (const r of rows) {
        if (r.src !== "thin" || !inWindow(r, inc)) continue;
        const u = (r.time - T0 - inc.start) / 600;
        const m = u < 1 ? Math.pow(mult, u) : u < 1.5 ? mult : Math.pow(mult, Math.max(0, 1 - (u - 1.5) * 1));
        r.price *= m;
        if (m > 1.02) r.label = "pump";
        else if (m > 1.0) r.label = "grey";
      }
    } else if (inc.kind === "stale") {  // a feed stops updating but is still read: same time, same price
      const src = pick(["pyth", "univ3", "cex_b"]);
      const t0 = T0 + inc.start, p0 = at(inc.start);
      for (const r of rows) if (r.src === src && inWindow(r, inc)) r.label = "drop";
      for (let x = inc.start; x < inc.start + inc.len; x += 30) {
        const age = x - inc.start;
        push(src, t0, p0, src === "pyth" ? p0 * 0.001 : null, age > 3660 ? "stale" : "grey", T0 + x);
      }
    } else if (inc.kind === "stale_replay") {  // old prints replayed (a lagging node, a cache)
      const src = pick(["cex_a", "pyth", "thin"]);
      for (let k = 0; k < 5; ++k) {
        const x = inc.start + k * 20, back = U(4000, 20000);
        extra.push({ src, time: T0 + x - back, price: at(x - back), conf: null, label: "stale", arrive: T0 + x });
      }
    } else if (inc.kind === "future") {  // a clock ahead by minutes to an hour
      const src = pick(["cex_a", "cex_b", "thin", "pyth"]);
      const ahead = U(120, 3600);
      let n = 1 + Math.floor(rnd() * 5);
      for (const r of rows) if (n > 0 && r.src === src && inWindow(r, inc)) { r.time += ahead; r.label = "future"; --n; }
    } else if (inc.kind === "non_positive") {
      const src = pick(["cex_a", "cex_b", "pyth", "thin"]);
      let n = 1 + Math.floor(rnd() * 3);
      for (const r of rows) if (n > 0 && r.src === src && inWindow(r, inc)) { r.price = rnd() < 0.5 ? 0 : -r.price; r.label = "non_positive"; --n; }
    } else if (inc.kind === "confidence") {  // Pyth publishers disagree: a wide interval
      let n = 1 + Math.floor(rnd() * 10);
      for (const r of rows) if (n > 0 && r.src === "pyth" && inWindow(r, inc)) { r.conf = r.price * U(0.03, 0.2); r.label = "confidence"; --n; }
    } else if (inc.kind === "frozen") {  // a source repeats one price while the market moves 4%
      const src = pick(["cex_a", "cex_b", "pyth"]);
      let k = 0, p0 = null;
      for (const r of rows) {
        if (r.src !== src || !inWindow(r, inc)) continue;
        if (p0 === null) p0 = r.price;
        r.price = p0;
        ++k;
        r.label = k >= 5 && Math.abs(p0 - truth(r)) / truth(r) > 0.015 ? "frozen" : "grey";
      }
    } else if (inc.kind === "sequencer") {  // the L2 sequencer down 10-30 minutes, then the grace hour
      const down = T0 + inc.start, up = down + Math.round(U(600, 1800));
      extra.push({ src: "sequencer", time: down, price: 1, conf: null, label: "status", arrive: down });
      extra.push({ src: "sequencer", time: up, price: 0, conf: null, label: "status", arrive: up });
      for (const r of rows) if (r.arrive >= down && r.time < up + 3600) r.label = "sequencer";
      inc.len = up + 3600 - down;
    }
  }
  const out = rows.filter((r) => r.label !== "drop").concat(extra);
  for (const r of out) if (r.label === "sequencer" && r.src === "sequencer") r.label = "status";
  // Sequencer rows label everything in their window, including later incidents' rows.
  out.sort((a, b) => a.arrive - b.arrive);
  const digits = base < 10 ? 6 : 4;
  const lines = ["time,source,price,conf,label"];
  for (const r of out)
    lines.push(`${r.time.toFixed(3)},${r.src},${r.price.toFixed(digits + 2)},${r.conf === null ? "" : r.conf.toFixed(digits + 2)},${r.label}`);
  return lines.join("\n") + "\n";
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seed: { type: "string", default: "1" }, hours: { type: "string", default: "4" },
                                            sequencer: { type: "boolean", default: false }, fast: { type: "boolean", default: false },
                                            noise: { type: "string", default: "1" }, slow: { type: "string", default: "1" } } });
  process.stdout.write(generate({ seed: Number(values.seed), hours: Number(values.hours), sequencer: values.sequencer, fast: values.fast,
                                 noise: Number(values.noise), slow: Number(values.slow) }));
}

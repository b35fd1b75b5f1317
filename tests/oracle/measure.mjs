// Runs `perpx oracle check --json` on generated labelled series and reports
// the rejection rates: of anomalous rows (goal >= 98%) and of clean rows
// (goal <= 1%), per incident kind. "grey" and "status" rows are counted
// apart.
//
//   node measure.mjs --perpx build/bin/perpx [--seeds 1-20] [--hours 4] [--sequencer] [--fast]
//                    [--noise K] [--slow K] [--assert] [--verbose]
// --fast adds a clean 4-8% move in one to three minutes; --noise and --slow
// multiply every source's noise and update interval (robustness checks).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generate } from "./gen_series.mjs";

const { values } = parseArgs({ options: {
  perpx: { type: "string" }, seeds: { type: "string", default: "1-10" }, hours: { type: "string", default: "4" },
  sequencer: { type: "boolean", default: false }, fast: { type: "boolean", default: false },
  noise: { type: "string", default: "1" }, slow: { type: "string", default: "1" }, assert: { type: "boolean", default: false },
  verbose: { type: "boolean", default: false } } });
const [lo, hi] = values.seeds.split("-").map(Number);
const dir = mkdtempSync(join(tmpdir(), "perpx-oracle-measure-"));
const tally = {};  // label -> {rows, rejected}
const clean_fp = {};  // reason -> count on clean rows
let rows_total = 0;
const t0 = process.hrtime.bigint();
let check_ns = 0n;
for (let seed = lo; seed <= (hi ?? lo); ++seed) {
  const csv = generate({ seed, hours: Number(values.hours), sequencer: values.sequencer, fast: values.fast,
                         noise: Number(values.noise), slow: Number(values.slow) });
  const file = join(dir, `series-${seed}.csv`);
  writeFileSync(file, csv);
  const labels = csv.trim().split("\n").slice(1).map((l) => l.split(",")[4]);
  const s = process.hrtime.bigint();
  const out = execFileSync(values.perpx, ["oracle", "check", "--input", file, "--json"], { maxBuffer: 1 << 30 }).toString();
  check_ns += process.hrtime.bigint() - s;
  const lines = out.trim().split("\n");
  const summary = JSON.parse(lines.pop());
  if (!summary.summary || lines.length !== labels.length) throw new Error(`seed ${seed}: ${lines.length} rows for ${labels.length}`);
  lines.forEach((l, i) => {
    const r = JSON.parse(l);
    if (r.row !== i) throw new Error(`seed ${seed}: row ${r.row} at ${i}`);
    const label = labels[i];
    const t = (tally[label] ??= { rows: 0, rejected: 0 });
    ++t.rows;
    if (r.decision === "reject") {
      ++t.rejected;
      if (label === "clean") for (const x of r.reasons) clean_fp[x] = (clean_fp[x] ?? 0) + 1;
      if (values.verbose && label === "clean") console.error(`seed ${seed} row ${i}: clean ${r.source} ${r.price} ${r.reasons}`);
    } else if (values.verbose && !["clean", "grey", "status"].includes(label)) {
      console.error(`seed ${seed} row ${i}: missed ${label} ${r.source} ${r.price} ${r.time}`);
    }
  });
  rows_total += labels.length;
}
rmSync(dir, { recursive: true, force: true });
let anom = { rows: 0, rejected: 0 };
for (const [label, t] of Object.entries(tally))
  if (!["clean", "grey", "status"].includes(label)) { anom.rows += t.rows; anom.rejected += t.rejected; }
const clean = tally.clean ?? { rows: 0, rejected: 0 };
const result = {
  seeds: values.seeds, rows: rows_total,
  anomalous_rows: anom.rows, anomalous_rejected_share: anom.rejected / anom.rows,
  clean_rows: clean.rows, clean_rejected_share: clean.rejected / clean.rows,
  by_label: Object.fromEntries(Object.entries(tally).sort().map(([k, t]) => [k, { rows: t.rows, rejected: t.rejected, share: +(t.rejected / t.rows).toFixed(4) }])),
  clean_rejections_by_reason: clean_fp,
  check_seconds: Number(check_ns) / 1e9,
};
console.log(JSON.stringify(result));
if (values.assert && !(result.anomalous_rejected_share >= 0.98 && result.clean_rejected_share <= 0.01)) process.exit(2);

// Percentiles and summaries for bench samples (milliseconds unless a row says otherwise).
// Percentiles use linear interpolation between closest ranks (numpy's default), so p99 of a
// small sample sits near its maximum rather than on it.

/** @param {number[]} sorted ascending @param {number} p in [0, 100] */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  if (sorted.length === 1) return sorted[0];
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** @param {number[]} samples */
export function summarize(samples) {
  const s = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    n: s.length,
    min: s[0] ?? NaN,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
    mean,
  };
}

/** Milliseconds since an earlier process.hrtime.bigint() reading. */
export function msSince(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

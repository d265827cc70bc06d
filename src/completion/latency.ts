// Per-model completion latency (time to a usable first suggestion): a rolling median, and
// the "this model is too slow" notice, said once per session per model.
const WINDOW = 20;
const MIN_SAMPLES = 5;

export function createLatencyTracker(thresholdMs: number) {
  const samples = new Map<string, number[]>();
  const warned = new Set<string>();
  return {
    record(model: string, ms: number) {
      const list = samples.get(model) ?? [];
      list.push(ms);
      if (list.length > WINDOW) list.shift();
      samples.set(model, list);
    },
    p50(model: string): number | undefined {
      const list = samples.get(model);
      if (!list?.length) return undefined;
      const sorted = [...list].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    },
    /** The notice, the first time the median is over the threshold with enough samples; else undefined. */
    slowNotice(model: string): { p50_ms: number; message: string } | undefined {
      if (warned.has(model)) return undefined;
      const n = samples.get(model)?.length ?? 0;
      const p50 = this.p50(model);
      if (n < MIN_SAMPLES || p50 === undefined || p50 <= thresholdMs) return undefined;
      warned.add(model);
      const ms = Math.round(p50);
      return {
        p50_ms: ms,
        message: `${model} answers in ${ms.toLocaleString('en-US')} ms (median of ${n}); try a smaller model (:ZekeModel completion=…) or warm it up (keep_alive)`,
      };
    },
  };
}

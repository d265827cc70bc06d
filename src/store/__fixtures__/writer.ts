// A second "host": bundled by sqlite-store.test.ts with esbuild and run as a child process.
// argv: <db file> <writer name> <rows> <createdAt>. Opens the store, prints "ready", waits for a line on
// stdin, then records <rows> rows one transaction each (reading spend() now and then, as a
// router would), prints "done <warnings>" and exits (1 if the store logged any warning).
import { openSqliteStore } from '../sqlite-store.js';

const [file, who, count, createdAt] = process.argv.slice(2);
if (!file || !who || !count || !createdAt) throw new Error('usage: writer <file> <name> <rows> <createdAt>');
let warnings = 0;
const store = openSqliteStore(file, {
  debug() {},
  warn(msg) {
    warnings++;
    process.stderr.write(msg + '\n');
  },
});
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  const rows = Number(count);
  for (let i = 0; i < rows; i++) {
    // Between rows the event loop turns, as in a host, so the other writer gets its turns.
    if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    const local = who === 'b' && i % 2 === 1;
    store.record({
      requestId: `${who}-${i}`,
      project: 'concurrency',
      model: local ? 'ollama:qwen' : `${who}:model`,
      provider: local ? 'ollama' : who,
      local,
      intent: 'code',
      latencyMs: i,
      totalDurationMs: 2 * i,
      tokensIn: 10,
      tokensOut: 20,
      // Binary fractions: their sums are exact whatever the order.
      costUsd: local ? 1 : who === 'a' ? 0.25 : 0.125,
      success: true,
      escalated: false,
      createdAt: Number(createdAt),
    });
    if (i % 50 === 0) store.spend();
  }
  store.close();
  process.stdout.write(`done ${warnings}\n`);
  process.exitCode = warnings ? 1 : 0;
  process.stdin.destroy();
});

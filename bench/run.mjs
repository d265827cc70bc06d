// `npm run bench`: the performance figures of DESIGN.md §8. Each measurement module
// (bench/*.mjs exporting `measure(ctx)`) returns rows; this file runs them one after another,
// prints a machine header, one aligned table and the spawn → ready breakdowns, and writes the
// same figures to bench/results/latest.json. Exit code 0 means the bench ran, not that every
// target was met (the verdict column says that).
//
// A row: { key, label, unit, stats?: summarize(), value?: number, target?: { stat?: 'p50'|'p99', max } }
// `stats` rows print p50 and p99; `value` rows print the value in the p99 column.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hostStart from './host-start.mjs';
import * as rpc from './rpc.mjs';
import * as nvimBench from './nvim.mjs';
import * as providers from './providers.mjs';
import * as router from './router.mjs';
import * as context from './context.mjs';
import * as chat from './chat.mjs';
import * as completion from './completion.mjs';
import { killAll } from './proc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
let tmpDir; // removed on every way out

function cleanup() {
  killAll();
  if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

const N = {
  spawns: 20, // JSON-RPC cold starts (and bare-Node starts)
  nvimSpawns: 15, // Neovim job cold starts
  probes: 8, // probed starts per transport, for the breakdowns
  calls: 2000, // Lua rpcrequest pings
  asyncs: 500, // Lua async request pings
  pings: 2000, // JSON-RPC pings
  inits: 200, // JSON-RPC initialize on a warm host
  warmup: 100, // untimed round trips before each timed loop
};

const loadavg = () => (existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : '?');

function machine(nvim) {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1];
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src', 'lua', 'scripts/build.mjs'], { encoding: 'utf8' }).trim();
    if (dirty) commit += ' (src/lua modified)';
  } catch {
    // not a checkout
  }
  return {
    node: process.version,
    node_path: process.execPath,
    nvim: nvim.version,
    nvim_path: nvim.bin,
    nvim_from: nvim.from,
    cpu: model + (mhz ? ` @ ${Math.round(+mhz)} MHz` : ''),
    cores: cpus().length,
    kernel: release(),
    loadavg_at_start: loadavg(),
    commit,
  };
}

const fmtMs = (v) => (!Number.isFinite(v) ? '?' : v < 1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v.toFixed(1));
function fmt(v, unit) {
  if (v === undefined || v === null || Number.isNaN(v)) return '—';
  if (unit === 'MB') return `${v.toFixed(1)} MB`;
  if (unit === 'ms') return `${fmtMs(v)} ms`;
  if (unit === 'MB/s') return `${v.toFixed(1)} MB/s`;
  if (unit === '/s') return `${Math.round(v).toLocaleString('en-US')}/s`;
  return String(Math.round(v * 100) / 100);
}

function verdictOf(row) {
  if (!row.target) return { ok: null, text: '' };
  const got = row.stats ? row.stats[row.target.stat ?? 'p50'] : row.value;
  if (got === undefined || got === null || Number.isNaN(got)) return { ok: false, text: '✗ no value' };
  if (row.target.min !== undefined) return got >= row.target.min ? { ok: true, text: '✓ within' } : { ok: false, text: '✗ under' };
  return got <= row.target.max ? { ok: true, text: '✓ within' } : { ok: false, text: '✗ over' };
}

function targetText(row) {
  if (!row.target) return '—';
  const stat = row.stats ? ` ${row.target.stat ?? 'p50'}` : '';
  if (row.target.min !== undefined) return `≥ ${row.target.min.toLocaleString('en-US')}${row.unit ? ' ' + row.unit : ''}${stat}`;
  return `≤ ${row.target.max}${row.unit ? ' ' + row.unit : ''}${stat}`;
}

function table(header, lines, right = []) {
  const width = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const pad = (cells) => cells.map((c, i) => (right.includes(i) ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [pad(header), width.map((w) => '─'.repeat(w)).join('  '), ...lines.map(pad)].join('\n');
}

async function main() {
  const entry = join(root, 'dist/host.mjs');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build`);
  const nvim = nvimBench.resolveNvim(root);

  // Private HOME and XDG folders: no zeke.toml of the user's, logs kept out of their state dir.
  const tmp = mkdtempSync(join(tmpdir(), 'zeke-bench-'));
  tmpDir = tmp;
  const env = { ...process.env };
  const hadNodeOptions = env.NODE_OPTIONS;
  delete env.NODE_OPTIONS;
  Object.assign(env, {
    HOME: tmp,
    XDG_CONFIG_HOME: join(tmp, 'config'),
    XDG_DATA_HOME: join(tmp, 'data'),
    XDG_STATE_HOME: join(tmp, 'state'),
    XDG_CACHE_HOME: join(tmp, 'cache'),
  });
  delete env.ZEKE_LOG_FILE;
  delete env.ZEKE_LOG_LEVEL;
  const probeDir = join(tmp, 'probes');
  mkdirSync(probeDir);

  const ctx = {
    root,
    entry,
    node: process.execPath,
    nvim,
    env,
    tmp,
    probeDir,
    probeFile: join(root, 'bench/probe.cjs'),
    logFile: join(tmp, 'zeke-stdio.log'),
    settleMs: 300,
    n: N,
  };

  const m = machine(nvim);
  console.log('zeke.nvim bench');
  console.log(`  node ${m.node} (${m.node_path}) · nvim ${m.nvim} (${m.nvim_from}: ${m.nvim_path})`);
  console.log(`  cpu ${m.cpu} · ${m.cores} cores · linux ${m.kernel} · load ${m.loadavg_at_start} · commit ${m.commit}`);
  if (parseFloat(m.loadavg_at_start) >= m.cores * 0.75) {
    console.log(`  ! load average ${m.loadavg_at_start} on ${m.cores} cores: other work is running, expect noisy figures (p99 most)`);
  }
  if (hadNodeOptions) console.log(`  NODE_OPTIONS (${hadNodeOptions}) is ignored for the measured processes`);

  const results = [];
  try {
    for (const [name, mod] of [
      ['host-start', hostStart],
      ['rpc', rpc],
      ['nvim', nvimBench],
      ['providers', providers],
      ['router', router],
      ['context', context],
      ['chat', chat],
      ['completion', completion],
    ]) {
      const t0 = Date.now();
      process.stderr.write(`bench: ${name} …`);
      const r = await mod.measure(ctx);
      process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      results.push({ name, ...r });
    }
  } finally {
    cleanup();
  }
  const nvimResult = results.find((r) => r.name === 'nvim');
  m.node_in_nvim = nvimResult?.node_in_nvim;

  // Headline order: spawn → ready, round trips, memory.
  const order = ['host_ready_', 'node_bare', 'host_start_block', 'rpc_lua_call', 'rpc_lua_request', 'rpc_jsonrpc', 'rss_idle', 'rss_busy', 'router_', 'context_', 'chat_', 'prov_', 'compl_'];
  const rows = results.flatMap((r) => r.rows);
  const rank = (row) => {
    const i = order.findIndex((p) => row.key.startsWith(p));
    return i < 0 ? order.length : i;
  };
  rows.sort((a, b) => rank(a) - rank(b));
  for (const row of rows) row.verdict = verdictOf(row);

  const lines = rows.map((row) => [
    row.label,
    row.stats ? String(row.stats.n) : '',
    row.stats ? fmt(row.stats.p50, row.unit) : '',
    row.stats ? fmt(row.stats.p99, row.unit) : fmt(row.value, row.unit),
    targetText(row),
    row.verdict.text || '—',
  ]);
  console.log('');
  console.log(table(['measure', 'n', 'p50', 'p99 / value', 'target', 'verdict'], lines, [1, 2, 3]));

  const breakdowns = results.map((r) => r.breakdown).filter(Boolean);
  for (const b of breakdowns) {
    console.log(`\n${b.title}`);
    const sum = b.parts.reduce((a, p) => a + p.stats.p50, 0);
    console.log(
      table(
        ['segment', 'p50', 'min', 'max'],
        [
          ...b.parts.map((p) => ['  ' + p.label, fmt(p.stats.p50, 'ms'), fmt(p.stats.min, 'ms'), fmt(p.stats.max, 'ms')]),
          ['  (sum of p50s)', fmt(sum, 'ms'), '', ''],
        ],
        [1, 2, 3],
      ),
    );
  }

  const seconds = (Date.now() - started) / 1000;
  m.loadavg_at_end = loadavg();
  const failed = rows.filter((r) => r.verdict.ok === false).length;
  console.log(`\n${rows.filter((r) => r.target).length - failed} of ${rows.filter((r) => r.target).length} targets met · ${seconds.toFixed(1)} s · load at end ${m.loadavg_at_end} · bench/results/latest.json`);

  const out = join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'latest.json'),
    JSON.stringify(
      {
        when: new Date(started).toISOString(),
        seconds,
        machine: m,
        n: N,
        rows: rows.map((r) => ({
          key: r.key,
          label: r.label.trim(),
          unit: r.unit,
          ...(r.stats ? { stats: r.stats } : { value: r.value }),
          ...(r.extra ? { extra: r.extra } : {}),
          target: r.target ?? null,
          ok: r.verdict.ok,
        })),
        breakdowns: breakdowns.map((b) => ({ title: b.title, parts: b.parts.map((p) => ({ key: p.key, label: p.label, stats: p.stats })) })),
      },
      (_, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e4) / 1e4 : v),
      2,
    ) + '\n',
  );
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

main().catch((err) => {
  cleanup();
  process.stderr.write(`\nbench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});

// Measurements through a real headless Neovim with the real Lua layer and job host
// (bench/nvim-bench.lua does the work; this side starts Neovim, parses its one JSON line and
// turns it into rows).
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { forget, track } from './proc.mjs';
import { readProbe, segments } from './host-start.mjs';
import { summarize } from './stats.mjs';

function versionOf(bin) {
  try {
    const out = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 20000, stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /^NVIM v(\d+)\.(\d+)\.(\d+)\S*/m.exec(out);
    return m ? { text: m[0].slice(5), major: +m[1], minor: +m[2] } : null;
  } catch {
    return null;
  }
}

/** $ZEKE_NVIM, else `nvim` on PATH if ≥ 0.10, else the private build of scripts/nvim.sh. */
export function resolveNvim(root) {
  const candidates = [];
  if (process.env.ZEKE_NVIM) candidates.push({ bin: process.env.ZEKE_NVIM, from: '$ZEKE_NVIM', strict: true });
  else candidates.push({ bin: 'nvim', from: 'PATH' });
  for (const c of candidates) {
    const v = versionOf(c.bin);
    if (v && (v.major > 0 || v.minor >= 10)) return { bin: c.bin, version: v.text, from: c.from };
    if (c.strict) throw new Error(`$ZEKE_NVIM=${c.bin} is not a Neovim >= 0.10 (${v ? v.text : 'does not run'})`);
  }
  const bin = execFileSync('bash', [join(root, 'scripts/nvim.sh'), 'path', 'newest'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const v = versionOf(bin);
  if (!v) throw new Error(`scripts/nvim.sh gave ${bin}, which does not run`);
  return { bin, version: v.text, from: 'scripts/nvim.sh path newest' };
}

function runNvim(ctx, config) {
  return new Promise((resolve, reject) => {
    const env = { ...ctx.env, ZEKE_BENCH_CONFIG: JSON.stringify(config) };
    delete env.NODE_OPTIONS;
    const p = track(
      spawn(ctx.nvim.bin, ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-l', join(ctx.root, 'bench/nvim-bench.lua')], {
        env,
        cwd: ctx.tmp,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      err += '\n(bench: Neovim killed after 50 s)';
      p.kill('SIGKILL');
    }, 50000);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      forget(p);
      const line = out.split('\n').find((l) => l.startsWith('ZEKE_BENCH_JSON '));
      const data = line ? JSON.parse(line.slice('ZEKE_BENCH_JSON '.length)) : null;
      if (data?.error || code !== 0 || !data) {
        reject(new Error(`nvim-bench.lua failed (exit ${code}${signal ? ', ' + signal : ''}): ${data?.error ?? ''}\n${err.trim()}\n${out.trim()}`));
      } else {
        resolve(data);
      }
    });
  });
}

export async function measure(ctx) {
  const n = ctx.n;
  const data = await runNvim(ctx, {
    root: ctx.root,
    spawns: n.nvimSpawns,
    probes: n.probes,
    calls: n.calls,
    asyncs: n.asyncs,
    warmup: n.warmup,
    settle_ms: ctx.settleMs,
    probe_file: ctx.probeFile,
    probe_dir: ctx.probeDir,
  });

  // The job host's answer is its second stdout write: the first is the neovim client's
  // nvim_get_api_info request, sent as soon as it attaches.
  const segs = data.probes.map((s) => {
    const probe = readProbe(ctx.probeDir, s.pid);
    const w0 = probe.writes[0]?.[0];
    const w1 = probe.writes[1]?.[0];
    const after = probe.reads.filter(([t]) => t > w0 && t < w1);
    const lastRead = after.length ? after[after.length - 1][0] : NaN;
    const base = segments(probe, s.start_epoch, s.seen_epoch, () => w1);
    return {
      exec: base.exec,
      bootstrap: base.bootstrap,
      modules: base.modules,
      api_request: w0 - probe.stdin,
      api_info: lastRead - w0,
      api_bytes: after.reduce((a, [, b]) => a + b, 0),
      handle: w1 - lastRead,
      deliver: base.deliver,
      total: s.seen_epoch - s.start_epoch,
    };
  });
  const leftover = readdirSync(ctx.probeDir);
  if (leftover.length) throw new Error(`unexpected probe files: ${leftover.join(', ')}`);
  const seg = (k) => summarize(segs.map((s) => s[k]));

  const starts = data.starts;
  return {
    nvim_reported: data.nvim,
    node_in_nvim: data.node,
    rows: [
      {
        key: 'host_ready_nvim',
        label: 'host spawn → ready (Neovim job)',
        stats: summarize(starts.map((s) => s.ready_ms)),
        unit: 'ms',
        target: { stat: 'p50', max: 150 },
      },
      {
        key: 'host_start_block_nvim',
        label: '  host.start() blocking the main loop',
        stats: summarize(starts.map((s) => s.block_ms)),
        unit: 'ms',
      },
      { key: 'rpc_lua_call', label: 'RPC round trip, Lua rpcrequest (instant method)', stats: summarize(data.call_ms), unit: 'ms' },
      { key: 'rpc_lua_request', label: 'RPC round trip, Lua async request (to callback)', stats: summarize(data.request_cb_ms), unit: 'ms' },
      { key: 'rpc_lua_request_wait', label: '  same, to vim.wait() returning', stats: summarize(data.request_wait_ms), unit: 'ms' },
      { key: 'rss_idle_nvim', label: 'host RSS idle (Neovim job)', value: data.rss_idle?.rss_mb, unit: 'MB', target: { max: 80 } },
      {
        key: 'rss_busy_nvim',
        label: `host RSS after ${data.pings_total} pings (Neovim job), peak`,
        value: data.rss_after?.hwm_mb,
        unit: 'MB',
        target: { max: 150 },
        extra: { rss_mb: data.rss_after?.rss_mb },
      },
    ],
    breakdown: {
      title: `spawn → ready, Neovim job (p50 of ${segs.length} probed starts, total ${seg('total').p50.toFixed(1)} ms)`,
      parts: [
        { key: 'exec', label: 'host.start() → Node process start (fork/exec, binary load)', stats: seg('exec') },
        { key: 'bootstrap', label: 'Node bootstrap (to the first preload)', stats: seg('bootstrap') },
        { key: 'modules', label: 'load dist/host.mjs + chunks, core, adapter (to stdin opened)', stats: seg('modules') },
        { key: 'api_request', label: 'stdin opened → nvim_get_api_info sent', stats: seg('api_request') },
        {
          key: 'api_info',
          label: `nvim_get_api_info round trip (≈${Math.round(seg('api_bytes').p50 / 1024)} KB read)`,
          stats: seg('api_info'),
        },
        { key: 'handle', label: 'decode api info, initialize handled → answer written', stats: seg('handle') },
        { key: 'deliver', label: 'answer written → Lua saw ready (nvim_exec_lua, on_ready)', stats: seg('deliver') },
      ],
    },
  };
}

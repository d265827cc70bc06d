// Host spawn → ready over JSON-RPC stdio: spawn `node dist/host.mjs --stdio`, send
// `initialize` at once (it waits in the pipe until the host reads), time the answer.
// Also a bare-Node baseline and, with bench/probe.cjs preloaded, where the time goes.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcChild, initializeParams } from './jsonrpc-client.mjs';
import { track, forget } from './proc.mjs';
import { summarize, msSince } from './stats.mjs';
import { spawn } from 'node:child_process';

/** Time from spawn to the first stdout byte of a Node that does nothing else. */
function bareNode(ctx) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = track(spawn(ctx.node, ['-e', "process.stdout.write('x')"], { stdio: ['ignore', 'pipe', 'inherit'], env: ctx.env }));
    let ms;
    p.stdout.once('data', () => (ms = msSince(t0)));
    p.on('error', reject);
    p.on('exit', (code) => {
      forget(p);
      if (code !== 0 || ms === undefined) reject(new Error(`bare node exited with ${code}`));
      else resolve(ms);
    });
  });
}

async function spawnToReady(ctx, extraNodeArgs = [], env = ctx.env) {
  const host = track(new JsonRpcChild(ctx.node, [...extraNodeArgs, ctx.entry, '--stdio'], { env, cwd: ctx.tmp }));
  try {
    const result = await host.request('initialize', initializeParams(ctx.logFile));
    const ms = msSince(host.spawnedAt);
    const receivedEpoch = performance.timeOrigin + performance.now();
    if (result.pid !== host.pid) throw new Error(`initialize answered pid ${result.pid}, spawned ${host.pid}`);
    await host.close();
    return { ms, spawnedEpoch: host.spawnedEpoch, receivedEpoch, pid: host.pid };
  } finally {
    host.kill();
    forget(host);
  }
}

/** Splits one probed start into segments (ms). `answerWrite` picks the answer's stdout write. */
export function segments(probe, spawnedEpoch, receivedEpoch, answerWrite = (p) => p.writes[0]?.[0]) {
  const firstRead = probe.reads[0]?.[0];
  const written = answerWrite(probe);
  return {
    exec: probe.origin - spawnedEpoch,
    bootstrap: probe.preload - probe.origin,
    modules: probe.stdin - probe.preload,
    first_read: firstRead - probe.stdin,
    handle: written - firstRead,
    deliver: receivedEpoch - written,
  };
}

export function readProbe(dir, pid) {
  const file = join(dir, `${pid}.json`);
  const probe = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  return probe;
}

export async function measure(ctx) {
  const { spawns, probes } = ctx.n;

  await bareNode(ctx); // warm-up
  const bare = [];
  for (let i = 0; i < spawns; i++) bare.push(await bareNode(ctx));

  await spawnToReady(ctx); // warm-up: file cache, first-run effects
  const ready = [];
  for (let i = 0; i < spawns; i++) ready.push((await spawnToReady(ctx)).ms);

  // Breakdown, with the probe preloaded (adds a little to `bootstrap`).
  const probeEnv = { ...ctx.env, ZEKE_BENCH_PROBE_DIR: ctx.probeDir };
  const segs = [];
  const probedTotal = [];
  for (let i = 0; i < probes; i++) {
    const r = await spawnToReady(ctx, ['--require', ctx.probeFile], probeEnv);
    probedTotal.push(r.ms);
    segs.push(segments(readProbe(ctx.probeDir, r.pid), r.spawnedEpoch, r.receivedEpoch));
  }
  const leftover = readdirSync(ctx.probeDir);
  if (leftover.length) throw new Error(`unexpected probe files: ${leftover.join(', ')}`);

  const seg = (k) => summarize(segs.map((s) => s[k]));
  return {
    rows: [
      {
        key: 'host_ready_jsonrpc',
        label: 'host spawn → ready (JSON-RPC)',
        stats: summarize(ready),
        unit: 'ms',
        target: { stat: 'p50', max: 150 },
      },
      {
        key: 'node_bare_start',
        label: '  baseline: bare `node -e` → first byte',
        stats: summarize(bare),
        unit: 'ms',
      },
    ],
    breakdown: {
      title: `spawn → ready, JSON-RPC (p50 of ${probes} probed starts, total ${summarize(probedTotal).p50.toFixed(1)} ms)`,
      parts: [
        { key: 'exec', label: 'spawn → Node process start (fork/exec, binary load)', stats: seg('exec') },
        { key: 'bootstrap', label: 'Node bootstrap (to the first preload)', stats: seg('bootstrap') },
        { key: 'modules', label: 'load dist/host.mjs + chunks, core, adapter (to stdin opened)', stats: seg('modules') },
        { key: 'first_read', label: 'stdin opened → initialize read', stats: seg('first_read') },
        { key: 'handle', label: 'initialize handled → answer written', stats: seg('handle') },
        { key: 'deliver', label: 'answer written → bench has it', stats: seg('deliver') },
      ],
    },
  };
}

// Inline completion, end to end (DESIGN.md §8): keys typed into one headless Neovim per phase
// (real Lua layer, real job host) against fake Ollama servers in a worker thread
// (completion-worker.ts) whose /api/generate has a FIXED time to first byte. The Lua side
// (completion-bench.lua) feeds one key per vim.uv timer tick through nvim_input — the real key
// path — and records timestamps from the outside; the worker records the server's. Both use
// CLOCK_MONOTONIC (vim.uv.hrtime / process.hrtime), so the two logs line up.
//
// Phases (a fresh Neovim each; the first suggestion of each is a warm-up, not recorded):
//   human      10 chars/s ± 20 %, a pause at each line end, adaptive debounce, generic reply
//   burst      40 chars/s, short pauses at line ends, adaptive debounce, generic reply
//   zero       debounce_ms = 0, 10 chars/s, generic reply
//   typeahead  10 chars/s, adaptive, the fake answers the true rest of the line
//   abort      debounce_ms = 0, the fake never answers (first byte after 30 s), 10 chars/s
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundle } from './bundle.mjs';
import { forget, track } from './proc.mjs';
import { summarize } from './stats.mjs';

const MODEL = 'fim-coder:1b';
const TTFB_MS = 50;
const SNIPPET = [
  'function total(items) {',
  '  let sum = 0;',
  '  for (const it of items) {',
  '    sum += it.price * it.qty;',
  '  }',
  '  return sum;',
  '}',
  'export function average(items) {',
  '  if (items.length === 0) return 0;',
  '  return total(items) / items.length;',
  '}',
].join('\n');
// The oracle fake answers the rest of the line of this text (typed after a line-start pause).
// It does not start with an empty line: a prefix starting with '\n' sends the host's
// trimPrefix (src/completion/context.ts) into an endless loop (seen here: host at 100 % CPU).
const TYPEAHEAD = 'const n = 0;\n  return total(items) / items.length;';
const firstLines = (n) => SNIPPET.split('\n').slice(0, n).join('\n');

const PHASES = [
  { phase: 'human', fake: 'generic', debounce: 'adaptive', text: firstLines(3), gap_ms: 100, jitter: 0.2, line_pause_ms: 400 },
  { phase: 'burst', fake: 'generic', debounce: 'adaptive', text: firstLines(7), gap_ms: 25, jitter: 0.2, line_pause_ms: 150 },
  { phase: 'zero', fake: 'generic', debounce: 0, text: 'function tot(x', gap_ms: 100, jitter: 0.2, line_pause_ms: 0 },
  { phase: 'typeahead', fake: 'oracle', debounce: 'adaptive', text: TYPEAHEAD, gap_ms: 100, jitter: 0.2, line_pause_ms: 400 },
  { phase: 'abort', fake: 'stall', debounce: 0, text: 'const value', gap_ms: 100, jitter: 0.2, line_pause_ms: 0 },
];

function startWorker(file) {
  const worker = new Worker(file, { workerData: { snippet: TYPEAHEAD, model: MODEL, ttfbMs: TTFB_MS } });
  let next = 0;
  const call = (cmd) =>
    new Promise((resolve) => {
      const id = ++next;
      const on = (m) => {
        if (m.id === id) {
          worker.off('message', on);
          resolve(m.value);
        }
      };
      worker.on('message', on);
      worker.postMessage({ cmd, id });
    });
  const ready = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, call, ready };
}

function runPhase(ctx, dir, p, url) {
  const out = join(dir, `${p.phase}.json`);
  const config = { ...p, root: ctx.root, url, model: MODEL, out, file: join(dir, 'bench.ts'), tail_ms: 400 };
  return new Promise((resolve, reject) => {
    const env = { ...ctx.env, ZEKE_BENCH_CONFIG: JSON.stringify(config) };
    delete env.NODE_OPTIONS;
    const child = track(
      spawn(ctx.nvim.bin, ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(ctx.root, 'bench/completion-bench.lua')}`], {
        env,
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      err += '\n(bench: Neovim killed after 40 s)';
      child.kill('SIGKILL');
    }, 40000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      forget(child);
      let data;
      try {
        data = JSON.parse(readFileSync(out, 'utf8'));
      } catch {
        data = null;
      }
      if (!data || data.error || code !== 0) reject(new Error(`completion-bench.lua (${p.phase}) failed (exit ${code}): ${data?.error ?? ''}\n${err.trim()}`));
      else resolve(data);
    });
  });
}

const ms = (ns) => ns / 1e6;

/** The server exchange for a Lua request: the /api/generate whose prompt is the request's prefix, seen after it was sent. */
function serverOf(r, entries, used) {
  const cands = entries.filter((e) => !used.has(e) && e.url.startsWith('/api/generate') && e.t_req >= r.t_sent && (e.prompt === r.prefix || (e.prompt ?? '').endsWith(r.prefix)));
  const e = cands[0];
  if (e) used.add(e);
  return e;
}

/** The last key taken before time t (index into keys, 0-based), or -1. */
function keyBefore(keys, t) {
  let k = -1;
  for (let i = 0; i < keys.length && keys[i].t <= t; i++) k = i;
  return k;
}

function analyse(data, entries) {
  const { keys, reqs } = data;
  const used = new Set();
  const primary = reqs.filter((r) => !r.prefetch);
  for (const r of reqs) r.server = r.prefetch ? undefined : serverOf(r, entries, used);
  // Row 1 samples: uncached requests whose answer drew ghost text.
  //   overhead = (ghost drawn − last key) − debounce chosen for that key − server time to first byte
  // where the server's time is its own (request body read → response head written: the fixed
  // fault delay plus its timer's lateness), measured in the worker. Everything else is zeke's:
  // debounce-timer lateness and ask() (context, params), the RPC to the host, the engine and
  // router, the HTTP request and response parsing, post-processing, the RPC back, the Lua
  // callback and the extmark. Parts (p50 in `extra`): sched = request sent − key − debounce;
  // out = server saw the body − request sent; back = first progress/answer in Lua − server head;
  // render = ghost drawn − first progress/answer.
  const overhead = [];
  const parts = { sched: [], out: [], back: [], render: [] };
  const lastKeyToGhost = [];
  for (const r of primary) {
    if (!r.t_ghost || r.cached || r.err) continue;
    const k = keyBefore(keys, r.t_sent);
    if (k < 0) continue;
    const key = keys[k];
    const e = r.server;
    if (!e || e.t_head === undefined || e.t_body === undefined) continue;
    const delay = key.delay ?? 0;
    const serverTtfb = ms(e.t_head - e.t_body);
    overhead.push(ms(r.t_ghost - key.t) - delay - serverTtfb);
    parts.sched.push(ms(r.t_sent - key.t) - delay);
    parts.out.push(ms(e.t_body - r.t_sent));
    parts.back.push(ms(r.t_first - e.t_head));
    parts.render.push(ms(r.t_ghost - r.t_first));
    lastKeyToGhost.push(ms(r.t_ghost - key.t));
  }
  // Keys answered by typeahead: the key's own handler redrew the ghost (no request).
  const typeahead = keys.filter((k) => k.t_render);
  const typeaheadMs = typeahead.map((k) => ms(k.t_render - k.t));
  // Requests sent while the last key was a typeahead key (must be none).
  const typeaheadReqs = primary.filter((r) => {
    const k = keyBefore(keys, r.t_sent);
    return k >= 0 && keys[k].t_render;
  }).length;
  const cachedShown = primary.filter((r) => r.cached && r.t_ghost).length;
  const aborted = primary.filter((r) => r.t_cancel || r.err === 'cancelled').length;
  // Row 6: the key that cancelled a request → the server saw that request's socket close.
  const discMs = [];
  for (const r of primary) {
    if (!r.t_cancel || !r.server?.disconnected) continue;
    const k = keyBefore(keys, r.t_cancel);
    if (k >= 0) discMs.push(ms(r.server.t_close - keys[k].t));
  }
  const gen = entries.filter((e) => e.url.startsWith('/api/generate'));
  const cpuNvim = data.cpu1.nvim - data.cpu0.nvim;
  const cpuHost = data.cpu1.host - data.cpu0.host;
  return {
    typed: data.typed,
    seconds: ms(data.cpu1.t - data.cpu0.t) / 1000,
    buffer_ok: data.buffer === undefined ? null : data.buffer,
    primary: primary.length,
    prefetch: reqs.length - primary.length,
    overhead,
    parts,
    lastKeyToGhost,
    editMs: keys.filter((k) => k.edits > 0).map((k) => ms(k.edit_ns)),
    loopMs: keys.filter((k) => k.t_poll).map((k) => ms(k.t_poll - k.t)),
    pollBeforeEdit: keys.filter((k) => k.t_poll && k.t_edit_end && k.t_poll < k.t_edit_end).length,
    typeahead: typeahead.length,
    typeaheadMs,
    typeaheadReqs,
    cachedShown,
    aborted,
    discMs,
    serverGenerates: gen.length,
    serverDisconnects: gen.filter((e) => e.disconnected).length,
    cpuNvimMsPerChar: cpuNvim / 1e6 / data.typed,
    cpuHostMsPerChar: cpuHost / 1e6 / data.typed,
    warm: data.warm,
  };
}

export async function measure(ctx) {
  const file = await bundle(ctx.root, 'bench/completion-worker.ts');
  const w = startWorker(file);
  const dir = mkdtempSync(join(ctx.tmp, 'completion-'));
  const res = {};
  try {
    const { urls } = await w.ready;
    const only = process.env.ZEKE_BENCH_COMPLETION_PHASES?.split(',');
    for (const p of PHASES) {
      if (only && !only.includes(p.phase)) continue;
      await w.call('entries'); // drop the previous phase's
      const data = await runPhase(ctx, dir, p, urls[p.fake]);
      const entries = await w.call('entries');
      if (process.env.ZEKE_BENCH_COMPLETION_DUMP) console.error(JSON.stringify({ data, entries }, null, 1));
      res[p.phase] = analyse(data, entries);
      if (res[p.phase].buffer_ok !== p.text) throw new Error(`completion bench (${p.phase}): the buffer is not the typed text:\n${JSON.stringify(res[p.phase].buffer_ok)}`);
      delete res[p.phase].buffer_ok;
    }
  } finally {
    await w.call('close').catch(() => {});
    await w.worker.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
  const { human, burst, zero, typeahead, abort } = res;
  const all = [human, burst, zero, typeahead];
  const cat = (f) => all.flatMap(f);
  const nanRow = (row, why) => ({ ...row, label: `${row.label} (${why})`, value: NaN, stats: undefined });
  const statRow = (row, samples, why) => (samples.length ? { ...row, stats: summarize(samples) } : nanRow(row, why));
  const p50 = (xs) => summarize(xs).p50;
  const keysTyped = human.typed + burst.typed + typeahead.typed;
  const served = human.typeahead + burst.typeahead + typeahead.typeahead + human.cachedShown + burst.cachedShown + typeahead.cachedShown;

  const rows = [
    statRow(
      {
        key: 'compl_overhead',
        label: `completion: key → ghost, minus debounce & server TTFB (${TTFB_MS} ms)`,
        unit: 'ms',
        target: { stat: 'p50', max: 3 },
        extra: Object.fromEntries(Object.entries(parts(all)).map(([k, v]) => [k + '_p50', p50(v)])),
      },
      cat((r) => r.overhead),
      'no uncached suggestion was shown',
    ),
    statRow(
      { key: 'compl_overhead_p99', label: '  same, p99 target', unit: 'ms', target: { stat: 'p99', max: 10 } },
      cat((r) => r.overhead),
      'no uncached suggestion was shown',
    ),
    statRow(
      {
        key: 'compl_typeahead',
        label: `completion: typed char matching the ghost → ghost updated`,
        unit: 'ms',
        target: { stat: 'p50', max: 2 },
        extra: { keys: typeahead.typeahead, of: typeahead.typed },
      },
      typeahead.typeaheadMs,
      'no key was served by typeahead',
    ),
    {
      key: 'compl_typeahead_reqs',
      label: '  requests sent after those keys',
      unit: '',
      value: typeahead.typeaheadReqs + human.typeaheadReqs + burst.typeaheadReqs,
      target: { max: 0 },
    },
    statRow(
      { key: 'compl_sync', label: 'completion: sync plugin work per keystroke (_on_edit)', unit: 'ms', target: { stat: 'p50', max: 0.5 } },
      cat((r) => r.editMs),
      'no handler ran',
    ),
    statRow(
      {
        key: 'compl_sync_loop',
        label: '  on_key → main loop polls again (all of Neovim)',
        unit: 'ms',
        extra: { polls_before_handler_end: all.reduce((a, r) => a + r.pollBeforeEdit, 0) },
      },
      cat((r) => r.loopMs),
      'no poll seen',
    ),
    statRow(
      { key: 'compl_zero_ghost', label: `completion: debounce 0, TTFB ${TTFB_MS} ms: last key → ghost`, unit: 'ms', target: { stat: 'p50', max: 60 } },
      zero.lastKeyToGhost,
      'no suggestion was shown',
    ),
    {
      key: 'compl_req_per_char_human',
      label: `completion: requests per typed char, 10 chars/s, adaptive (${human.primary}/${human.typed})`,
      unit: '',
      value: human.primary / human.typed,
      target: { max: 0.1 },
      extra: { prefetch: human.prefetch, server_generates: human.serverGenerates },
    },
    {
      key: 'compl_req_per_char_burst',
      label: `  same at 40 chars/s (${burst.primary}/${burst.typed})`,
      unit: '',
      value: burst.primary / burst.typed,
      extra: { prefetch: burst.prefetch, server_generates: burst.serverGenerates },
    },
    {
      key: 'compl_served_share',
      label: `completion: keys served by typeahead/cache, share (${served}/${keysTyped})`,
      unit: '',
      value: served / keysTyped,
      extra: Object.fromEntries(Object.entries({ human, burst, typeahead }).map(([k, r]) => [k, { typeahead: r.typeahead, cached: r.cachedShown, typed: r.typed }])),
    },
    {
      key: 'compl_aborted',
      label: `completion: aborted requests (${all.reduce((a, r) => a + r.primary, 0)} sent, 4 phases)`,
      unit: '',
      value: all.reduce((a, r) => a + r.aborted, 0),
      extra: { server_disconnects: all.reduce((a, r) => a + r.serverDisconnects, 0) },
    },
    statRow(
      { key: 'compl_abort_socket', label: 'completion: key → previous request socket closed', unit: 'ms', target: { stat: 'p50', max: 5 }, extra: { aborted: abort.aborted, disconnects: abort.serverDisconnects } },
      abort.discMs,
      'no disconnect seen',
    ),
    { key: 'compl_cpu_host', label: 'completion: host CPU per typed char (10 chars/s)', unit: 'ms', value: human.cpuHostMsPerChar },
    { key: 'compl_cpu_nvim', label: '  Neovim CPU per typed char (10 chars/s)', unit: 'ms', value: human.cpuNvimMsPerChar },
  ];
  return { rows, completion: res };

  function parts(list) {
    const o = { sched: [], out: [], back: [], render: [] };
    for (const r of list) for (const k of Object.keys(o)) o[k].push(...r.parts[k]);
    return o;
  }
}

// Round trips over JSON-RPC stdio to one running host: sequential `ping`s (instant method)
// and repeated `initialize` (what a warm host spends on it), plus the host's memory.
import { JsonRpcChild, initializeParams } from './jsonrpc-client.mjs';
import { memoryOf, sleep, track, forget } from './proc.mjs';
import { summarize, msSince } from './stats.mjs';

async function timed(host, method, params, n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await host.request(method, params);
    out[i] = msSince(t0);
  }
  return out;
}

export async function measure(ctx) {
  const { pings, warmup, inits } = ctx.n;
  const host = track(new JsonRpcChild(ctx.node, [ctx.entry, '--stdio'], { env: ctx.env, cwd: ctx.tmp }));
  try {
    const init = await host.request('initialize', initializeParams(ctx.logFile));
    await sleep(ctx.settleMs);
    const idle = memoryOf(init.pid);

    await timed(host, 'ping', {}, warmup);
    const ping = await timed(host, 'ping', {}, pings);
    await timed(host, 'initialize', initializeParams(ctx.logFile), Math.min(warmup, 20));
    const reinit = await timed(host, 'initialize', initializeParams(ctx.logFile), inits);
    const after = memoryOf(init.pid);
    const code = await host.close();
    if (code.code !== 0) throw new Error(`stdio host exited with ${code.code}/${code.signal}: ${host.stderr}`);

    return {
      rows: [
        { key: 'rpc_jsonrpc_ping', label: 'RPC round trip, JSON-RPC stdio (ping)', stats: summarize(ping), unit: 'ms' },
        { key: 'rpc_jsonrpc_initialize_warm', label: '  initialize on a warm host (JSON-RPC)', stats: summarize(reinit), unit: 'ms' },
        { key: 'rss_idle_jsonrpc', label: 'host RSS idle (JSON-RPC host)', value: idle?.rss_mb, unit: 'MB', target: { max: 80 } },
        {
          key: 'rss_busy_jsonrpc',
          label: `host RSS after ${warmup + pings} pings + ${inits} inits (JSON-RPC), peak`,
          value: after?.hwm_mb,
          unit: 'MB',
          target: { max: 150 },
          extra: { rss_mb: after?.rss_mb },
        },
      ],
    };
  } finally {
    host.kill();
    forget(host);
  }
}

// Neovim adapter (default transport): Lua starts `node dist/host.mjs` with
// jobstart(…, {rpc = true}); we attach to stdio. Lua → host: `zeke_request` notifications
// (id, method, params) answered by one `nvim_exec_lua` notification each, `zeke_cancel`
// (id), and `zeke_call` requests for instant methods. Host → Lua never blocks on Neovim.
import { attach } from 'neovim';
import type { Core } from '../core/core.js';
import { ErrorCode, toWireError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import { nvimClientLogger } from './nvim-logger.js';

const ON_RESPONSE = "require('zeke.host')._on_response(...)";
const ON_EVENT = "require('zeke.host')._on_event(...)";
const ON_PROGRESS = "require('zeke.host')._on_progress(...)";

export interface NvimSink {
  notifyLua(code: string, args: unknown[]): void;
}

export function startNvimAdapter(makeCore: (emit: (event: string, payload: unknown) => void) => Core, log: Logger): void {
  const nvim = attach({ reader: process.stdin, writer: process.stdout, options: { logger: nvimClientLogger(log) } });
  const sink: NvimSink = { notifyLua: (code, args) => nvim.notify('nvim_exec_lua', [code, args]) };
  const core = makeCore((event, payload) => sink.notifyLua(ON_EVENT, [event, payload]));
  bindNvimHandlers(nvim, core, sink, log);
  nvim.on('disconnect', () => {
    log.info('neovim disconnected; exiting');
    log.flushSync();
    process.exit(0);
  });
}

interface NvimLike {
  on(event: 'notification', cb: (method: string, args: unknown[]) => void): unknown;
  on(event: 'request', cb: (method: string, args: unknown[], resp: { send(v: unknown, isError?: boolean): void }) => void): unknown;
}

/** Shared by the job transport and the rplugin shim: both speak the same messages. */
export function bindNvimHandlers(nvim: NvimLike, core: Core, sink: NvimSink, log: Logger): void {
  const inflight = new Map<number, AbortController>();

  nvim.on('notification', (method, args) => {
    if (method === 'zeke_request') {
      const [id, name, params] = args as [number, string, unknown];
      runRequest(core, inflight, sink, log, id, name, params);
    } else if (method === 'zeke_cancel') {
      inflight.get(args[0] as number)?.abort();
    } else {
      log.debug('ignored notification %s', method);
    }
  });

  nvim.on('request', (method, args, resp) => {
    if (method !== 'zeke_call') {
      resp.send(`unknown request ${method}`, true);
      return;
    }
    const [name, params] = args as [string, unknown];
    if (!core.isInstant(name)) {
      resp.send(`${name} is not an instant method; send it as zeke_request`, true);
      return;
    }
    core.call(name, params, new AbortController().signal).then(
      (result) => resp.send(result ?? null),
      (err) => resp.send(toWireError(err).message, true),
    );
  });
}

/** What the rplugin shim calls for each `ZekeRequest(id, method, params)`. */
export function runRequest(
  core: Core,
  inflight: Map<number, AbortController>,
  sink: NvimSink,
  log: Logger,
  id: number,
  name: string,
  params: unknown,
): void {
  const ac = new AbortController();
  inflight.set(id, ac);
  const progress = (value: unknown) => {
    if (!ac.signal.aborted) sink.notifyLua(ON_PROGRESS, [id, value]);
  };
  core.call(name, params, ac.signal, progress).then(
    (result) => {
      inflight.delete(id);
      if (ac.signal.aborted) sink.notifyLua(ON_RESPONSE, [id, { code: ErrorCode.Cancelled, message: 'cancelled' }, null]);
      else sink.notifyLua(ON_RESPONSE, [id, null, result ?? null]);
    },
    (err) => {
      inflight.delete(id);
      const wire = toWireError(ac.signal.aborted ? Object.assign(new Error('cancelled'), { name: 'AbortError' }) : err);
      if (wire.code !== ErrorCode.Cancelled) log.warn('%s #%d failed: %s', name, id, wire.message);
      sink.notifyLua(ON_RESPONSE, [id, wire, null]);
    },
  );
}

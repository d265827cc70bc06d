// Entry for Neovim's node provider (`transport = "rplugin"`), loaded by the shim in
// rplugin/node/zeke. A thin bridge onto the same core and the same messages as the job
// transport: Lua calls ZekeRequest / ZekeCancel / ZekeCall instead of rpcnotify/rpcrequest.
import { createCore } from '../core/core.js';
import { createLogger } from '../log/logger.js';
import { runRequest, type NvimSink } from './nvim.js';

interface PluginLike {
  nvim: { notify(method: string, args: unknown[]): void };
  registerFunction(name: string, fn: (args: unknown[]) => unknown, options?: { sync?: boolean }): void;
}

export function registerRplugin(plugin: PluginLike): void {
  const log = createLogger({ stderr: false });
  const sink: NvimSink = { notifyLua: (code, args) => plugin.nvim.notify('nvim_exec_lua', [code, args]) };
  const core = createCore({ log, emit: (event, payload) => sink.notifyLua("require('zeke.host')._on_event(...)", [event, payload]) });
  const inflight = new Map<number, AbortController>();
  plugin.registerFunction(
    'ZekeRequest',
    (args) => {
      const [id, name, params] = args as [number, string, unknown];
      runRequest(core, inflight, sink, log, id, name, params);
    },
    { sync: false },
  );
  plugin.registerFunction('ZekeCancel', (args) => void inflight.get(args[0] as number)?.abort(), { sync: false });
  plugin.registerFunction(
    'ZekeCall',
    async (args) => {
      const [name, params] = args as [string, unknown];
      if (!core.isInstant(name)) throw new Error(`${name} is not an instant method`);
      return (await core.call(name, params, new AbortController().signal)) ?? null;
    },
    { sync: true },
  );
}

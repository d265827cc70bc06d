// The opt-in `host.transport = 'rplugin'`, for real: Neovim's node provider (the `neovim`
// package's host, from this repo's node_modules) loads rplugin/node/zeke, :UpdateRemotePlugins
// writes the manifest, a restarted Neovim reads it at startup, and the Lua layer reaches the
// same core through ZekeRequest / ZekeCancel / ZekeCall.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, startNvim, ROOT, type Session, type StartOptions } from './harness.js';

const NODE_HOST = join(ROOT, 'node_modules/neovim/bin/cli.js');
const SHIM = join(ROOT, 'rplugin/node/zeke');
const MANIFEST = '.local/share/nvim/rplugin.vim'; // stdpath('data')/rplugin.vim in the private home
const SLOW = 120_000; // two cores, other e2e files in parallel, a node host to boot

// provider#node#Require runs `node <g:node_host_prog>`: `node` comes from PATH. Make it the
// node running the tests, and keep a user's manifest override out of the private home.
const ENV: StartOptions['env'] = {
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
  NVIM_RPLUGIN_MANIFEST: undefined,
  NVIM_NODE_HOST_DEBUG: undefined,
};

let s: Session | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** What a user puts in init.vim: the node provider's host is the `neovim` package's cli. */
async function useNodeProvider(x: Session, hostProg = NODE_HOST): Promise<void> {
  // Before the first remote call: provider/node.vim reads g:node_host_prog once, when loaded.
  await x.lua('local prog, log = ...; vim.g.node_host_prog = prog; vim.env.NVIM_NODE_LOG_FILE = log', [hostProg, join(x.home, 'node-host.log')]);
}

function nodeHostLog(x: Session): string {
  try {
    return readFileSync(join(x.home, 'node-host.log'), 'utf8').split('\n').filter((l) => !/ DBG /.test(l)).slice(-40).join('\n');
  } catch {
    return '(no node host log)';
  }
}

/** ZekeHostReady, or a failure at once (with the node host's log) on ZekeHostFailed. */
async function waitReady(x: Session) {
  try {
    const first = await Promise.race([
      x.waitForEvent('ZekeHostReady', { timeoutMs: 60_000 }),
      x.waitForEvent('ZekeHostFailed', { timeoutMs: 60_000 }).catch(() => new Promise<never>(() => {})),
    ]);
    if (first.name === 'ZekeHostFailed') throw new Error(`ZekeHostFailed: ${first.data?.reason}`);
    return first;
  } catch (e) {
    throw new Error(`${(e as Error).message}\nnode host log:\n${nodeHostLog(x)}\nmessages: ${await x.nvim.commandOutput('messages').catch(() => '?')}`);
  }
}

describe('rplugin transport (Neovim node provider)', () => {
  let manifest = '';

  // A first Neovim: the user sets up the provider and runs :UpdateRemotePlugins, which asks a
  // throwaway node host for the shim's specs and writes the manifest.
  beforeAll(async () => {
    const first = await startNvim({ env: ENV });
    try {
      await useNodeProvider(first);
      await first.nvim.command('UpdateRemotePlugins');
      const written = await first.lua<string>('return vim.g.loaded_remote_plugins');
      expect(written).toBe(join(first.home, MANIFEST));
      manifest = readFileSync(written, 'utf8');
      if (!manifest.includes('ZekeRequest')) throw new Error(`manifest lacks zeke:\n${manifest}\nnode host log:\n${nodeHostLog(first)}`);
    } finally {
      await first.close();
    }
  }, SLOW);

  it(':UpdateRemotePlugins registers rplugin/node/zeke with its three functions', () => {
    expect(manifest).toContain(`call remote#host#RegisterPlugin('node', '${SHIM}', [`);
    expect(manifest).toMatch(/'sync': v:false, 'name': 'ZekeRequest', 'type': 'function'/);
    expect(manifest).toMatch(/'sync': v:false, 'name': 'ZekeCancel', 'type': 'function'/);
    expect(manifest).toMatch(/'sync': v:true, 'name': 'ZekeCall', 'type': 'function'/);
  });

  it('after a restart: the host runs inside the node provider and answers async and sync calls', async () => {
    // "Restart Neovim": a new Neovim whose data folder holds that manifest; the runtime's
    // plugin/rplugin.vim sources it at startup (ZekeRequest is defined lazily, on first call).
    s = await startNvim({ env: ENV, files: { [MANIFEST]: manifest } });
    expect(await s.lua('return vim.fn.exists("#FuncUndefined#ZekeRequest")')).toBe(1);
    await useNodeProvider(s);
    await s.lua("require('zeke').setup({ host = { transport = 'rplugin', start_delay_ms = -1 } })");
    await s.lua("require('zeke.host').start()");
    const ready = await waitReady(s);

    // The core lives in the provider's node process, not in a job zeke spawned.
    const providerPid = await s.lua<number>("return vim.fn.jobpid(vim.fn['remote#host#Require']('node'))");
    expect(ready.data.pid).toBe(providerPid);
    expect(alive(providerPid)).toBe(true);
    const st = await s.lua<any>("return require('zeke').status()");
    expect(st.status).toBe('ready');
    expect(st.chan).toBeUndefined();
    expect(s.events.some((e) => e.name === 'ZekeHostFailed')).toBe(false);

    // Async (ZekeRequest → nvim_exec_lua notification back to _on_response).
    await s.lua(`
      _G.ping = nil
      require('zeke').request('ping', nil, function(err, res) _G.ping = { err = err or false, res = res } end)`);
    const ping = await s.waitForLua<any>('_G.ping', 30_000);
    expect(ping.err).toBe(false);
    expect(ping.res.pong).toBe(true);

    // Sync (ZekeCall, an rpcrequest through remote#define#request).
    const sync = await s.lua<any>("return require('zeke.host').call('ping', vim.empty_dict())");
    expect(sync.pong).toBe(true);
    expect(typeof sync.time).toBe('number');

    // The user's setup() options reached this core through initialize.
    await s.lua(`
      _G.cfg = nil
      require('zeke').request('config', nil, function(err, res) _G.cfg = { err = err or false, res = res } end)`);
    const cfg = await s.waitForLua<any>('_G.cfg', 30_000);
    expect(cfg.err).toBe(false);
    expect(cfg.res.options.host.transport).toBe('rplugin');
    expect(cfg.res.options.host.start_delay_ms).toBe(-1);

    // Cancel goes out as ZekeCancel; the callback ends with `cancelled`, the bridge stays usable.
    await s.lua(`
      _G.cancelled = nil
      local id = require('zeke').request('health', { timeout_ms = 20000 }, function(err) _G.cancelled = err or false end)
      require('zeke').cancel(id)`);
    expect((await s.waitForLua<any>('_G.cancelled')).code).toBe('cancelled');
    expect((await s.lua<any>("return require('zeke.host').call('ping', vim.empty_dict())")).pong).toBe(true);
    expect(s.notifications.filter((n) => n.level >= 4)).toEqual([]);

    // Quitting Neovim ends the provider, and with it the host.
    await s.close();
    s = undefined;
    const deadline = Date.now() + 15_000;
    while (alive(providerPid) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(alive(providerPid)).toBe(false);
  }, SLOW);

  it('without :UpdateRemotePlugins: ZekeHostFailed says what to run, calls fail at once', async () => {
    s = await startNvim({ env: ENV });
    await useNodeProvider(s);
    await s.lua("require('zeke').setup({ host = { transport = 'rplugin', start_delay_ms = -1 } })");
    await s.lua("require('zeke.host').start()");
    const failed = await s.waitForEvent('ZekeHostFailed', { timeoutMs: 30_000 });
    expect(failed.data.reason).toMatch(/:UpdateRemotePlugins/);
    expect(failed.data.reason).toMatch(/rplugin/);
    const shown = await s.waitForNotification((n) => /:UpdateRemotePlugins/.test(n.msg));
    expect(shown.level).toBe(4);
    await s.lua(`
      _G.res = nil
      require('zeke').request('ping', nil, function(err) _G.res = err or false end)`);
    const err = await s.waitForLua<any>('_G.res');
    expect(err.code).toBe('host_unavailable');
    expect(err.message).toMatch(/:UpdateRemotePlugins/);
    expect((await s.lua<any>("return require('zeke').status()")).status).toBe('failed');
  }, SLOW);

  it('a node provider that cannot start fails clearly instead of hanging in "starting"', async () => {
    s = await startNvim({ env: ENV, files: { [MANIFEST]: manifest } });
    await useNodeProvider(s, join(s.home, 'no-such-dir/cli.js'));
    await s.lua("require('zeke').setup({ host = { transport = 'rplugin', start_delay_ms = -1 } })");
    await s.lua("require('zeke.host').start()");
    const failed = await s.waitForEvent('ZekeHostFailed', { timeoutMs: 60_000 });
    expect(failed.data.reason).toMatch(/node provider could not run rplugin\/node\/zeke/);
    expect(failed.data.reason).toMatch(/checkhealth provider/);
    expect((await s.lua<any>("return require('zeke').status()")).status).toBe('failed');
  }, SLOW);

  it('the shim, in a checkout that was never built, throws an error naming the fix', () => {
    const tree = mkdtempSync(join(tmpdir(), 'zeke-unbuilt-'));
    try {
      cpSync(SHIM, join(tree, 'rplugin/node/zeke'), { recursive: true });
      expect(existsSync(join(tree, 'dist'))).toBe(false);
      // The neovim host loads a plugin with require(<folder>): do the same.
      const load = () => createRequire(join(tree, 'x.js'))(join(tree, 'rplugin/node/zeke'));
      expect(load).toThrow(/npm ci && npm run build/);
      expect(load).toThrow(join(tree, 'dist/rplugin.cjs'));
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});

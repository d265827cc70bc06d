// The host's life as a user meets it: lazy start, queued calls, crash → restart with one
// message, giving up after repeated crashes, Node missing or too old, :ZekeRestart, and
// stopping with Neovim.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, script, startNvim, ROOT, type Session } from './harness.js';

let s: Session | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const status = (x: Session) => x.lua<any>("return require('zeke').status()");

describe('host lifecycle', () => {
  it('does not start at setup(), starts shortly after UIEnter', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { start_delay_ms = 50 } })");
    expect((await status(s)).status).toBe('stopped');
    await s.nvim.command('doautocmd UIEnter');
    const ready = await s.waitForEvent('ZekeHostReady');
    expect(ready.data.ready_ms).toBeGreaterThan(0);
    expect(alive(ready.data.pid)).toBe(true);
    expect((await status(s)).status).toBe('ready');
  });

  it('starts on the first InsertEnter when start_delay_ms = -1', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 } })");
    await s.nvim.command('doautocmd UIEnter');
    expect((await status(s)).status).toBe('stopped');
    await s.input('ihello<Esc>');
    await s.waitForEvent('ZekeHostReady');
    expect(await s.lua('return vim.api.nvim_get_current_line()')).toBe('hello');
  });

  it('queues calls made before the host is ready and answers them in order', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 } })");
    await s.lua(`
      _G.answers = {}
      for i = 1, 3 do
        require('zeke').request('ping', nil, function(err, res) table.insert(_G.answers, { i = i, err = err, pong = res and res.pong }) end)
      end`);
    const answers = await s.waitForLua<any[]>('#_G.answers == 3 and _G.answers');
    expect(answers.map((a) => a.i)).toEqual([1, 2, 3]);
    expect(answers.every((a) => a.pong === true && a.err === undefined)).toBe(true);
  });

  it('after a crash: pending calls fail with a clear error, one message, and the host comes back', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 } })");
    await s.lua("require('zeke.host').start()");
    const first = await s.waitForEvent('ZekeHostReady');
    // A health call to an address that never answers stays in flight until the crash.
    await s.lua(`
      _G.result = nil
      require('zeke').request('health', { timeout_ms = 30000 }, function(err) _G.result = err end)`);
    await s.lua(`require('zeke').setup({ host = { start_delay_ms = -1 }, providers = { ollama = { endpoints = { 'http://10.255.255.1:1' } } } })`);
    process.kill(first.data.pid, 'SIGKILL');
    const exit = await s.waitForEvent('ZekeHostExit');
    expect(exit.data.restarting).toBe(true);
    const err = await s.waitForLua<any>('_G.result');
    expect(err.code).toBe('host_exited');
    expect(err.message).toMatch(/zeke host exited/);
    const again = await s.waitForEvent('ZekeHostReady', { since: s.events.indexOf(exit) });
    expect(again.data.pid).not.toBe(first.data.pid);
    const warnings = s.notifications.filter((n) => /exited/.test(n.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(3);
  });

  it('gives up after max_restarts crashes in a row with one error, and Neovim keeps working', async () => {
    s = await startNvim();
    const crasher = script(s.home, 'crash-node', 'echo "boom: simulated crash" >&2; exit 1');
    await s.lua(`require('zeke').setup({ host = { node = '${crasher}', start_delay_ms = -1, max_restarts = 2 } })`);
    await s.lua("require('zeke.host').start()");
    const failed = await s.waitForEvent('ZekeHostFailed');
    expect(failed.data.reason).toMatch(/crashed 3 times/);
    expect(failed.data.reason).toMatch(/boom: simulated crash/);
    const exits = s.events.filter((e) => e.name === 'ZekeHostExit');
    expect(exits.map((e) => e.data.attempt)).toEqual([1, 2]);
    expect(s.notifications.filter((n) => n.level === 3)).toHaveLength(1); // one warning for the series
    expect(s.notifications.filter((n) => n.level === 4)).toHaveLength(1); // one error when giving up
    // Calls fail at once with the reason, and editing still works.
    await s.lua("require('zeke').request('ping', nil, function(err) _G.err = err end)");
    const err = await s.waitForLua<any>('_G.err');
    expect(err.code).toBe('host_unavailable');
    await s.input('iabc<Esc>');
    expect(await s.lua('return vim.api.nvim_get_current_line()')).toBe('abc');
  });

  it('Node missing: one clear message with the fix, Neovim keeps working', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { node = '/nonexistent/node', start_delay_ms = -1 } })");
    await s.input('ix<Esc>');
    const failed = await s.waitForEvent('ZekeHostFailed');
    expect(failed.data.reason).toMatch(/Node.js was not found/);
    expect(failed.data.reason).toMatch(/host.node/);
    await s.lua("require('zeke').request('ping', nil, function(err) _G.err = err end)");
    await s.waitForLua('_G.err');
    expect(s.notifications.filter((n) => n.level >= 3)).toHaveLength(1);
    expect(await s.lua('return vim.api.nvim_get_current_line()')).toBe('x');
  });

  it('Node too old: the host refuses with the version and the fix; no restart loop', async () => {
    s = await startNvim();
    // A real node whose process.version claims 18.19.0, so src/main.ts's own check runs.
    const preload = `${s.home}/old-node.mjs`;
    await s.lua(`vim.fn.writefile({ "Object.defineProperty(process, 'version', { value: 'v18.19.0' });" }, '${preload}')`);
    const oldNode = script(s.home, 'old-node', `exec node --import ${preload} "$@"`);
    await s.lua(`require('zeke').setup({ host = { node = '${oldNode}', start_delay_ms = -1 } })`);
    await s.lua("require('zeke.host').start()");
    const failed = await s.waitForEvent('ZekeHostFailed');
    expect(failed.data.reason).toMatch(/needs Node.js >= 20.18.1/);
    expect(failed.data.reason).toMatch(/v18.19.0/);
    expect(s.events.filter((e) => e.name === 'ZekeHostExit')).toHaveLength(0);
    expect(s.notifications.filter((n) => n.level >= 3)).toHaveLength(1);
  });

  it('a checkout without dist/ says how to build it', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'zeke-unbuilt-'));
    for (const dir of ['lua', 'plugin']) cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
    try {
      s = await startNvim({ env: { ZEKE_ROOT: copy } });
      await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 } })");
      await s.lua("require('zeke.host').start()");
      const failed = await s.waitForEvent('ZekeHostFailed');
      expect(failed.data.reason).toContain(`${copy}/dist/host.mjs is missing`);
      expect(failed.data.reason).toContain('npm ci && npm run build');
      expect(s.notifications.filter((n) => n.level >= 3)).toHaveLength(1);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it(':ZekeRestart starts a new host and says so', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 } })");
    await s.lua("require('zeke.host').start()");
    const first = await s.waitForEvent('ZekeHostReady');
    await s.input(':ZekeRestart<CR>');
    const second = await s.waitForEvent('ZekeHostReady', { where: (e) => e.data.pid !== first.data.pid });
    await s.waitForNotification((n) => /host restarted/.test(n.msg));
    expect(alive(second.data.pid)).toBe(true);
    expect(s.events.filter((e) => e.name === 'ZekeHostExit')).toHaveLength(0); // not a crash
  });

  it('stops with Neovim', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 } })");
    await s.lua("require('zeke.host').start()");
    const ready = await s.waitForEvent('ZekeHostReady');
    const exited = new Promise((r) => s!.proc.once('exit', r));
    // nvim exits before it answers, so the command's promise is not awaited.
    void s.nvim.command('qa!').catch(() => {});
    await exited;
    // The host sees its stdin close; give the OS a bounded moment to reap it.
    const deadline = Date.now() + 5000;
    while (alive(ready.data.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(alive(ready.data.pid)).toBe(false);
  });

  it('vim.g.zeke_disable = true turns everything off', async () => {
    s = await startNvim();
    await s.lua("vim.g.zeke_disable = true; require('zeke').setup({ host = { start_delay_ms = 0 } })");
    await s.nvim.command('doautocmd UIEnter');
    await s.input('ix<Esc>');
    await s.lua("require('zeke').request('ping', nil, function(err) _G.err = err end)");
    const err = await s.waitForLua<any>('_G.err');
    expect(err.code).toBe('disabled');
    expect((await status(s)).status).toBe('stopped');
  });

  it('the host writes its log under stdpath("log") and nothing but RPC to stdout', async () => {
    s = await startNvim();
    await s.lua("require('zeke').setup({ host = { start_delay_ms = -1 } })");
    await s.lua("require('zeke.host').start()");
    await s.waitForEvent('ZekeHostReady');
    const file = await s.lua<string>("return require('zeke.host').options().log.file");
    expect(file).toBe(`${s.home}/.local/state/nvim/zeke.log`);
    // The host's write stream flushes on its own schedule: wait for the line itself.
    await s.waitForLua(`vim.fn.filereadable('${file}') == 1 and table.concat(vim.fn.readfile('${file}'), '\\n'):find('initialize from zeke.nvim', 1, true) ~= nil`);
    expect(s.logText()).toMatch(/initialize from zeke\.nvim/);
    expect(ROOT).toBeTruthy();
  });
});

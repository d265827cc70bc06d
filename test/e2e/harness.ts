// End-to-end harness: a real headless Neovim (binary from $ZEKE_NVIM, see scripts/test-e2e.sh)
// with the real Lua layer and the bundled host, in a private XDG home. Tests drive it with
// keys and Lua, and wait on events the Lua layer fires (User Zeke*), never on sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attach, type NeovimClient } from 'neovim';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NVIM = process.env.ZEKE_NVIM || 'nvim';

export interface ZekeEvent {
  name: string;
  data: any;
}

export interface Notification {
  msg: string;
  level: number;
}

export interface Session {
  nvim: NeovimClient;
  proc: ChildProcess;
  home: string;
  events: ZekeEvent[];
  notifications: Notification[];
  /** Runs Lua in Neovim and returns its value. */
  lua<T = any>(code: string, args?: unknown[]): Promise<T>;
  /** Types keys as a user would (nvim_input). */
  input(keys: string): Promise<void>;
  /** Resolves with the first event named `name` (after `since`, an index into `events`). */
  waitForEvent(name: string, opts?: { since?: number; timeoutMs?: number; where?: (e: ZekeEvent) => boolean }): Promise<ZekeEvent>;
  waitForNotification(pred: (n: Notification) => boolean, timeoutMs?: number): Promise<Notification>;
  /** Polls a Lua expression (each poll is an RPC round trip, no sleeping) until truthy. */
  waitForLua<T = any>(expr: string, timeoutMs?: number): Promise<T>;
  logText(): string;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Files to create in the private home, e.g. { '.config/zeke/zeke.toml': '…' }. */
  files?: Record<string, string>;
}

export async function startNvim(opts: StartOptions = {}): Promise<Session> {
  const home = mkdtempSync(join(tmpdir(), 'zeke-e2e-'));
  for (const [rel, text] of Object.entries(opts.files ?? {})) {
    const path = join(home, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    ZEKE_ROOT: opts.env?.ZEKE_ROOT ?? ROOT,
  });
  for (const k of Object.keys(opts.env ?? {})) if (opts.env![k] === undefined) delete env[k];
  const proc = spawn(NVIM, ['--embed', '--headless', '-n', '-i', 'NONE', '-u', join(ROOT, 'test/e2e/init.lua')], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += String(d)));
  const nvim = attach({ proc, options: { logger: quietLogger } });
  const events: ZekeEvent[] = [];
  const notifications: Notification[] = [];
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  nvim.on('notification', (method: string, args: any[]) => {
    if (method === 'zeke_test_user') events.push({ name: args[0], data: args[1] });
    else if (method === 'zeke_test_notify') notifications.push({ msg: String(args[0]), level: Number(args[1]) });
    wake();
  });

  function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const hit = check();
      if (hit !== undefined) return resolve(hit);
      const timer = setTimeout(() => {
        waiters.delete(onWake);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nevents: ${JSON.stringify(events.map((e) => e.name))}\nnotifications: ${JSON.stringify(notifications)}\nnvim stderr: ${stderr}`));
      }, timeoutMs);
      const onWake = () => {
        const v = check();
        if (v !== undefined) {
          clearTimeout(timer);
          waiters.delete(onWake);
          resolve(v);
        }
      };
      waiters.add(onWake);
    });
  }

  await nvim.setVar('zeke_test_channel', await nvim.channelId);
  const session: Session = {
    nvim,
    proc,
    home,
    events,
    notifications,
    lua: (code, args = []) => nvim.lua(code, args as any) as any,
    input: async (keys) => {
      await nvim.input(keys);
    },
    waitForEvent: (name, o = {}) =>
      until(() => events.slice(o.since ?? 0).find((e) => e.name === name && (!o.where || o.where(e))), o.timeoutMs ?? 15_000, `User ${name}`),
    waitForNotification: (pred, timeoutMs = 15_000) => until(() => notifications.find(pred), timeoutMs, 'a notification'),
    waitForLua: async (expr, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await nvim.lua(`return ${expr}`, []);
        if (v) return v as any;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${expr}\nhost log (tail):\n${session.logText().split('\n').slice(-25).join('\n')}`);
        await new Promise((r) => setImmediate(r));
      }
    },
    logText: () => {
      try {
        return readFileSync(join(home, '.local/state/nvim/zeke.log'), 'utf8');
      } catch {
        return '';
      }
    },
    close: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        nvim.command('qa!').catch(() => {});
        const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
  return session;
}

const noop = () => {};
const quietLogger: any = { level: 'error', debug: noop, info: noop, warn: noop, error: noop };

/** Whether a process is alive (signal 0 probes without killing). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Writes an executable shell script into the session home; returns its path. */
export function script(home: string, name: string, body: string): string {
  const path = join(home, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

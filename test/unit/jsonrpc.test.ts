// The --stdio JSON-RPC adapter, as another editor or a script would use it: the bundled host
// as a child process, vscode-jsonrpc on our side. Cancellation reaches the socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource, createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { createFakeOllama, type FakeOllama } from '../fakes/index.js';
import { existsSync } from 'node:fs';

const ROOT = join(import.meta.dirname, '..', '..');
const ENTRY = join(ROOT, 'dist/host.mjs');

let proc: ChildProcess | undefined;
let conn: MessageConnection | undefined;
let ollama: FakeOllama | undefined;

beforeAll(() => {
  if (!existsSync(ENTRY)) throw new Error('dist/host.mjs is missing: run `npm run build` first (npm test does)');
});

afterEach(async () => {
  conn?.dispose();
  proc?.kill();
  await ollama?.close();
  proc = conn = ollama = undefined;
});

function startHost(env: Record<string, string> = {}): MessageConnection {
  proc = spawn(process.execPath, [ENTRY, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: '/nonexistent', ...env } });
  conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  conn.listen();
  return conn;
}

describe('JSON-RPC adapter (--stdio)', () => {
  it('initialize, ping, config', async () => {
    const c = startHost();
    const init: any = await c.sendRequest('initialize', { client: { name: 'test' }, options: { aliases: { x: 'ollama:y:1' } } });
    expect(init.version).toMatch(/\d+\.\d+\.\d+/);
    expect(init.config_issues).toEqual([]);
    expect(await c.sendRequest('ping', {})).toMatchObject({ pong: true });
    const cfg: any = await c.sendRequest('config', {});
    expect(cfg.aliases.x).toEqual(['ollama:y:1']);
  });

  it('unknown methods and bad params are clear errors', async () => {
    const c = startHost();
    await expect(c.sendRequest('nope', {})).rejects.toMatchObject({ code: -32601, message: 'unknown method: nope' });
    await expect(c.sendRequest('health', { timeout_ms: 'x' })).rejects.toMatchObject({ code: -32602, data: { code: 'invalid_params' } });
  });

  it('health reports an Ollama endpoint with its models', async () => {
    ollama = await createFakeOllama();
    const c = startHost();
    await c.sendRequest('initialize', { client: { name: 'test' }, options: { config_file: false, providers: { ollama: { endpoints: [ollama.url] } } } });
    const report: any = await c.sendRequest('health', { timeout_ms: 5000 });
    const probe = report.providers.find((p: any) => p.name === 'ollama').probes[0];
    expect(probe).toMatchObject({ ok: true, url: ollama.url, models: ['llama3.2:latest', 'qwen2.5-coder:1.5b'] });
  });

  it('$/cancelRequest aborts the request and closes its socket', async () => {
    ollama = await createFakeOllama();
    ollama.setFaults({ firstByteDelayMs: 60_000 });
    const c = startHost();
    await c.sendRequest('initialize', { client: { name: 'test' }, options: { config_file: false, providers: { ollama: { endpoints: [ollama.url] } } } });
    const source = new CancellationTokenSource();
    const pending = c.sendRequest('health', { timeout_ms: 60_000 }, source.token);
    await ollama.waitForRequest((r) => r.path === '/api/tags');
    source.cancel();
    await expect(pending).rejects.toMatchObject({ code: -32800, data: { code: 'cancelled' } });
    await ollama.waitForDisconnect();
    expect(ollama.disconnects).toBeGreaterThanOrEqual(1);
  });

  it('exits when the client closes stdin', async () => {
    startHost();
    const exited = new Promise<number | null>((r) => proc!.once('exit', (code) => r(code)));
    proc!.stdin!.end();
    expect(await exited).toBe(0);
  });
});

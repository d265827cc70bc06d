// A minimal JSON-RPC 2.0 client over a child's stdio with Content-Length framing: small and
// allocation-light so that the round trips measure the host, not a client library.
import { spawn } from 'node:child_process';

export class JsonRpcChild {
  /**
   * @param {string} node   Node binary
   * @param {string[]} args arguments after the binary, e.g. ['dist/host.mjs', '--stdio']
   * @param {{ env?: NodeJS.ProcessEnv, cwd?: string }} [opts]
   */
  constructor(node, args, opts = {}) {
    this.spawnedAt = process.hrtime.bigint();
    this.spawnedEpoch = performance.timeOrigin + performance.now();
    this.proc = spawn(node, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd });
    this.pid = this.proc.pid;
    this.nextId = 0;
    /** @type {Map<number, { resolve: Function, reject: Function, at?: number }>} */
    this.pending = new Map();
    this.stderr = '';
    this.buf = Buffer.alloc(0);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        const err = new Error(`host exited (code ${code}, signal ${signal}): ${this.stderr.trim().split('\n').pop() ?? ''}`);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        resolve({ code, signal });
      });
    });
    this.proc.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
    this.proc.stderr.on('data', (d) => {
      this.stderr += d;
      if (this.stderr.length > 20000) this.stderr = this.stderr.slice(-10000);
    });
    this.proc.stdout.on('data', (d) => this.#onData(d));
    this.proc.stdin.on('error', () => {}); // EPIPE after the host died: reported by `exited`
  }

  #onData(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      const headerEnd = this.buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buf.toString('latin1', 0, headerEnd);
      const m = /Content-Length:\s*(\d+)/i.exec(header);
      if (!m) throw new Error(`bad JSON-RPC header from host: ${header}`);
      const len = Number(m[1]);
      const start = headerEnd + 4;
      if (this.buf.length < start + len) return;
      const msg = JSON.parse(this.buf.toString('utf8', start, start + len));
      this.buf = this.buf.subarray(start + len);
      if (msg.id !== undefined && msg.id !== null && (msg.result !== undefined || msg.error !== undefined)) {
        const p = this.pending.get(msg.id);
        if (!p) continue;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(Object.assign(new Error(msg.error.message), { rpc: msg.error }));
        else p.resolve(msg.result);
      }
      // notifications (zeke/event) are ignored
    }
  }

  /** Sends a request; resolves with its result. */
  request(method, params) {
    const id = ++this.nextId;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const promise = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.proc.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return promise;
  }

  /** Closes the host's stdin (it exits on close) and waits for the exit; kills it after `ms`. */
  async close(ms = 3000) {
    if (this.exitCode !== undefined || this.exitSignal) return this.exited;
    this.proc.stdin.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), ms);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }

  kill() {
    if (this.exitCode === undefined && !this.exitSignal) this.proc.kill('SIGKILL');
  }
}

/** Same params Lua sends (lua/zeke/host.lua initialize_params), without a zeke.toml. */
export function initializeParams(logFile) {
  return {
    client: { name: 'zeke-bench', version: '0' },
    options: { config_file: false },
    log_file: logFile,
    log_level: 'info',
  };
}

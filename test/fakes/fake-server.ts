// Shared base for the fake providers: an HTTP server on 127.0.0.1:<random port> that records every
// request, routes it to a protocol-specific handler table and writes the reply through a small set of
// fault switches (slow first byte, slow chunks, stall, reset, error status, malformed chunk, wrong
// content type, oversized body, fail-n-times). Protocol files (ollama-server.ts, openai-server.ts)
// only build `Reply` values; every byte-level fault is applied here, the same way for all protocols.

import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// ---------------------------------------------------------------------------------------------------
// Faults

/** Fault switches. All optional; an empty object means "behave like the real server". */
export interface Faults {
  /** Wait this long (ms) before writing the status line and headers (slow time-to-first-byte). */
  firstByteDelayMs?: number;
  /** Wait this long (ms) before each body chunk after the first. */
  chunkDelayMs?: number;
  /** Write the headers and this many body chunks, then hang without closing (until the client leaves or the server closes). */
  stallAfterChunks?: number;
  /** Write the headers and this many body chunks, then close the TCP socket mid-body (client sees a socket error; add chunkDelayMs to be sure it read all n first). */
  resetAfterChunks?: number;
  /** Answer with this HTTP status and the provider's real error body instead of the scripted reply. */
  status?: number;
  /** With `status`: send `retry-after: <seconds>`. */
  retryAfter?: number;
  /** With `status`: send `retry-after-ms: <ms>` (the OpenAI/Anthropic SDK hint). */
  retryAfterMs?: number;
  /** Override the message in the error body produced by `status` or `midStreamErrorAt`. */
  errorMessage?: string;
  /** Override the provider error code (OpenAI `error.code`, e.g. 'insufficient_quota' with status 429). */
  errorCode?: string;
  /** Replace body chunk n (0-based; a non-streamed body is chunk 0) with truncated, invalid JSON (framing kept). */
  malformedChunkAt?: number;
  /** Streams only: after n body chunks send the provider's in-band error chunk (status stays 200) and end. */
  midStreamErrorAt?: number;
  /** Serve a 200 HTML page (captive portal / proxy) instead of the API reply; a string is used as its content-type. */
  wrongContentType?: boolean | string;
  /** Generate one text token of this many bytes: one huge NDJSON line / SSE event / JSON body. */
  oversizedBodyBytes?: number;
  /** Fault only the first n requests (counted from the last setFaults) that match; later ones are normal. */
  failTimes?: number;
  /** Fault only requests whose path is in this list (default: every path). */
  onlyPaths?: string[];
}

const FAULT_KEYS: ReadonlyArray<keyof Faults> = [
  'firstByteDelayMs',
  'chunkDelayMs',
  'stallAfterChunks',
  'resetAfterChunks',
  'status',
  'malformedChunkAt',
  'midStreamErrorAt',
  'wrongContentType',
  'oversizedBodyBytes',
];

function hasActiveFault(f: Faults): boolean {
  return FAULT_KEYS.some((k) => f[k] !== undefined && f[k] !== false);
}

// ---------------------------------------------------------------------------------------------------
// Requests, replies, routes

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/api/chat`. */
  path: string;
  query: Record<string, string>;
  /** Node's lower-cased header map. */
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body, or undefined when empty / not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** Date.now() when the request was fully read. */
  receivedAt: number;
  /** Status written, once the head is sent. */
  status?: number;
  /** True when faults were applied to this request. */
  faulted: boolean;
  /** True once the response was completely written. */
  completed: boolean;
  /** True when the client went away before the response was completely written. */
  clientDisconnected: boolean;
}

/** What a route produces; the base server writes it (applying faults). */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** Body pieces. Streamed replies write each piece as its own HTTP chunk; others join them with content-length. */
  chunks: string[];
  stream: boolean;
}

export interface RouteContext {
  request: RecordedRequest;
  /** `:name` segments of the matched route key. */
  params: Record<string, string>;
  /** Faults in effect for this request (`{}` when none apply). */
  faults: Faults;
}

export type RouteHandler = (ctx: RouteContext) => Reply | Promise<Reply>;

export interface FakeServerSpec {
  /** Keys are `"METHOD /path"`; a path segment `:name` matches one segment, e.g. `"GET /v1/models/:id"`. */
  routes: Record<string, RouteHandler>;
  /** Reply for unknown paths/methods. */
  notFound: (ctx: RouteContext) => Reply;
  /** The provider's real error reply for a `status` fault. */
  errorReply: (status: number, ctx: RouteContext) => Reply;
  /** The provider's in-band stream error chunk (for `midStreamErrorAt`), already framed. */
  streamErrorChunk?: (ctx: RouteContext) => string;
  /** Runs before routing (after faults); a returned reply short-circuits (e.g. auth). */
  preHandle?: (ctx: RouteContext) => Reply | undefined;
  /** Headers added to every non-portal reply (e.g. x-request-id, rate-limit headers). */
  commonHeaders?: (ctx: RouteContext) => Record<string, string>;
  /** Initial faults. */
  faults?: Faults;
}

export interface FakeServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order (recorded once its body has been read). */
  readonly requests: RecordedRequest[];
  /** The current fault switches (read-only view; change them with setFaults/resetFaults). */
  readonly faults: Readonly<Faults>;
  /** Merge switches into the current faults and restart the failTimes count. */
  setFaults(partial: Faults): void;
  /** Remove every fault. */
  resetFaults(): void;
  /** Responses the client abandoned before they were completely written. */
  readonly disconnects: number;
  /** TCP connections accepted so far (keep-alive reuse keeps this at 1). */
  readonly connections: number;
  /** Responses that reached a `stallAfterChunks` hang. */
  readonly stalls: number;
  /** Resolves with the first recorded request (already recorded or future) that matches `pred`. */
  waitForRequest(pred?: (r: RecordedRequest) => boolean): Promise<RecordedRequest>;
  /** Resolves once `disconnects >= count` (default 1). */
  waitForDisconnect(count?: number): Promise<void>;
  /** Resolves once `stalls >= count` (default 1). */
  waitForStall(count?: number): Promise<void>;
  /** Stops the server, ending stalled responses and dropping every connection. Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Small helpers shared by the protocol files

export function reply(status: number, contentType: string, body: string, extra: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': contentType, ...extra }, chunks: [body], stream: false };
}

export function streamReply(contentType: string, chunks: string[], extra: Record<string, string> = {}): Reply {
  return { status: 200, headers: { 'content-type': contentType, ...extra }, chunks, stream: true };
}

/** Truncate the JSON inside a framed chunk (`data: {...}\n\n`, `{...}\n`, a JSON body) so it no longer parses. */
export function corruptChunk(chunk: string): string {
  const start = chunk.indexOf('{');
  const end = chunk.lastIndexOf('}');
  if (start < 0 || end <= start) {
    // No JSON object (e.g. `data: [DONE]\n\n`): open an object that never closes, keep the framing.
    const prefix = chunk.startsWith('data: ') ? 'data: ' : '';
    return `${prefix}{"${chunk.slice(prefix.length)}`;
  }
  const json = chunk.slice(start, end + 1);
  const cut = Math.max(1, Math.floor(json.length / 2));
  return chunk.slice(0, start) + json.slice(0, cut) + chunk.slice(end + 1);
}

// ---------------------------------------------------------------------------------------------------
// Scripted replies (shared by every protocol)

export interface ToolCallScript {
  name: string;
  arguments: Record<string, unknown>;
  /** Provider call id; generated when absent. */
  id?: string;
}

/** One scripted model turn. */
export interface Turn {
  /** Text pieces; each is sent as one stream chunk. */
  tokens?: string[];
  /** Reasoning pieces (Ollama `thinking`); ignored by protocols without a reasoning field. */
  thinking?: string[];
  toolCalls?: ToolCallScript[];
  /** Finish/done reason; default 'stop' ('tool_calls' for OpenAI when toolCalls are present). */
  finishReason?: string;
  /** Input token count to report; default estimateTokens(prompt text). */
  promptTokens?: number;
  /** Output token count to report; default tokens.length + thinking.length. */
  completionTokens?: number;
  /** Cached input tokens (OpenAI prompt_tokens_details.cached_tokens); default 0. */
  cachedTokens?: number;
  /** Ollama durations in ns; absent ones are derived, 0 ones are omitted from the wire (Go omitempty). */
  durationsNs?: { total?: number; load?: number; promptEval?: number; eval?: number };
}

/** A string is split into word pieces (`"a b"` → `["a", " b"]`). */
export type ScriptReply = string | string[] | Turn;
export type ReplyScript = ScriptReply | ((req: RecordedRequest) => ScriptReply);

export interface ResolvedTurn {
  tokens: string[];
  thinking: string[];
  toolCalls: Array<Required<ToolCallScript>>;
  finishReason?: string;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  durationsNs: { total?: number; load?: number; promptEval?: number; eval?: number };
}

/** Split text into word-ish pieces that concatenate back to the input. */
export function splitTokens(text: string): string[] {
  return text.split(/(?=\s)/).filter((t) => t.length > 0);
}

/** Rough token estimate used when a script gives no promptTokens: ceil(chars / 4), at least 1. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function randomId(length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

export function resolveTurn(script: ReplyScript, req: RecordedRequest, promptText: string, faults: Faults): ResolvedTurn {
  const raw = typeof script === 'function' ? script(req) : script;
  const turn: Turn = typeof raw === 'string' ? { tokens: splitTokens(raw) } : Array.isArray(raw) ? { tokens: raw } : raw;
  let tokens = turn.tokens ?? [];
  let thinking = turn.thinking ?? [];
  if (faults.oversizedBodyBytes !== undefined) {
    tokens = ['x'.repeat(faults.oversizedBodyBytes)];
    thinking = [];
  }
  const toolCalls = (turn.toolCalls ?? []).map((c) => ({ ...c, id: c.id ?? `call_${randomId(24)}` }));
  return {
    tokens,
    thinking,
    toolCalls,
    ...(turn.finishReason !== undefined ? { finishReason: turn.finishReason } : {}),
    promptTokens: turn.promptTokens ?? estimateTokens(promptText),
    completionTokens: turn.completionTokens ?? Math.max(1, tokens.length + thinking.length),
    cachedTokens: turn.cachedTokens ?? 0,
    durationsNs: turn.durationsNs ?? {},
  };
}

/** Concatenate every text-ish field of a chat message list (for token estimates). */
export function messagesText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  return messages
    .map((m: unknown) => {
      const c = (m as { content?: unknown } | null)?.content;
      if (typeof c === 'string') return c;
      if (Array.isArray(c)) return c.map((p: unknown) => (p as { text?: unknown } | null)?.text ?? '').join('');
      return '';
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Server

const CAPTIVE_PORTAL_HTML =
  '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Network Login</title></head>\n' +
  '<body><h1>Sign in to continue</h1><p>You must log in to this network before you can access the Internet.</p>\n' +
  '<form method="post" action="/login"><input name="user"><input name="pass" type="password"><button>Log in</button></form>\n' +
  '</body></html>\n';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  done: boolean;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((r) => (resolve = r)),
    resolve: (v: T) => {
      if (d.done) return;
      d.done = true;
      resolve(v);
    },
    done: false,
  };
  return d;
}

interface CompiledRoute {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

function compileRoutes(routes: Record<string, RouteHandler>): CompiledRoute[] {
  return Object.entries(routes).map(([key, handler]) => {
    const [method, path] = key.split(' ');
    if (!method || !path) throw new Error(`bad route key: ${key}`);
    return { method: method.toUpperCase(), segments: path.split('/'), handler };
  });
}

function matchRoute(routes: CompiledRoute[], method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
  const segs = path.split('/');
  for (const route of routes) {
    if (route.method !== method || route.segments.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    route.segments.forEach((s, i) => {
      const actual = segs[i] ?? '';
      if (s.startsWith(':')) params[s.slice(1)] = decodeURIComponent(actual);
      else if (s !== actual) ok = false;
    });
    if (ok) return { route, params };
  }
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    const finish = () => resolve(Buffer.concat(parts).toString('utf8'));
    req.on('end', finish);
    req.on('close', finish);
    req.on('error', finish);
  });
}

export async function createFakeServer(spec: FakeServerSpec): Promise<FakeServer> {
  const routes = compileRoutes(spec.routes);
  const requests: RecordedRequest[] = [];
  let faults: Faults = { ...spec.faults };
  let faultedCount = 0;
  let connections = 0;
  let disconnects = 0;
  let stalls = 0;
  let closing = false;
  const closingSignal = deferred();
  const sockets = new Set<Socket>();

  // Promise waiters re-checked on every state change.
  const watchers = new Set<() => boolean>();
  const notify = () => {
    for (const w of [...watchers]) if (w()) watchers.delete(w);
  };
  function waitUntil<T>(get: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve) => {
      const check = () => {
        const v = get();
        if (v === undefined) return false;
        resolve(v);
        return true;
      };
      if (!check()) watchers.add(check);
    });
  }

  function takeFaults(path: string): Faults {
    const f = faults;
    if (!hasActiveFault(f)) return {};
    if (f.onlyPaths && !f.onlyPaths.includes(path)) return {};
    if (f.failTimes !== undefined && faultedCount >= f.failTimes) return {};
    faultedCount++;
    return f;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.on('error', () => {});
    res.on('error', () => {});
    const gone = deferred(); // response finished or connection closed
    let serverEnded = false; // the server itself cut the connection (reset fault / close())
    let rec: RecordedRequest | undefined;
    res.on('close', () => {
      const finished = res.writableFinished;
      if (rec) {
        rec.completed = finished;
        if (!finished && !serverEnded && !closing) {
          rec.clientDisconnected = true;
          disconnects++;
        }
      }
      gone.resolve();
      notify();
    });

    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
    }
    const method = (req.method ?? 'GET').toUpperCase();
    rec = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      rawBody,
      body,
      receivedAt: Date.now(),
      faulted: false,
      completed: false,
      clientDisconnected: false,
    };
    requests.push(rec);
    const record = rec;
    const effective = takeFaults(url.pathname);
    record.faulted = hasActiveFault(effective);
    notify();
    if (gone.done) {
      // The client left while we were reading the body.
      if (!record.completed && !closing && !record.clientDisconnected) {
        record.clientDisconnected = true;
        disconnects++;
        notify();
      }
      return;
    }

    const matched = matchRoute(routes, method, url.pathname);
    const ctx: RouteContext = { request: record, params: matched?.params ?? {}, faults: effective };

    const interrupted = () => gone.done || closingSignal.done;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        void Promise.race([gone.promise, closingSignal.promise]).then(() => {
          clearTimeout(t);
          resolve();
        });
      });

    if (effective.firstByteDelayMs) await sleep(effective.firstByteDelayMs);
    if (interrupted()) return endByServer();

    let out: Reply;
    if (effective.wrongContentType) {
      const ct = typeof effective.wrongContentType === 'string' ? effective.wrongContentType : 'text/html; charset=utf-8';
      out = reply(200, ct, CAPTIVE_PORTAL_HTML);
    } else {
      if (effective.status !== undefined) {
        out = spec.errorReply(effective.status, ctx);
        if (effective.retryAfter !== undefined) out.headers['retry-after'] = String(effective.retryAfter);
        if (effective.retryAfterMs !== undefined) out.headers['retry-after-ms'] = String(effective.retryAfterMs);
      } else {
        out = spec.preHandle?.(ctx) ?? (matched ? await matched.route.handler(ctx) : spec.notFound(ctx));
      }
      out.headers = { ...(spec.commonHeaders?.(ctx) ?? {}), ...out.headers };
    }
    await deliver(out);

    function endByServer(): void {
      if (gone.done) return;
      serverEnded = true;
      res.socket?.destroy();
    }

    async function writeChunk(chunk: string | Buffer): Promise<void> {
      if (interrupted()) return;
      await Promise.race([
        new Promise<void>((resolve) => res.write(chunk, () => resolve())),
        gone.promise,
        closingSignal.promise,
      ]);
    }

    async function deliver(r: Reply): Promise<void> {
      let chunks = r.chunks.slice();
      const cutting = effective.stallAfterChunks !== undefined || effective.resetAfterChunks !== undefined;
      if (effective.malformedChunkAt !== undefined && effective.malformedChunkAt < chunks.length) {
        const i = effective.malformedChunkAt;
        chunks[i] = corruptChunk(chunks[i] ?? '');
      }
      if (r.stream && effective.midStreamErrorAt !== undefined && spec.streamErrorChunk) {
        chunks = chunks.slice(0, effective.midStreamErrorAt).concat(spec.streamErrorChunk(ctx));
      }
      const headers = { ...r.headers };
      let pieces: Array<string | Buffer> = chunks;
      if (!r.stream) {
        const whole = Buffer.from(chunks.join(''), 'utf8');
        headers['content-length'] = String(whole.length);
        // A non-streamed body counts as two chunks (its halves) so a stall/reset can land mid-body.
        pieces = cutting ? [whole.subarray(0, Math.floor(whole.length / 2)), whole.subarray(Math.floor(whole.length / 2))] : [whole];
      }
      record.status = r.status;
      res.writeHead(r.status, headers);
      if (!r.stream && !cutting) {
        res.end(pieces[0]);
        return;
      }
      res.flushHeaders();
      // A stall/reset takes the place of chunk n, so chunkDelayMs also runs before it: with a delay the
      // client has read the n chunks before the cut (a socket error can drop chunks still queued).
      for (let i = 0; i <= pieces.length; i++) {
        const cut = effective.stallAfterChunks === i || effective.resetAfterChunks === i;
        if (i === pieces.length && !cut) break;
        if (interrupted()) return endByServer();
        if (i > 0 && effective.chunkDelayMs) {
          await sleep(effective.chunkDelayMs);
          if (interrupted()) return endByServer();
        }
        if (effective.stallAfterChunks === i) {
          stalls++;
          notify();
          await Promise.race([gone.promise, closingSignal.promise]);
          return endByServer();
        }
        if (effective.resetAfterChunks === i) return endByServer();
        await writeChunk(pieces[i] ?? '');
      }
      if (interrupted()) return endByServer();
      res.end();
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      try {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`fake server error: ${err instanceof Error ? err.stack : String(err)}`);
      } catch {
        /* socket already gone */
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    notify();
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closePromise: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get faults() {
      return faults;
    },
    setFaults(partial: Faults) {
      faults = { ...faults, ...partial };
      faultedCount = 0;
    },
    resetFaults() {
      faults = {};
      faultedCount = 0;
    },
    get disconnects() {
      return disconnects;
    },
    get connections() {
      return connections;
    },
    get stalls() {
      return stalls;
    },
    waitForRequest(pred = () => true) {
      return waitUntil(() => requests.find(pred));
    },
    waitForDisconnect(count = 1) {
      return waitUntil(() => (disconnects >= count ? true : undefined)).then(() => undefined);
    },
    waitForStall(count = 1) {
      return waitUntil(() => (stalls >= count ? true : undefined)).then(() => undefined);
    },
    close() {
      closePromise ??= new Promise<void>((resolve) => {
        closing = true;
        closingSignal.resolve();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closePromise;
    },
  };
}

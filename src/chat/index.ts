// The chat service: conversations per project (persisted under the data dir), the context
// each message carries (packed by src/context to a share of the model's window), quick
// actions, and the routed, streamed answer. Core frame-batches the parts it forwards.
import { open } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { packContext, previewLines, type PackInput, type PackedContext } from '../context/index.js';
import { ErrorCode, ZekeError, toWireError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { ParamsOf } from '../protocol.js';
import type { StreamPart } from '../provider/index.js';
import type { GenerateResult, RouteSummary, RouterService } from '../router/service.js';
import { buildMessages, earlierMessages, intentFor, requestText } from './prompts.js';
import { bound, chatFile, chatsDir, emptyChats, loadChats, newSessionId, saveChats, type ProjectChats, type StoredSession, type StoredTurn } from './store.js';

export { ACTION_PROMPTS, SYSTEM_PROMPT } from './prompts.js';

export interface ChatServiceOptions {
  cfg: ResolvedConfig;
  router: RouterService;
  log: Logger;
  dataDir?: string;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
  /** For answers: model, route, tokens, cost, time, stopped/error. For questions: action, context preview. */
  meta?: Record<string, unknown>;
}

export interface ChatSendResult {
  session: string;
  text: string;
  provider: string;
  model: string;
  route: RouteSummary;
  usage?: GenerateResult['usage'];
  cost?: GenerateResult['cost'];
  ttfb_ms?: number;
  duration_ms: number;
  context: { tokens: number; budget: number; preview: string[] };
}

export interface ChatService {
  send(p: ParamsOf<'chat.send'>, signal: AbortSignal, onPart: (part: StreamPart) => void): Promise<ChatSendResult>;
  history(project: string, session?: string): Promise<{ session: string; turns: ChatTurn[] }>;
  newSession(project: string): Promise<{ session: string }>;
  preview(project: string, context: ParamsOf<'chat.send'>['context'], model?: string): Promise<{ lines: string[]; tokens: number; budget: number }>;
}

type ChatContext = ParamsOf<'chat.send'>['context'];

/** Added files read from disk: at most this many bytes each. */
export const FILE_CAP_BYTES = 256 * 1024;
/** Instruction files: at most this many bytes each (the packer caps their tokens anyway). */
export const INSTRUCTIONS_CAP_BYTES = 64 * 1024;
/** Share of the model's context window the packed context may take. */
export const CONTEXT_SHARE = 0.4;
/** Share of the window earlier turns may take. */
export const HISTORY_SHARE = 0.3;

interface Prepared {
  packed: PackedContext;
  lines: string[];
  window?: number;
}

export function createChatService(opts: ChatServiceOptions): ChatService {
  const { cfg, router, log } = opts;
  const persist = cfg.options.chat.history;
  const dir = chatsDir(opts.dataDir);
  const loaded = new Map<string, Promise<ProjectChats>>();
  const writes = new Map<string, Promise<void>>();

  function chatsOf(project: string): Promise<ProjectChats> {
    let p = loaded.get(project);
    if (!p) {
      p = persist ? loadChats(chatFile(dir, project), project, log) : Promise.resolve(emptyChats(project));
      loaded.set(project, p);
    }
    return p;
  }

  /** Queues a write of the project's chats (one at a time per file); never throws. */
  function save(chats: ProjectChats): Promise<void> {
    if (!persist) return Promise.resolve();
    const file = chatFile(dir, chats.project);
    const next = (writes.get(file) ?? Promise.resolve())
      .then(() => saveChats(file, bound(chats)))
      .catch((err) => log.warn('could not save chat history %s: %s', file, (err as Error).message));
    writes.set(file, next);
    return next;
  }

  function createSession(chats: ProjectChats, id = newSessionId()): StoredSession {
    const now = Date.now();
    const s: StoredSession = { id, created: now, updated: now, turns: [] };
    chats.sessions.push(s);
    chats.current = id;
    return s;
  }

  /** The asked-for session (created under that id if unknown), else the current one. */
  function sessionFor(chats: ProjectChats, id?: string): StoredSession {
    const wanted = id ?? chats.current;
    const found = wanted ? chats.sessions.find((s) => s.id === wanted) : undefined;
    if (found) {
      chats.current = found.id;
      return found;
    }
    return createSession(chats, wanted);
  }

  /** Window of the model the chat would use, when the catalog knows it (the smallest of an alias's chain). */
  function windowOf(project: string, model?: string): number | undefined {
    try {
      const requested = model ?? router.featureModel('chat', project);
      const refs = requested.includes(':') ? [requested] : (cfg.aliases[requested] ?? []);
      if (refs.length === 0) return undefined;
      const cat = router.catalog(refs);
      const windows = refs.map((r) => cat.find((c) => c.ref === r)?.contextWindow).filter((n): n is number => typeof n === 'number' && n > 0);
      return windows.length ? Math.min(...windows) : undefined;
    } catch (err) {
      log.debug('chat: model window unknown: %s', (err as Error).message);
      return undefined;
    }
  }

  async function prepare(project: string, ctx: ChatContext, model: string | undefined, withDiagnostics: boolean): Promise<Prepared> {
    const notes: string[] = [];
    const rel = (path: string) => {
      if (!isAbsolute(path)) return path;
      const r = relative(project, path);
      return r && !r.startsWith('..') && !isAbsolute(r) ? r : path;
    };
    const abs = (path: string) => (isAbsolute(path) ? path : join(project, path));

    const instructions: { path: string; text: string }[] = [];
    for (const name of cfg.options.context.instructions) {
      try {
        const { text, truncated } = await readCapped(abs(name), INSTRUCTIONS_CAP_BYTES);
        if (truncated) notes.push(noteLine('instructions', name, `first ${INSTRUCTIONS_CAP_BYTES / 1024} KiB read`));
        if (text.trim()) instructions.push({ path: rel(name), text });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') notes.push(noteLine('instructions', name, `unreadable: ${readableFsError(err)}`));
      }
    }

    const files: NonNullable<PackInput['files']> = [];
    for (const f of ctx.files) {
      if (f.text !== undefined) {
        files.push({ path: rel(f.path), text: f.text, explicit: true });
        continue;
      }
      try {
        const { text, truncated, binary } = await readCapped(abs(f.path), FILE_CAP_BYTES);
        if (binary) {
          notes.push(noteLine('file', rel(f.path), 'dropped: binary file'));
          continue;
        }
        if (truncated) notes.push(noteLine('file', rel(f.path), `larger than ${FILE_CAP_BYTES / 1024} KiB: only its start was read`));
        files.push({ path: rel(f.path), text, explicit: true });
      } catch (err) {
        notes.push(noteLine('file', rel(f.path), `dropped: unreadable: ${readableFsError(err)}`));
      }
    }

    const window = windowOf(project, model);
    const budget = window ? Math.floor(window * CONTEXT_SHARE) : cfg.options.context.budget_tokens;
    const packed = packContext({
      ...(ctx.path ? { path: rel(ctx.path) } : {}),
      ...(ctx.filetype ? { filetype: ctx.filetype } : {}),
      ...(ctx.selection ? { selection: { text: ctx.selection.text, startLine: ctx.selection.start_line, endLine: ctx.selection.end_line } } : {}),
      ...(ctx.cursor ? { cursor: ctx.cursor } : {}),
      diagnostics: withDiagnostics ? ctx.diagnostics : [],
      files,
      buffers: ctx.buffers.map((b) => ({ path: rel(b.path), text: b.text })),
      instructions,
      budgetTokens: budget,
      secretPatterns: cfg.options.completion.secret_files,
    });
    const lines = previewLines(packed);
    // Read problems go just before the total line.
    lines.splice(lines.length - 1, 0, ...notes);
    return { packed, lines, ...(window ? { window } : {}) };
  }

  async function send(p: ParamsOf<'chat.send'>, signal: AbortSignal, onPart: (part: StreamPart) => void): Promise<ChatSendResult> {
    const request = requestText(p.action, p.message);
    if (!request) throw new ZekeError(ErrorCode.InvalidParams, 'chat.send: nothing to send (an empty message and no action)');
    const chats = await chatsOf(p.project);
    const session = sessionFor(chats, p.session);
    const withDiagnostics = cfg.options.context.diagnostics || p.action === 'fix';
    const { packed, lines, window } = await prepare(p.project, p.context, p.model, withDiagnostics);

    const historyBudget = window ? Math.floor(window * HISTORY_SHARE) : cfg.options.context.budget_tokens;
    const earlier = earlierMessages(session.turns, cfg.options.chat.max_turns, historyBudget);
    const messages = buildMessages({ earlier, contextText: packed.text, request });
    const sel = p.context.selection;

    const push = (turn: Omit<StoredTurn, 'at'>) => {
      const at = Date.now();
      session.turns.push({ ...turn, at });
      session.updated = at;
    };
    push({
      role: 'user',
      content: request,
      meta: {
        ...(p.action ? { action: p.action } : {}),
        context: {
          tokens: packed.tokens,
          budget: packed.budget,
          summary: lines[lines.length - 1],
          ...(p.context.path ? { path: p.context.path } : {}),
          ...(sel ? { selection: { start_line: sel.start_line, end_line: sel.end_line } } : {}),
          included: packed.parts.filter((x) => x.included).map((x) => (x.path ? `${x.kind} ${x.path}` : x.kind)),
        },
      },
    });

    let partial = '';
    let res: GenerateResult;
    try {
      res = await router.generate(
        {
          feature: 'chat',
          ...(p.model ? { model: p.model } : {}),
          intent: intentFor(p.action, !!sel),
          project: p.project,
          session: session.id,
          scope: p.scope ?? `chat:${session.id}`,
          messages,
        },
        signal,
        (part) => {
          if (part.type === 'text-delta') partial += part.text;
          onPart(part);
        },
      );
    } catch (err) {
      if (signal.aborted || toWireError(err).code === ErrorCode.Cancelled) {
        push({ role: 'assistant', content: partial, meta: { stopped: true } });
      } else {
        const w = toWireError(err);
        const line = `**Error** — ${readableError(w.code)}: ${w.message}`;
        push({
          role: 'assistant',
          content: partial ? `${partial}\n\n${line}` : line,
          meta: { error: { code: w.code, message: w.message }, ...(typeof w.data?.provider === 'string' ? { provider: w.data.provider } : {}) },
        });
      }
      await save(chats);
      throw err;
    }

    push({
      role: 'assistant',
      content: res.text,
      meta: {
        model: res.model,
        provider: res.provider,
        ...(res.alias ? { alias: res.alias } : {}),
        rule: res.route.rule,
        local: res.route.local,
        escalated: res.route.escalated,
        ...(res.usage ? { tokens_in: res.usage.inputTokens, tokens_out: res.usage.outputTokens } : {}),
        ...(res.cost ? { cost_usd: res.cost.usd } : {}),
        ...(res.ttfb_ms !== undefined ? { ttfb_ms: res.ttfb_ms } : {}),
        duration_ms: res.duration_ms,
        ...(res.finish_reason === 'length' ? { truncated: true } : {}),
      },
    });
    await save(chats);
    return {
      session: session.id,
      text: res.text,
      provider: res.provider,
      model: res.model,
      route: res.route,
      ...(res.usage ? { usage: res.usage } : {}),
      ...(res.cost ? { cost: res.cost } : {}),
      ...(res.ttfb_ms !== undefined ? { ttfb_ms: res.ttfb_ms } : {}),
      duration_ms: res.duration_ms,
      context: { tokens: packed.tokens, budget: packed.budget, preview: lines },
    };
  }

  return {
    send,
    async history(project, session) {
      const chats = await chatsOf(project);
      const id = session ?? chats.current;
      const found = id ? chats.sessions.find((s) => s.id === id) : undefined;
      if (found) return { session: found.id, turns: found.turns };
      if (session) return { session, turns: [] };
      // No conversation yet: the current one starts now (saved with its first turn).
      return { session: createSession(chats).id, turns: [] };
    },
    async newSession(project) {
      const chats = await chatsOf(project);
      // An empty current conversation is replaced rather than kept.
      chats.sessions = chats.sessions.filter((s) => s.id !== chats.current || s.turns.length > 0);
      const s = createSession(chats);
      await save(chats);
      return { session: s.id };
    },
    async preview(project, context, model) {
      const { packed, lines } = await prepare(project, context, model, cfg.options.context.diagnostics);
      return { lines, tokens: packed.tokens, budget: packed.budget };
    },
  };
}

/** Reads at most `cap` bytes of a file as UTF-8 (cut at a line end when truncated). */
async function readCapped(path: string, cap: number): Promise<{ text: string; truncated: boolean; binary: boolean }> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(cap + 1);
    const { bytesRead } = await fh.read(buf, 0, cap + 1, 0);
    const truncated = bytesRead > cap;
    const bytes = buf.subarray(0, Math.min(bytesRead, cap));
    if (bytes.subarray(0, 8192).includes(0)) return { text: '', truncated, binary: true };
    let text = bytes.toString('utf8');
    if (truncated) {
      const nl = text.lastIndexOf('\n');
      if (nl > 0) text = text.slice(0, nl + 1);
    }
    return { text, truncated, binary: false };
  } finally {
    await fh.close();
  }
}

function readableFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (err as Error).message;
}

/** A preview row shaped like previewLines' (kind, path, tokens, state). */
function noteLine(kind: string, path: string, state: string): string {
  return `${kind.padEnd(12)} ${path.padEnd(24)} ${'—'.padStart(13)}  ${state}`;
}

function readableError(code: string): string {
  switch (code) {
    case ErrorCode.Auth:
      return 'the provider rejected the key (check its api_key setting)';
    case ErrorCode.Timeout:
      return 'the provider did not answer in time';
    case ErrorCode.Unreachable:
      return 'the provider could not be reached';
    case ErrorCode.Budget:
      return 'refused by a budget cap';
    case ErrorCode.Config:
      return 'no model could take this request';
    case ErrorCode.Provider:
      return 'the provider returned an error';
    default:
      return 'the request failed';
  }
}

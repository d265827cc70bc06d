// The transport-free host core: a method table with zod-validated params, an AbortSignal per
// call, events out. Adapters (nvim msgpack, JSON-RPC stdio, rplugin) only move messages.
import { methods, type HealthReport, type InitializeResult, type MethodName, type PingResult } from '../protocol.js';
import { resolveConfig, type ResolvedConfig } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { VERSION } from '../version.js';
import { ErrorCode, ZekeError } from './errors.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { RouterService } from '../router/service.js';
import { createProgressBatcher } from './progress.js';

export type EmitEvent = (event: string, payload: unknown) => void;

/** Sends partial results of one request (stream parts) to whoever made it. */
export type Progress = (value: unknown) => void;

export interface Core {
  call(method: string, params: unknown, signal: AbortSignal, progress?: Progress): Promise<unknown>;
  isInstant(method: string): boolean;
  /** The current resolved config (defaults until `initialize`). */
  config(): ResolvedConfig;
}

export interface CoreOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  emit?: EmitEvent;
  startedAt?: number;
}

type Handler = (params: any, signal: AbortSignal, progress?: Progress) => Promise<unknown> | unknown;

export function createCore(opts: CoreOptions): Core {
  const { log } = opts;
  const env = opts.env ?? process.env;
  const startedAt = opts.startedAt ?? Date.now();
  let resolved: ResolvedConfig | undefined;
  let registry: Promise<ProviderRegistry> | undefined;
  let router: Promise<RouterService> | undefined;
  let dataDir: string | undefined;

  function configure(options: unknown): ResolvedConfig {
    resolved = resolveConfig(options, env);
    registry = undefined; // new config, new clients
    engine = undefined;
    chatService = undefined;
    editService = undefined;
    void router?.then((r) => r.close()).catch(() => {});
    router = undefined;
    for (const p of resolved.providers) log.redact(p.apiKey.reveal());
    log.redact(resolved.api.apiKey.reveal());
    for (const issue of resolved.issues) log.warn('config: %s (%s)', issue.message, issue.source);
    return resolved;
  }

  const current = () => resolved ?? configure(undefined);
  // Provider code (undici and the protocols) loads on first use, not at host start-up.
  const providers = () => {
    const cfg = current();
    return (registry ??= import('../providers/registry.js').then((m) => m.createProviderRegistry(cfg, log)));
  };
  // The inline completion engine (with its cache) lives as long as the config.
  let engine: Promise<import('../completion/index.js').CompletionEngine> | undefined;
  const completion = () =>
    (engine ??= Promise.all([import('../completion/index.js'), routing(), providers()]).then(([m, svc, reg]) =>
      m.createCompletionEngine({ cfg: current(), router: svc, registry: reg, log }),
    ));
  // Chat sessions (history on disk under the data dir) load on first use.
  let chatService: Promise<import('../chat/index.js').ChatService> | undefined;
  const chats = () =>
    (chatService ??= Promise.all([import('../chat/index.js'), routing()]).then(([m, svc]) =>
      m.createChatService({ cfg: current(), router: svc, log, dataDir }),
    ));
  // Edits (parse, anchor, re-anchor) load on first use.
  let editService: Promise<import('../edits/index.js').EditService> | undefined;
  const editing = () =>
    (editService ??= Promise.all([import('../edits/index.js'), routing()]).then(([m, svc]) => m.createEditService({ cfg: current(), router: svc, log })));
  // The routing brain (and its SQLite store) also loads on first use.
  const routing = () => {
    const cfg = current();
    return (router ??= Promise.all([import('../router/service.js'), providers()]).then(([m, reg]) =>
      m.createRouterService({ cfg, registry: reg, log, dataDir, emit: opts.emit }),
    ));
  };

  const handlers: Record<MethodName, Handler> = {
    initialize(p): InitializeResult {
      if (p.log_file || p.log_level) log.configure({ file: p.log_file, level: p.log_level });
      if (p.data_dir) dataDir = p.data_dir;
      log.info('initialize from %s %s (host %s, node %s)', p.client.name, p.client.version ?? '', VERSION, process.version);
      const cfg = configure(p.options);
      return {
        version: VERSION,
        node_version: process.version,
        pid: process.pid,
        log_file: log.file ?? null,
        toml: cfg.toml,
        config_issues: cfg.issues,
      };
    },
    ping(): PingResult {
      return { pong: true, time: Date.now() };
    },
    config() {
      const cfg = current();
      // Secrets serialize as "[set]" / "[not set]" (see Secret.toJSON).
      return JSON.parse(JSON.stringify({ options: cfg.options, aliases: cfg.aliases, providers: cfg.providers, api: cfg.api, toml: cfg.toml }));
    },
    async health(p, signal): Promise<HealthReport> {
      // Loaded on first use: keeps undici out of host start-up.
      const [{ collectHealth }, registry, svc] = await Promise.all([import('../health/index.js'), providers(), routing()]);
      return collectHealth(current(), {
        timeoutMs: p.timeout_ms ?? 3000,
        signal,
        startedAt,
        logFile: log.file ?? null,
        clientFor: (name) => registry.client(name),
        stats: svc.store.location,
      });
    },
    async generate(p, signal, progress) {
      const svc = await routing();
      // Parts reach the editor in ~16 ms frame batches, never after the answer.
      const batch = createProgressBatcher<unknown>((parts) => progress?.(parts));
      try {
        return await svc.generate(p, signal, (part) => {
          if (part.type !== 'error') batch.push(part);
        });
      } finally {
        batch.flush();
      }
    },
    async complete(p, signal, progress) {
      const engine = await completion();
      return engine.complete(p, signal, (value) => progress?.([value]));
    },
    async 'chat.send'(p, signal, progress) {
      const chat = await chats();
      const batch = createProgressBatcher<unknown>((parts) => progress?.(parts));
      try {
        return await chat.send(p, signal, (part) => batch.push(part));
      } finally {
        batch.flush();
      }
    },
    async 'chat.history'(p) {
      return (await chats()).history(p.project, p.session);
    },
    async 'chat.new'(p) {
      return (await chats()).newSession(p.project);
    },
    async 'context.preview'(p) {
      return (await chats()).preview(p.project, p.context, p.model);
    },
    async 'edit.propose'(p, signal, progress) {
      const edits = await editing();
      return edits.propose(p, signal, (value) => progress?.([value]));
    },
    async 'edit.from_text'(p) {
      return (await editing()).fromText(p);
    },
    async 'edit.reanchor'(p) {
      return (await editing()).reanchor(p);
    },
    async models(p) {
      const svc = await routing();
      const { listModels } = await import('../router/models.js');
      return listModels(svc, current(), p.project);
    },
    async 'model.set'(p) {
      const svc = await routing();
      const { setFeatureModel } = await import('../router/models.js');
      return setFeatureModel(svc, current(), p.project, p.feature, p.model);
    },
    async why(p) {
      const svc = await routing();
      const record = svc.why(p.scope);
      if (!record) return null;
      const { formatTrace } = await import('../router/report.js');
      return { trace: record, lines: formatTrace(record) };
    },
    async stats(p) {
      const svc = await routing();
      const { statsReport } = await import('../router/models.js');
      return statsReport(svc, current(), p.project);
    },
    shutdown() {
      log.info('shutdown requested');
      return {};
    },
  };

  return {
    async call(method, rawParams, signal, progress) {
      const spec = (methods as Record<string, (typeof methods)[MethodName]>)[method];
      if (!spec) throw new ZekeError(ErrorCode.UnknownMethod, `unknown method: ${method}`);
      // Lua's empty table travels as an empty msgpack array.
      const params = rawParams == null || (Array.isArray(rawParams) && rawParams.length === 0) ? {} : rawParams;
      const parsed = spec.params.safeParse(params);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new ZekeError(ErrorCode.InvalidParams, `${method}: invalid params at ${first?.path.join('.') || '(root)'}: ${first?.message}`);
      }
      if (signal.aborted) throw new ZekeError(ErrorCode.Cancelled, 'cancelled');
      const started = performance.now();
      try {
        return await handlers[method as MethodName](parsed.data, signal, progress);
      } finally {
        log.debug('%s done in %sms', method, (performance.now() - started).toFixed(1));
      }
    },
    isInstant(method) {
      return (methods as Record<string, { instant: boolean }>)[method]?.instant ?? false;
    },
    config: current,
  };
}

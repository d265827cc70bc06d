// Every method the host serves, defined once: name, params schema, and whether Lua may call
// it synchronously (`instant`: answered from memory, no I/O). lua/zeke/protocol.lua mirrors
// this table; test/unit/protocol.test.ts checks that both sides agree.
import { z } from 'zod';
import { intents, type ConfigIssue } from './config/index.js';

export const logLevel = z.enum(['debug', 'info', 'warn', 'error']);

/**
 * One proposed change: replace lines start_line..end_line (1-based, inclusive; end_line =
 * start_line - 1 for a pure insertion before start_line) — which must read `old_lines` — by
 * `new_lines`. `before`/`after` are up to 3 lines of context used to re-anchor it.
 */
export const editHunk = z.object({
  id: z.string(),
  start_line: z.number().int().min(1),
  end_line: z.number().int().min(0),
  old_lines: z.array(z.string()),
  new_lines: z.array(z.string()),
  before: z.array(z.string()).default([]),
  after: z.array(z.string()).default([]),
  /** Set by edit.reanchor when the region changed under the proposal: must not be applied. */
  conflict: z.string().optional(),
});
export type EditHunk = z.output<typeof editHunk>;

/** The editor's side of the context: the packer (src/context) decides what fits. */
export const chatContext = z
  .object({
    path: z.string().optional(),
    filetype: z.string().optional(),
    selection: z.object({ text: z.string(), start_line: z.number().int(), end_line: z.number().int() }).optional(),
    cursor: z.object({ line: z.number().int(), before: z.string(), after: z.string() }).optional(),
    diagnostics: z
      .array(z.object({ line: z.number().int(), severity: z.enum(['error', 'warn', 'info', 'hint']), message: z.string(), source: z.string().optional() }))
      .default([]),
    /** Files the user added (:ZekeContext add): text read by the host when absent. */
    files: z.array(z.object({ path: z.string(), text: z.string().optional() })).default([]),
    /** Other open buffers (not explicit: secret files are skipped). */
    buffers: z.array(z.object({ path: z.string(), text: z.string() })).default([]),
  })
  .default({ diagnostics: [], files: [], buffers: [] });

export const methods = {
  /** First call from every client: options from setup(), where to log. Can be repeated. */
  initialize: {
    instant: false,
    params: z.object({
      client: z.object({ name: z.string(), version: z.string().optional() }),
      options: z.unknown().optional(),
      log_file: z.string().optional(),
      log_level: logLevel.optional(),
      /** Neovim's stdpath('data'): the stats database lives under it. */
      data_dir: z.string().optional(),
    }),
  },
  /** Round trip check; the host answers at once. */
  ping: { instant: true, params: z.object({}).passthrough() },
  /** The resolved config with secrets shown only as set / not set. */
  config: { instant: true, params: z.object({}).passthrough() },
  /** Health of the host, the config and every configured provider (cheap probes only). */
  health: {
    instant: false,
    params: z.object({ timeout_ms: z.number().int().positive().max(60_000).optional() }),
  },
  /**
   * One streamed generation. `model` is an alias or a "provider:model" ref. Progress carries
   * the stream parts in frame-sized batches; the answer sums them up.
   */
  generate: {
    instant: false,
    params: z.object({
      /** Alias, "provider:model" or "auto"; default: the feature's model for the project. */
      model: z.string().min(1).optional(),
      /** Which feature asks (its model setting applies). */
      feature: z.enum(['chat', 'completion', 'edit']).default('chat'),
      intent: z.enum(intents).optional(),
      project: z.string().optional(),
      /** A conversation id: stickiness keeps it on one provider. */
      session: z.string().optional(),
      /** Where :ZekeWhy finds this request's route (e.g. "buf:12", "chat:abc"). */
      scope: z.string().optional(),
      /** low: favour fast models; high: speed matters less. */
      latency: z.enum(['low', 'normal', 'high']).optional(),
      /** frugal: favour cheap and local; generous: cost matters less. */
      budget: z.enum(['frugal', 'normal', 'generous']).optional(),
      /** Tool calls the job needs (more than routing.escalate_tool_calls goes to the cloud). */
      tool_calls: z.number().int().min(0).optional(),
      messages: z
        .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
        .min(1),
      max_tokens: z.number().int().positive().optional(),
      temperature: z.number().min(0).max(2).optional(),
      stop: z.array(z.string()).optional(),
    }),
  },
  /**
   * One inline completion at the cursor (fill in the middle). Progress carries the
   * suggestion so far, post-processed ({ text }, the whole text each time); the answer is the
   * final suggestion. Served from the cache when the context (or a shorter prefix whose
   * suggestion the user typed into) was seen before.
   */
  complete: {
    instant: false,
    params: z.object({
      /** Where :ZekeWhy finds this request ("buf:12"). */
      scope: z.string().optional(),
      project: z.string().optional(),
      filetype: z.string().default(''),
      path: z.string().optional(),
      /** Text before the cursor (the host trims it to the model's budget from the start). */
      prefix: z.string(),
      /** Text after the cursor (trimmed from the end). */
      suffix: z.string().default(''),
      /** Snippets of other open buffers, most relevant first. */
      context: z.array(z.object({ path: z.string(), text: z.string() })).default([]),
      /** Alias or ref; default the completion model for the project. */
      model: z.string().optional(),
      max_tokens: z.number().int().positive().optional(),
      /** 0: the primary suggestion; k > 0: an alternative for cycling (sampled warmer). */
      variant: z.number().int().min(0).max(8).default(0),
      /** Speculative (after a suggestion was shown): fill the cache, never slow down a real request. */
      prefetch: z.boolean().default(false),
    }),
  },
  /**
   * One chat turn: the message (or a quick action on the selection) with its packed context
   * and earlier turns, streamed as progress (stream parts, frame-batched) like generate.
   */
  'chat.send': {
    instant: false,
    params: z.object({
      project: z.string(),
      /** The conversation; default the project's current one. */
      session: z.string().optional(),
      message: z.string().default(''),
      /** A quick action: sets the prompt and the routing intent. */
      action: z.enum(['explain', 'fix', 'test', 'doc']).optional(),
      context: chatContext,
      model: z.string().optional(),
      scope: z.string().optional(),
    }),
  },
  /** The project's conversation (current, or `session`): turns in order. */
  'chat.history': { instant: false, params: z.object({ project: z.string(), session: z.string().optional() }) },
  /** Starts a new conversation for the project. */
  'chat.new': { instant: false, params: z.object({ project: z.string() }) },
  /** What would be sent as context, as preview lines with tokens vs budget. */
  'context.preview': { instant: false, params: z.object({ project: z.string(), context: chatContext, model: z.string().optional() }) },
  /**
   * Asks the model for an edit of `text` (the whole buffer) — of `range` when given — and
   * answers with hunks anchored by content in `text`. Progress carries the hunks anchored so
   * far ({ hunks }) as the answer streams.
   */
  'edit.propose': {
    instant: false,
    params: z.object({
      project: z.string().optional(),
      path: z.string().optional(),
      filetype: z.string().default(''),
      text: z.string(),
      /** 1-based, inclusive lines the edit is about. */
      range: z.object({ start_line: z.number().int().min(1), end_line: z.number().int().min(1) }).optional(),
      instruction: z.string().min(1),
      model: z.string().optional(),
      scope: z.string().optional(),
    }),
  },
  /** Hunks turning `text` into `replacement` for `range` (a chat code block being applied). */
  'edit.from_text': {
    instant: false,
    params: z.object({
      text: z.string(),
      range: z.object({ start_line: z.number().int().min(1), end_line: z.number().int().min(1) }).optional(),
      replacement: z.string(),
    }),
  },
  /** Re-anchors pending hunks in the buffer's current text: moved, unchanged or conflicting. */
  'edit.reanchor': {
    instant: false,
    params: z.object({ text: z.string(), hunks: z.array(editHunk) }),
  },
  /** Aliases and discovered models for the picker and completion; answered from the cache. */
  models: { instant: true, params: z.object({ project: z.string().optional() }) },
  /** Sets a feature's model for a project (persisted). */
  'model.set': {
    instant: true,
    params: z.object({ project: z.string(), feature: z.enum(['chat', 'completion', 'edit']), model: z.string().min(1) }),
  },
  /** The route trace of the last request in `scope` (else the last one), as data and lines. */
  why: { instant: true, params: z.object({ scope: z.string().optional() }) },
  /** Spend and routing statistics as data and lines. */
  stats: { instant: false, params: z.object({ project: z.string().optional() }) },
  /** Stop serving; the process exits when the client closes the channel. */
  shutdown: { instant: true, params: z.object({}).passthrough() },
} as const;

export type MethodName = keyof typeof methods;
export type ParamsOf<M extends MethodName> = z.output<(typeof methods)[M]['params']>;

export interface CompleteResult {
  /** The suggestion, post-processed; '' when there is nothing worth showing. */
  text: string;
  /** Served from the cache, with no request to a model. */
  cached: boolean;
  provider?: string;
  model?: string;
  ttfb_ms?: number;
  duration_ms: number;
  /** Set once per session when the model is too slow to be useful, with the measured figure. */
  slow?: { p50_ms: number; message: string };
}

export interface InitializeResult {
  version: string;
  node_version: string;
  pid: number;
  log_file: string | null;
  toml: { path: string | null; found: boolean };
  config_issues: ConfigIssue[];
}

export interface PingResult {
  pong: true;
  /** Host clock, ms since epoch. */
  time: number;
}

export interface ProbeResult {
  /** What was probed: the address, never with a key in it. */
  url: string;
  ok: boolean;
  status?: number;
  latency_ms: number;
  /** One line a user can act on. */
  message: string;
  version?: string;
  models?: string[];
}

export interface ProviderHealth {
  name: string;
  kind: string;
  enabled: boolean;
  configured: boolean;
  /** "set (env:OPENAI_API_KEY)" / "not set (…)"; never the key. */
  key: string;
  needs_key: boolean;
  probes: ProbeResult[];
}

export interface HealthReport {
  host: { version: string; node_version: string; pid: number; uptime_ms: number; rss_bytes: number; log_file: string | null };
  config: { toml_path: string | null; toml_found: boolean; issues: ConfigIssue[] };
  api: { mode: string; base_url: string | null; key: string; probe: ProbeResult | null };
  providers: ProviderHealth[];
  /** Where routing stats and the budget ledger live, or why only in memory. */
  stats: { kind: 'sqlite'; file: string } | { kind: 'memory'; reason: string } | null;
}

/** Events the host sends without being asked (host → client notifications). */
export const events = {
  /** The host's log file or config changed state worth telling the user once. */
  'config-issues': 'config-issues',
} as const;

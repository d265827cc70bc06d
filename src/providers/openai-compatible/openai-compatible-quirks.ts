// What differs between servers that all speak the OpenAI chat-completions protocol, in one
// table. A provider matches a row by its configured name first, then by the host of its
// base_url; `kind = "openai"` with no match is OpenAI. Unknown servers get the defaults.
import type { ResolvedProvider } from '../../config/index.js';

export type ServerFamily = 'openai' | 'azure' | 'mistral' | 'deepseek' | 'xai' | 'llamacpp' | 'omen' | 'generic';

export interface OpenAICompatibleQuirks {
  family: ServerFamily;
  /** Send `stream_options: {include_usage: true}`. Off where the server rejects unknown fields and sends usage on the last chunk anyway. */
  streamUsage: boolean;
  /** OpenAI deprecated `max_tokens` (reasoning models reject it); most compatible servers only know `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** A body that ends with no finish_reason and no `[DONE]` is a finished answer, not a broken one (OMEN). */
  eofIsFinish: boolean;
  /** The body must fit OMEN's serde types (ghost-stack.md §2.3), see normalizeOmenChatBody. */
  omenBody?: boolean;
}

const DEFAULTS: OpenAICompatibleQuirks = { family: 'generic', streamUsage: true, maxTokensField: 'max_tokens', eofIsFinish: false, omenBody: false };

interface Row {
  family: ServerFamily;
  names: string[];
  host?: RegExp;
  quirks: Partial<OpenAICompatibleQuirks>;
}

/**
 * The quirks table (providers.md §2, §6; ghost-stack.md §2.9, §5 items 14–21):
 * - openai: `max_completion_tokens`.
 * - mistral / codestral: no `stream_options` (Mistral validates fields strictly; usage comes on the final chunk); FIM at `/fim/completions`.
 * - deepseek: FIM at `{origin}/beta/completions`; `: keep-alive` comments; usage has `prompt_cache_hit_tokens`.
 * - xai: a bad key is HTTP 400 `{code, error}` (handled in the error parser for everyone).
 * - llamacpp: FIM at `{root}/infill` (llama.cpp's native stream).
 * - omen: the stream may stop with neither finish_reason nor `[DONE]`; no FIM (its /v1/completions ignores `suffix`);
 *   the body is normalized to what OMEN's serde types accept (normalizeOmenChatBody).
 */
const TABLE: Row[] = [
  { family: 'openai', names: ['openai'], host: /(^|\.)api\.openai\.com$/, quirks: { maxTokensField: 'max_completion_tokens' } },
  { family: 'mistral', names: ['mistral', 'codestral'], host: /(^|\.)mistral\.ai$/, quirks: { streamUsage: false } },
  { family: 'deepseek', names: ['deepseek'], host: /(^|\.)deepseek\.com$/, quirks: {} },
  { family: 'xai', names: ['xai', 'grok'], host: /(^|\.)x\.ai$/, quirks: {} },
  { family: 'llamacpp', names: ['llamacpp', 'llama.cpp', 'llama-cpp', 'llama-server'], quirks: {} },
  { family: 'omen', names: ['omen'], quirks: { eofIsFinish: true, omenBody: true } },
];

export function quirksFor(p: Pick<ResolvedProvider, 'name' | 'kind' | 'baseUrl'>): OpenAICompatibleQuirks {
  const name = p.name.toLowerCase();
  const host = hostOf(p.baseUrl);
  const row = TABLE.find((r) => r.names.includes(name)) ?? TABLE.find((r) => r.host && host && r.host.test(host)) ?? (p.kind === 'openai' ? TABLE[0] : undefined);
  return row ? { ...DEFAULTS, ...row.quirks, family: row.family } : { ...DEFAULTS };
}

export type FimSurface = 'completions' | 'codestral' | 'llamacpp';

/** OMEN's /v1/completions ignores `suffix`: no FIM there. */
export function hasFim(quirks: OpenAICompatibleQuirks): boolean {
  return quirks.family !== 'omen';
}

/**
 * Where FIM goes, in one rule (see hasFim for servers without any):
 * 1. llama.cpp: `POST {base without /v1}/infill`.
 * 2. DeepSeek: `POST {origin}/beta/completions` (legacy completions shape with `suffix`).
 * 3. Mistral, or any model whose id starts with `codestral`: `POST {base}/fim/completions`.
 * 4. Everyone else: `POST {base}/completions` with `suffix` (OpenAI legacy, vLLM, Ollama /v1, LiteLLM).
 */
export function fimRoute(quirks: OpenAICompatibleQuirks, baseUrl: string, model: string): { surface: FimSurface; url: string } {
  switch (quirks.family) {
    case 'llamacpp':
      return { surface: 'llamacpp', url: `${baseUrl.replace(/\/v1$/, '')}/infill` };
    case 'deepseek':
      return { surface: 'completions', url: `${new URL(baseUrl).origin}/beta/completions` };
    default:
      if (quirks.family === 'mistral' || model.startsWith('codestral')) return { surface: 'codestral', url: `${baseUrl}/fim/completions` };
      return { surface: 'completions', url: `${baseUrl}/completions` };
  }
}

/**
 * A chat body OMEN parses (ghost-stack.md §2.3, §5 items 15–16). OMEN's serde types reject
 * with HTTP 400 what OpenAI accepts, so, whatever `extraBody` or a caller put in:
 * - `stream` is a boolean (`null` is rejected);
 * - `stop` is an array of strings (a bare string is rejected; `null` is dropped);
 * - `tool_choice` survives only as `{function: {name}}`: its untagged enum has no `"auto"`,
 *   `"none"` or `"required"`. `"none"` also drops `tools` (the caller asked for no tool call);
 *   `"auto"` is OMEN's default anyway; `"required"` cannot be said to OMEN and is dropped;
 * - every message has a string (or parts array) `content`: `null`/missing become `""`;
 * - `tags` is a string → string map: numbers and booleans become strings, everything else
 *   (null, objects, arrays) is dropped; an empty map is left out;
 * - `omen` is left out when empty or not an object: an empty `omen` object means *race*, whose
 *   3 s whole-stream deadline cuts answers silently.
 * Returns a new object; the input is not changed.
 */
export function normalizeOmenChatBody(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  out.stream = out.stream === true;
  if ('stop' in out) {
    const stop = out.stop;
    const list = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop.filter((s): s is string => typeof s === 'string') : [];
    if (list.length) out.stop = list;
    else delete out.stop;
  }
  if ('tool_choice' in out) {
    const choice = out.tool_choice;
    const name = isRecord(choice) && isRecord(choice.function) ? choice.function.name : undefined;
    if (typeof name === 'string' && name !== '') out.tool_choice = { type: 'function', function: { name } };
    else {
      delete out.tool_choice;
      if (choice === 'none') delete out.tools;
    }
  }
  if (Array.isArray(out.messages)) {
    out.messages = out.messages.map((m: unknown) => {
      if (!isRecord(m)) return m;
      const c = m.content;
      return typeof c === 'string' || Array.isArray(c) ? m : { ...m, content: c === null || c === undefined ? '' : String(c) };
    });
  }
  if ('tags' in out) {
    const tags = isRecord(out.tags)
      ? Object.fromEntries(
          Object.entries(out.tags)
            .filter(([, v]) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean')
            .map(([k, v]) => [k, String(v)]),
        )
      : {};
    if (Object.keys(tags).length) out.tags = tags;
    else delete out.tags;
  }
  if ('omen' in out) {
    const omen = out.omen;
    if (!isRecord(omen) || Object.values(omen).every((v) => v === undefined || v === null)) delete out.omen;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

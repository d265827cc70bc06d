// Every model the router may pick: the targets of the aliases, the refs named in `models`,
// and every model the configured providers list. Built once per model-list refresh, read by
// every decision (router/decide.ts).
import type { ResolvedConfig, ResolvedProvider } from '../config/index.js';
import type { ModelInfo } from '../provider/index.js';
import { priceFor } from '../providers/shared/prices.js';
import type { Candidate } from './types.js';

/** `provider:model`, split on the FIRST colon (`ollama:deepseek-coder:14b` → `ollama`, `deepseek-coder:14b`). */
export function splitRef(ref: string): { provider: string; model: string } | undefined {
  const i = ref.indexOf(':');
  if (i <= 0 || i === ref.length - 1) return undefined;
  return { provider: ref.slice(0, i), model: ref.slice(i + 1) };
}

/**
 * Listed models that cannot answer a chat or a completion: embedding, speech, image and
 * moderation models, legacy base models. OpenAI's /v1/models lists them next to the chat
 * models; an alias may still name one (aliases are taken as written).
 */
const NON_CHAT_ID = /embed|whisper|(^|[-_.])tts([-_.]|$)|dall-e|moderation|transcribe|realtime|audio|(^|[-_])image([-_]|$)|^gpt-image|^sora|^(babbage|davinci)-\d/i;

/**
 * @param listed provider name → its listModels() result; undefined when not (yet) known, so
 *   alias targets of that provider get `available: undefined` rather than false.
 * @param extraRefs more refs to include (per-project model choices); `models.*` refs of the
 *   config are always included.
 */
export function buildCatalog(cfg: ResolvedConfig, listed: Record<string, ModelInfo[] | undefined>, extraRefs: readonly string[] = []): Candidate[] {
  const providers = new Map<string, ResolvedProvider>();
  for (const p of cfg.providers) if (p.configured && p.enabled) providers.set(p.name, p);

  const out: Candidate[] = [];
  const byRef = new Map<string, Candidate>();
  /** Listed ids an alias target already stands for (`qwen2.5-coder` for `qwen2.5-coder:latest`). */
  const represented = new Map<string, Candidate>();

  const addRef = (ref: string) => {
    const parts = splitRef(ref);
    if (!parts || byRef.has(ref)) return;
    const p = providers.get(parts.provider);
    if (!p) return; // not configured or disabled: decide() says so when it is asked for
    const list = listed[p.name];
    const info = list ? findListed(p, parts.model, list) : undefined;
    const c = candidate(p, parts.model, info);
    if (list) c.available = info !== undefined;
    if (info && info.id !== parts.model) represented.set(`${p.name}:${info.id}`, c);
    byRef.set(ref, c);
    out.push(c);
  };

  for (const chain of Object.values(cfg.aliases)) for (const ref of chain) addRef(ref);
  for (const ref of Object.values(cfg.options.models)) if (typeof ref === 'string' && !cfg.aliases[ref]) addRef(ref);
  for (const ref of extraRefs) addRef(ref);

  for (const p of providers.values()) {
    for (const info of listed[p.name] ?? []) {
      if (info.capabilities?.embedding || NON_CHAT_ID.test(info.id)) continue;
      const ref = `${p.name}:${info.id}`;
      const known = byRef.get(ref) ?? represented.get(ref);
      if (known) {
        // The same model on another Ollama endpoint, or an alias target found above.
        known.available = true;
        fill(known, info);
        continue;
      }
      const c = candidate(p, info.id, info);
      c.available = true;
      byRef.set(ref, c);
      out.push(c);
    }
  }
  // An Ollama server runs a model with its num_ctx (default 4096), whatever the model's
  // maximum: a prompt planned beyond it would be cut from the start, silently.
  for (const c of out) {
    const p = cfg.providers.find((x) => x.name === c.provider);
    if (p?.kind !== 'ollama') continue;
    const window = p.numCtx ?? OLLAMA_DEFAULT_NUM_CTX;
    c.contextWindow = Math.min(c.contextWindow ?? window, window);
  }
  return out;
}

/** Ollama's own default context length when the user sets none. */
export const OLLAMA_DEFAULT_NUM_CTX = 4096;

function candidate(p: ResolvedProvider, model: string, info: ModelInfo | undefined): Candidate {
  const c: Candidate = { ref: `${p.name}:${model}`, provider: p.name, model, local: p.kind === 'ollama' };
  const price = priceFor(p, model, p.prices);
  if (price) c.price = price;
  if (info) fill(c, info);
  return c;
}

function fill(c: Candidate, info: ModelInfo): void {
  if (c.contextWindow === undefined && info.contextWindow !== undefined) c.contextWindow = info.contextWindow;
  if (c.capabilities === undefined && info.capabilities) {
    const { fim, tools, vision } = info.capabilities;
    const caps: NonNullable<Candidate['capabilities']> = {};
    if (fim !== undefined) caps.fim = fim;
    if (tools !== undefined) caps.tools = tools;
    if (vision !== undefined) caps.vision = vision;
    if (Object.keys(caps).length) c.capabilities = caps;
  }
}

/**
 * The listed entry an alias target means: the same id; for Ollama `name` ≡ `name:latest`;
 * an undated id the provider lists only in its dated form (`claude-sonnet-4-5` →
 * `claude-sonnet-4-5-20250929`, as Anthropic lists it).
 */
function findListed(p: ResolvedProvider, model: string, list: ModelInfo[]): ModelInfo | undefined {
  const exact = list.find((m) => m.id === model);
  if (exact) return exact;
  if (p.kind === 'ollama') {
    const norm = (id: string) => (id.includes(':') ? id : `${id}:latest`);
    const want = norm(model);
    return list.find((m) => norm(m.id) === want);
  }
  return list.find((m) => m.id.startsWith(model + '-') && /^-(\d{8}|\d{4}-\d{2}-\d{2})$/.test(m.id.slice(model.length)));
}

// The suggestion cache: an LRU keyed by (model requested, filetype, hash of the prefix's tail
// + the suffix's head), with look-back for typeahead. Cheap on a miss: the look-back scans
// the few entries that share the suffix head (a "bucket") instead of hashing 128 prefixes.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Characters of the prefix's end and the suffix's start that identify a context. */
export const PREFIX_KEY_CHARS = 1024;
export const SUFFIX_KEY_CHARS = 256;
/** How far back (characters typed since) a cached suggestion is still found, as llama.vim. */
export const LOOKBACK_CHARS = 128;
const MAX_ENTRIES = 500;
const BUCKET_SIZE = 24;
/** Forward keys per suggestion (one per line start of a multi-line suggestion). */
const MAX_FORWARD_KEYS = 8;

export interface CacheValue {
  text: string;
  provider?: string;
  model?: string;
}

interface Entry extends CacheValue {
  /** The prefix tail this entry was stored for. */
  tail: string;
}

export interface CacheHit extends CacheValue {
  /** Characters typed since the context the suggestion was made for (0: exact hit). */
  typed: number;
}

const hash = (s: string) => createHash('sha1').update(s).digest('base64');

export function createCompletionCache() {
  const entries = new LRUCache<string, Entry>({ max: MAX_ENTRIES });
  const buckets = new LRUCache<string, Entry[]>({ max: MAX_ENTRIES });

  const bucketKey = (model: string, filetype: string, suffix: string) => `${model}\0${filetype}\0${suffix.slice(0, SUFFIX_KEY_CHARS)}`;
  const keyOf = (model: string, filetype: string, prefix: string, suffix: string) => hash(`${bucketKey(model, filetype, suffix)}\0${prefix.slice(-PREFIX_KEY_CHARS)}`);

  function put(model: string, filetype: string, prefix: string, suffix: string, value: CacheValue) {
    const entry: Entry = { ...value, tail: prefix.slice(-PREFIX_KEY_CHARS) };
    entries.set(keyOf(model, filetype, prefix, suffix), entry);
    const bk = bucketKey(model, filetype, suffix);
    const list = (buckets.get(bk) ?? []).filter((e) => e.tail !== entry.tail);
    list.unshift(entry);
    if (list.length > BUCKET_SIZE) list.length = BUCKET_SIZE;
    buckets.set(bk, list);
  }

  return {
    keyOf,
    /**
     * Exact context first; else look back up to LOOKBACK_CHARS: an entry whose prefix is the
     * current prefix minus the last i characters, and whose suggestion starts with those
     * characters, gives the rest (longest rest wins).
     */
    get(model: string, filetype: string, prefix: string, suffix: string): CacheHit | undefined {
      const exact = entries.get(keyOf(model, filetype, prefix, suffix));
      if (exact) return { text: exact.text, provider: exact.provider, model: exact.model, typed: 0 };
      const list = buckets.get(bucketKey(model, filetype, suffix));
      if (!list) return undefined;
      let best: CacheHit | undefined;
      for (const e of list) {
        const maxI = Math.min(LOOKBACK_CHARS, e.text.length - 1, prefix.length);
        for (let i = 1; i <= maxI; i++) {
          const typed = prefix.slice(prefix.length - i);
          if (!e.text.startsWith(typed)) continue;
          if (prefix.slice(0, prefix.length - i).slice(-PREFIX_KEY_CHARS) !== e.tail) continue;
          const rest = e.text.slice(i);
          if (rest.trim() !== '' && (!best || rest.length > best.text.length)) best = { text: rest, provider: e.provider, model: e.model, typed: i };
        }
      }
      if (best) entries.get(keyOf(model, filetype, prefix.slice(0, prefix.length - best.typed), suffix)); // refresh its recency
      return best;
    },
    /**
     * Stores a suggestion, plus forward keys: the context after accepting each of its lines
     * (before and after the line break and indentation), so accept-line keeps finding the
     * rest beyond the look-back's reach, with no request.
     */
    set(model: string, filetype: string, prefix: string, suffix: string, value: CacheValue) {
      put(model, filetype, prefix, suffix, value);
      const text = value.text;
      let forward = 0;
      for (let at = text.indexOf('\n'); at > 0 && forward < MAX_FORWARD_KEYS; at = text.indexOf('\n', at + 1)) {
        const indent = /^[ \t]*/.exec(text.slice(at + 1))![0].length;
        for (const cut of [at, at + 1 + indent]) {
          const rest = text.slice(cut);
          if (rest.trim() === '') continue;
          put(model, filetype, prefix + text.slice(0, cut), suffix, { ...value, text: rest });
        }
        forward++;
      }
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
      buckets.clear();
    },
  };
}

export type CompletionCache = ReturnType<typeof createCompletionCache>;

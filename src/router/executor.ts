// Runs one routed request: asks decide() for a route, streams from the chosen model, cancels
// a local model that is too slow to its first token and hands the request to the cloud,
// falls back down the route on failures that a retry elsewhere can fix, and records what
// happened (health tracker, stats store, the trace :ZekeWhy shows). Nothing reaches the
// caller from an attempt that was abandoned: parts are forwarded only once an attempt has
// produced its first text, tool call or finish.
import type { ChatRequest, ProviderError, StreamPart } from '../provider/index.js';
import type { Candidate, Decision, RouteTrace } from './types.js';

export interface AttemptOutcome {
  ref: string;
  ok: boolean;
  ttfbMs?: number;
  error?: { code: string; message: string };
  /** Cancelled because its first token came later than the escalation threshold. */
  escalated?: boolean;
}

export interface ExecutionReport {
  chosen: Candidate;
  trace: RouteTrace;
  attempts: AttemptOutcome[];
  escalated: boolean;
}

/** What the executor needs from the host: kept as functions so tests can stub them. */
export interface ExecutorDeps {
  stream(candidate: Candidate, req: Omit<ChatRequest, 'model'>): AsyncIterable<StreamPart>;
  recordSuccess(candidate: Candidate, ttfbMs: number | undefined, tokensPerSec: number | undefined): void;
  recordFailure(candidate: Candidate, error: ProviderError): void;
  now?: () => number;
}

/** Errors another model may not have: try the next one on the route. */
const FALL_BACK_ON = new Set(['unreachable', 'timeout', 'server', 'overloaded', 'rate_limit', 'model_not_found', 'bad_response', 'stream', 'quota', 'auth']);

export class RouteError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly report: ExecutionReport | undefined,
    readonly trace: RouteTrace,
    readonly providerError?: ProviderError,
  ) {
    super(message);
  }
}

/**
 * Streams along a decided route. `onPart` receives the parts of the attempt that answers,
 * and nothing of abandoned ones.
 */
export async function executeRoute(
  decision: Extract<Decision, { ok: true }>,
  req: Omit<ChatRequest, 'model'>,
  deps: ExecutorDeps,
  onPart: (part: StreamPart, candidate: Candidate) => void,
): Promise<ExecutionReport> {
  const now = deps.now ?? (() => performance.now());
  const attempts: AttemptOutcome[] = [];
  const queue: Candidate[] = [decision.chosen, ...decision.fallbacks];
  const escalation = decision.escalation;
  let escalated = false;
  let lastError: ProviderError | undefined;

  while (queue.length > 0) {
    const candidate = queue.shift()!;
    if (req.signal.aborted) break;
    const ac = new AbortController();
    const onAbort = () => ac.abort(req.signal.reason);
    req.signal.addEventListener('abort', onAbort, { once: true });
    const started = now();
    // Escalation applies to the first (local) attempt only.
    const watchFirstToken = escalation && candidate.ref === decision.chosen.ref && !escalated ? escalation : undefined;
    let timer: NodeJS.Timeout | undefined;
    let tooSlow = false;
    if (watchFirstToken) {
      timer = setTimeout(() => {
        tooSlow = true;
        ac.abort(new Error('escalated'));
      }, watchFirstToken.afterMs);
    }
    let committed = false;
    const held: StreamPart[] = [];
    let ttfbMs: number | undefined;
    let firstTokenAt: number | undefined;
    let outputTokens = 0;
    let failure: ProviderError | undefined;
    try {
      for await (const part of deps.stream(candidate, { ...req, signal: ac.signal })) {
        if (part.type === 'error') {
          failure = part.error;
          break;
        }
        if (!committed && (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-call-delta' || part.type === 'tool-call' || part.type === 'finish')) {
          committed = true;
          firstTokenAt = now();
          ttfbMs = firstTokenAt - started;
          if (timer) clearTimeout(timer);
          for (const h of held.splice(0)) onPart(h, candidate);
        }
        if (part.type === 'usage' || part.type === 'finish') outputTokens = (part.type === 'usage' ? part.usage : part.usage)?.outputTokens ?? outputTokens;
        if (committed) onPart(part, candidate);
        else held.push(part);
      }
    } finally {
      if (timer) clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
    }

    if (tooSlow && !committed && escalation) {
      attempts.push({ ref: candidate.ref, ok: false, escalated: true, error: { code: 'slow', message: `no first token within ${escalation.afterMs} ms` } });
      escalated = true;
      // The cloud model takes over; the rest of the route stays behind it.
      const rest = queue.filter((c) => c.ref !== escalation.to.ref);
      queue.splice(0, queue.length, escalation.to, ...rest);
      continue;
    }
    if (failure) {
      if (failure.code === 'cancelled' || req.signal.aborted) {
        attempts.push({ ref: candidate.ref, ok: false, error: { code: 'cancelled', message: 'cancelled' } });
        throw new RouteError('cancelled', 'cancelled', { chosen: candidate, trace: decision.trace, attempts, escalated }, decision.trace, failure);
      }
      deps.recordFailure(candidate, failure);
      attempts.push({ ref: candidate.ref, ok: false, error: { code: failure.code, message: failure.message } });
      lastError = failure;
      // Once text has reached the user, starting over elsewhere would duplicate it.
      if (committed || !FALL_BACK_ON.has(failure.code)) break;
      continue;
    }
    const seconds = firstTokenAt !== undefined ? (now() - firstTokenAt) / 1000 : 0;
    deps.recordSuccess(candidate, ttfbMs, seconds > 0 && outputTokens > 0 ? outputTokens / seconds : undefined);
    attempts.push({ ref: candidate.ref, ok: true, ttfbMs });
    return { chosen: candidate, trace: decision.trace, attempts, escalated };
  }
  if (req.signal.aborted) {
    throw new RouteError('cancelled', 'cancelled', undefined, decision.trace);
  }
  const tried = attempts.map((a) => `${a.ref}: ${a.error?.message ?? 'failed'}`).join('; ');
  throw new RouteError(
    attempts.length > 1 ? `every model on the route failed — ${tried}` : lastError?.message ?? 'the request failed',
    lastError?.code ?? 'provider',
    { chosen: decision.chosen, trace: decision.trace, attempts, escalated },
    decision.trace,
    lastError,
  );
}


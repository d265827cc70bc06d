// Stable error codes the host returns; each maps to how loudly Lua tells the user.
export const ErrorCode = {
  /** The caller cancelled: silent. */
  Cancelled: 'cancelled',
  /** Params did not match the method's schema: a bug in the caller. */
  InvalidParams: 'invalid_params',
  UnknownMethod: 'unknown_method',
  /** A provider did not answer in time. */
  Timeout: 'timeout',
  /** Key missing or rejected: tell the user which setting fixes it. */
  Auth: 'auth',
  Unreachable: 'unreachable',
  /** Any other provider failure; `data` has provider, status, provider_code, retryable. */
  Provider: 'provider',
  Config: 'config',
  /** A budget cap would be broken and on_budget = "refuse" (or nothing local can answer). */
  Budget: 'budget',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class ZekeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ZekeError';
  }
}

export interface WireError {
  code: ErrorCode;
  message: string;
  data?: Record<string, unknown>;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof ZekeError) return { code: err.code, message: err.message, ...(err.data ? { data: err.data } : {}) };
  if (err instanceof Error && err.name === 'AbortError') return { code: ErrorCode.Cancelled, message: 'cancelled' };
  return { code: ErrorCode.Internal, message: err instanceof Error ? err.message : String(err) };
}

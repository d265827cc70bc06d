// Provider errors, normalized once: a stable code, the provider's own message kept, the HTTP
// status, whether a retry can help, and how long the provider asked us to wait.

export type ProviderErrorCode =
  /** The caller aborted. */
  | 'cancelled'
  /** No first byte, or no byte for too long mid-stream. */
  | 'timeout'
  /** Connection refused / reset / DNS: the address does not answer. */
  | 'unreachable'
  /** 401/403: key missing, wrong or not allowed. */
  | 'auth'
  /** 429 that a wait fixes. */
  | 'rate_limit'
  /** Out of credit (OpenAI insufficient_quota, DeepSeek 402): a wait does not fix it. */
  | 'quota'
  /** 529 / overloaded_error / 503 from a busy model server. */
  | 'overloaded'
  /** 404 for the model (Ollama: not pulled on that endpoint). */
  | 'model_not_found'
  /** 400/422: our request was wrong; retrying the same request cannot help. */
  | 'bad_request'
  /** 5xx. */
  | 'server'
  /** The body was not what the protocol promises (wrong content-type, broken JSON). */
  | 'bad_response'
  /** The body or one line of it exceeded the size limit. */
  | 'too_large'
  /** The provider reported an error inside a stream that had started fine. */
  | 'stream';

export interface ProviderErrorInit {
  code: ProviderErrorCode;
  provider: string;
  message: string;
  status?: number;
  retryable?: boolean;
  retryAfterMs?: number;
  /** The provider's own error type/code, e.g. `insufficient_quota`, `overloaded_error`. */
  providerCode?: string;
  /** Address asked (never with a key in it). */
  url?: string;
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly code: ProviderErrorCode;
  readonly provider: string;
  readonly status?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly providerCode?: string;
  readonly url?: string;

  constructor(init: ProviderErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'ProviderError';
    this.code = init.code;
    this.provider = init.provider;
    this.status = init.status;
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.providerCode = init.providerCode;
    this.url = init.url;
  }

  toJSON() {
    return {
      code: this.code,
      provider: this.provider,
      message: this.message,
      status: this.status,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      providerCode: this.providerCode,
    };
  }
}

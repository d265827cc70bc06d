// JSON-RPC 2.0 over stdio (`--stdio`), for other editors, scripts and core tests: the same
// methods as the Neovim adapter; `$/cancelRequest` aborts the same AbortSignal. Host events
// arrive as `zeke/event` notifications `{ event, payload }`. Partial results of a request
// whose params carry a `progress_token` arrive as `$/progress { token, value }` (LSP style).
import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter, ErrorCodes } from 'vscode-jsonrpc/node';
import type { Core } from '../core/core.js';
import { ErrorCode, toWireError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';

/** JSON-RPC error numbers for our codes; `data.code` carries the stable string code. */
const NUMBERS: Record<string, number> = {
  [ErrorCode.Cancelled]: -32800 /* LSP RequestCancelled */,
  [ErrorCode.InvalidParams]: ErrorCodes.InvalidParams,
  [ErrorCode.UnknownMethod]: ErrorCodes.MethodNotFound,
};

export function startJsonRpcAdapter(makeCore: (emit: (event: string, payload: unknown) => void) => Core, log: Logger): void {
  const conn = createMessageConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  const core = makeCore((event, payload) => void conn.sendNotification('zeke/event', { event, payload }));
  conn.onRequest(async (method, params, token) => {
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    try {
      const token = (params as { progress_token?: string | number } | undefined)?.progress_token;
      const progress = token === undefined ? undefined : (value: unknown) => void conn.sendNotification('$/progress', { token, value });
      const { progress_token: _drop, ...rest } = (params ?? {}) as Record<string, unknown>;
      return (await core.call(method, token === undefined ? params : rest, ac.signal, progress)) ?? null;
    } catch (err) {
      const wire = toWireError(ac.signal.aborted ? Object.assign(new Error('cancelled'), { name: 'AbortError' }) : err);
      throw new ResponseError(NUMBERS[wire.code] ?? -32000, wire.message, { code: wire.code, ...wire.data });
    } finally {
      sub.dispose();
    }
  });
  conn.onClose(() => {
    log.info('json-rpc client closed; exiting');
    log.flushSync();
    process.exit(0);
  });
  conn.listen();
}

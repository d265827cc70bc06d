// Streamed output reaches the editor in batches, one per ~16 ms frame: a fast model can emit
// hundreds of parts a second, and one RPC message per token would flood Neovim's main loop.
export interface ProgressBatcher<T> {
  push(item: T): void;
  /** Sends what is pending now (before the final answer, so nothing arrives after it). */
  flush(): void;
}

export function createProgressBatcher<T>(send: (items: T[]) => void, frameMs = 16): ProgressBatcher<T> {
  let pending: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    send(items);
  };
  return {
    push(item) {
      pending.push(item);
      timer ??= setTimeout(flush, frameMs);
    },
    flush,
  };
}

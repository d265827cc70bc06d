// A calibration corpus for the token estimator (tokens.test.ts): code in several languages,
// prose, JSON, markup, whitespace-heavy and symbol-heavy text, the shapes a packed context holds.
/** `digits`: dominated by digit runs and hex (timestamps, hashes), which o200k splits into
 * ≤ 3-digit pieces and the estimator counts as words — its known weak spot. */
export type CorpusKind = 'code' | 'prose' | 'data' | 'whitespace' | 'digits' | 'long-identifiers';

export const CORPUS: { name: string; kind: CorpusKind; text: string }[] = [
  {
    name: 'typescript',
    kind: 'code',
    text: `import { readFile } from 'node:fs/promises';
import type { Config } from './config.js';

export async function loadConfig(path: string): Promise<Config> {
  const raw = await readFile(path, 'utf8');
  const parsed = JSON.parse(raw) as Partial<Config>;
  if (!parsed.providers || Object.keys(parsed.providers).length === 0) {
    throw new Error(\`\${path}: no providers configured\`);
  }
  return { timeoutMs: 30_000, ...parsed } as Config;
}

export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
}
`,
  },
  {
    name: 'python',
    kind: 'code',
    text: `from __future__ import annotations

import dataclasses
from typing import Iterable


@dataclasses.dataclass(frozen=True)
class Invoice:
    customer_id: int
    lines: tuple[tuple[str, float], ...]

    def total(self) -> float:
        return sum(price for _, price in self.lines)


def overdue(invoices: Iterable[Invoice], limit: float = 100.0) -> list[Invoice]:
    """Return the invoices whose total exceeds the limit, largest first."""
    result = [inv for inv in invoices if inv.total() > limit]
    result.sort(key=lambda inv: inv.total(), reverse=True)
    return result


if __name__ == "__main__":
    print(overdue([Invoice(1, (("a", 60.0), ("b", 70.5)))]))
`,
  },
  {
    name: 'lua',
    kind: 'code',
    text: `local M = {}

---@param bufnr integer
---@return string[]
function M.visible_lines(bufnr)
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    return {}
  end
  local top = vim.fn.line('w0', win)
  local bottom = vim.fn.line('w$', win)
  return vim.api.nvim_buf_get_lines(bufnr, top - 1, bottom, false)
end

function M.setup(opts)
  opts = vim.tbl_deep_extend('force', { enabled = true, debounce = 75 }, opts or {})
  vim.api.nvim_create_autocmd({ 'TextChangedI', 'CursorMovedI' }, {
    group = vim.api.nvim_create_augroup('zeke_complete', { clear = true }),
    callback = function(ev) M.on_change(ev.buf, opts) end,
  })
end

return M
`,
  },
  {
    name: 'rust',
    kind: 'code',
    text: `use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Token<'a> {
    Ident(&'a str),
    Number(f64),
    Punct(char),
}

pub fn tokenize(src: &str) -> Result<Vec<Token<'_>>, String> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => continue,
            c if c.is_ascii_digit() => {
                let end = src[i..].find(|ch: char| !ch.is_ascii_digit() && ch != '.').map_or(src.len(), |n| i + n);
                out.push(Token::Number(src[i..end].parse().map_err(|e| format!("{e}"))?));
            }
            _ => out.push(Token::Punct(c)),
        }
    }
    Ok(out)
}

fn counts(words: &[&str]) -> HashMap<String, usize> {
    words.iter().fold(HashMap::new(), |mut m, w| { *m.entry(w.to_string()).or_default() += 1; m })
}
`,
  },
  {
    name: 'go',
    kind: 'code',
    text: `package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

type Handler struct {
	store Store
	clock func() time.Time
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	items, err := h.store.List(ctx, r.URL.Query().Get("owner"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"items": items, "at": h.clock().Unix()})
}
`,
  },
  {
    name: 'c',
    kind: 'code',
    text: `#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    int key;
    struct node *next;
} node_t;

static node_t *push(node_t *head, int key) {
    node_t *n = malloc(sizeof *n);
    if (!n) { perror("malloc"); exit(1); }
    n->key = key;
    n->next = head;
    return n;
}

int main(int argc, char **argv) {
    node_t *list = NULL;
    for (int i = 1; i < argc; i++) list = push(list, atoi(argv[i]));
    for (node_t *p = list; p; p = p->next) printf("%d\\n", p->key);
    return 0;
}
`,
  },
  {
    name: 'java',
    kind: 'code',
    text: `package com.example.orders;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

public final class OrderService {
    private final OrderRepository repository;

    public OrderService(OrderRepository repository) {
        this.repository = repository;
    }

    public Optional<Order> findLatestForCustomer(long customerId) {
        return repository.findByCustomerId(customerId).stream()
            .filter(order -> order.getStatus() != OrderStatus.CANCELLED)
            .max((a, b) -> a.getCreatedAt().compareTo(b.getCreatedAt()));
    }

    public List<String> summaries() {
        return repository.findAll().stream().map(Order::toString).collect(Collectors.toList());
    }
}
`,
  },
  {
    name: 'shell',
    kind: 'code',
    text: `#!/usr/bin/env bash
set -euo pipefail

root="$(cd "$(dirname "\${BASH_SOURCE[0]}")/.." && pwd)"
version="\${1:-$(git -C "$root" describe --tags --abbrev=0)}"

for target in linux-x64 darwin-arm64 win-x64; do
  echo ">> building $target ($version)"
  out="$root/dist/$target"
  mkdir -p "$out"
  npm run build -- --target="$target" --outdir="$out" >/dev/null
  tar -C "$out" -czf "$root/dist/zeke-$version-$target.tar.gz" .
done
sha256sum "$root"/dist/*.tar.gz > "$root/dist/SHA256SUMS"
`,
  },
  {
    name: 'html+css',
    kind: 'code',
    text: `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Dashboard</title>
    <style>
      .card { display: flex; gap: 0.5rem; padding: 12px 16px; border-radius: 8px; }
      .card:hover { box-shadow: 0 2px 6px rgba(0, 0, 0, 0.15); }
    </style>
  </head>
  <body>
    <main id="app" class="container">
      <section class="card"><h2>Requests</h2><span data-count="42">42</span></section>
    </main>
  </body>
</html>
`,
  },
  {
    name: 'sql',
    kind: 'code',
    text: `SELECT c.id, c.name, COUNT(o.id) AS orders, SUM(o.total_cents) / 100.0 AS revenue
FROM customers AS c
LEFT JOIN orders AS o ON o.customer_id = c.id AND o.created_at >= DATE '2024-01-01'
WHERE c.deleted_at IS NULL
GROUP BY c.id, c.name
HAVING COUNT(o.id) > 3
ORDER BY revenue DESC
LIMIT 50;
`,
  },
  {
    name: 'json',
    kind: 'data',
    text: JSON.stringify(
      {
        name: 'zeke.nvim',
        version: '0.1.0',
        providers: { ollama: { endpoints: ['http://localhost:11434'], keep_alive: '5m' }, openai: { api_key: 'env:OPENAI_API_KEY', models: ['gpt-4.1-mini', 'o4-mini'] } },
        routing: { prefer: 'local', fallback: true, budgets: { daily_usd: 2.5, monthly_usd: 40 } },
        history: [
          { id: 1, ok: true, ttfb_ms: 312, tokens: 1450 },
          { id: 2, ok: false, error: 'overloaded', ttfb_ms: null, tokens: 0 },
        ],
      },
      null,
      2,
    ),
  },
  {
    name: 'json-minified',
    kind: 'data',
    text: JSON.stringify({ items: Array.from({ length: 12 }, (_, i) => ({ id: i, sku: `SKU-${1000 + i}`, price: 9.99 + i, tags: ['a', 'b'] })) }),
  },
  {
    name: 'yaml',
    kind: 'data',
    text: `name: ci
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [20, 22]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: \${{ matrix.node }}
          cache: npm
      - run: npm ci
      - run: npm test
`,
  },
  {
    name: 'prose-english',
    kind: 'prose',
    text: `The context packer decides what the model gets to see. It starts with the text the user selected,
because that is almost always what the question is about, and then adds the diagnostics that
fall inside it, the code around the cursor, and finally the files the user added by hand. When
everything does not fit, it trims the least important parts first and says so in the preview,
so that nobody is surprised by an answer that ignored half of a file. Secrets are never sent
unless the user explicitly asks for them; a stray .env file in the list of open buffers should
not end up in a request to a cloud provider.
`,
  },
  {
    name: 'prose-markdown',
    kind: 'prose',
    text: `# Installing

1. Install **Neovim 0.10** or newer and **Node.js 20**.
2. Add the plugin with your plugin manager, for example with lazy.nvim:

   \`\`\`lua
   { 'zeke/zeke.nvim', build = 'npm run build', opts = {} }
   \`\`\`

3. Run \`:checkhealth zeke\` — it tells you which providers were found and why others were not.

> **Note:** local models through Ollama need no API key; cloud providers read theirs from the
> environment (\`OPENAI_API_KEY\`, \`ANTHROPIC_API_KEY\`, …).

| Command | What it does |
|---|---|
| \`:ZekeChat\` | toggles the chat panel |
| \`:ZekeContext add\` | adds the current file to the context |
`,
  },
  {
    name: 'prose-french',
    kind: 'prose',
    text: `Le gestionnaire de contexte choisit ce que le modèle peut voir. Il commence par le texte
sélectionné, parce que c'est presque toujours le sujet de la question, puis il ajoute les
diagnostics, le code autour du curseur et enfin les fichiers ajoutés à la main. Quand tout ne
tient pas, il coupe d'abord les parties les moins importantes et l'indique dans l'aperçu.
`,
  },
  {
    name: 'code-comments',
    kind: 'prose',
    text: `// Retry policy for provider requests.
//
// A request is retried when the provider answered 429 or 5xx, or when the connection failed
// before the first byte of the answer. Nothing is retried once text has been streamed to the
// user: a retry would show the beginning of the answer twice.
//
// The delay doubles from 250 ms up to 4 s, with full jitter, and honours Retry-After when the
// provider sends one (capped at 30 s, beyond which we give up and route elsewhere).
export const RETRY = { baseMs: 250, maxMs: 4000, maxRetryAfterMs: 30_000, attempts: 4 } as const;
`,
  },
  {
    name: 'whitespace-heavy',
    kind: 'whitespace',
    text: `function    layout ( )   {


        if   ( a )   {
                        return        1 ;
        }



        return      2 ;
}
\t\t\tconst\tx\t=\t1;
\t\t\t\t
        
   x   y   z   w   
`,
  },
  {
    name: 'deeply-indented',
    kind: 'whitespace',
    text: Array.from({ length: 12 }, (_, i) => `${'    '.repeat(i)}if (level${i}) {`).join('\n') + '\n' + Array.from({ length: 12 }, (_, i) => `${'    '.repeat(11 - i)}}`).join('\n') + '\n',
  },
  {
    name: 'symbol-heavy',
    kind: 'code',
    text: `const re = /^(?:[a-z0-9!#$%&'*+/=?^_\`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_\`{|}~-]+)*)@(?:[a-z0-9-]+\\.)+[a-z]{2,}$/i;
x ??= y?.z ?? (a && b) || !c;  m[i][j] += (p << 2) >>> 1 ^ ~q;  f = (...args) => args.map(({ a, b: [c] }) => a + c);
=== !== <= >= => -> :: ... ** &&= ||= |> <| <=> ;;
`,
  },
  {
    name: 'diff',
    kind: 'code',
    text: `diff --git a/src/router/decide.ts b/src/router/decide.ts
index 3f2a1b4..8c9d0e1 100644
--- a/src/router/decide.ts
+++ b/src/router/decide.ts
@@ -41,7 +41,9 @@ export function decide(input: DecideInput): Decision {
   const candidates = input.catalog.filter((c) => c.available);
-  if (candidates.length === 0) return { ok: false, reason: 'no model available' };
+  if (candidates.length === 0) {
+    return { ok: false, reason: 'no model available', tried: input.catalog.map((c) => c.ref) };
+  }
   const scored = candidates.map((c) => score(c, input));
`,
  },
  {
    name: 'log-lines',
    kind: 'digits',
    text: `2024-05-02T10:15:32.118Z INFO  router decided ollama:qwen2.5-coder:7b (local, ttfb p50 312ms)
2024-05-02T10:15:32.431Z DEBUG provider ollama stream opened id=7f3a9c status=200
2024-05-02T10:15:33.902Z WARN  provider openai 429 Too Many Requests retry-after=2s attempt=1/4
2024-05-02T10:15:36.004Z ERROR chat request failed: ECONNRESET after 1.2 s (no text streamed)
`,
  },
  {
    name: 'identifiers-long',
    kind: 'long-identifiers',
    text: `const customerInvoiceAggregationService = createCustomerInvoiceAggregationService(repositoryFactory);
const internationalizationConfigurationManager = new InternationalizationConfigurationManager();
this.notificationDeliveryRetryScheduler.scheduleExponentialBackoffRetry(pendingNotificationDeliveries);
MAX_CONCURRENT_OUTBOUND_CONNECTIONS_PER_HOST = DEFAULT_MAX_CONCURRENT_OUTBOUND_CONNECTIONS_PER_HOST
`,
  },
  {
    name: 'hex-and-numbers',
    kind: 'digits',
    text: `sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
uuid 123e4567-e89b-12d3-a456-426614174000
values 3.14159265 2.71828182 1.41421356 1234567890 0xDEADBEEF 0b101101 1e-9 6.02214076e23
`,
  },
];

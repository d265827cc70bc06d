// The one schema for zeke.nvim's options: defaults, validation (host side here, Lua side
// through the generated lua/zeke/schema.lua) and the option list in doc/zeke.txt all come
// from it. `expected` labels are what error messages say a field should be.
import { z } from 'zod';

const url = z.url({ protocol: /^https?$/ }).meta({ expected: 'a URL (http:// or https://)' });

/** A secret: a literal value or `env:VAR`. Resolved in the host; never logged or shown. */
const secret = z.string().meta({ expected: 'a string (a key, or env:VAR to read it from the environment)' });

/** `provider:model`, split on the first colon (`ollama:deepseek-coder:14b`). */
export const modelRef = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+:.+$/)
  .meta({ expected: 'a model ref "provider:model" (e.g. "ollama:qwen2.5-coder:7b")', lua_pattern: '^[%w_.-]+:.+$' });

/** What a request is for: features set it, the router reads it. */
export const intents = ['completion', 'code', 'tests', 'refactor', 'regex', 'explain', 'reason', 'vision', 'general'] as const;

export const providerKinds = ['ollama', 'openai', 'openai-compatible', 'azure', 'anthropic', 'gemini'] as const;

/** The seeds' CSV form: `"http://a:11434,http://b:11434"`. */
export function isUrlCsv(value: string): boolean {
  const items = value.split(',').map((s) => s.trim());
  return items.length > 0 && items.every((item) => /^https?:\/\/[^\s,]+$/.test(item));
}

const endpointList = z
  .union([z.array(url).min(1), z.string().refine(isUrlCsv).meta({ format: 'url-csv' })])
  .meta({ expected: 'a list of URLs (or one comma-separated string of URLs)' });

export const providerSchema = z
  .object({
    kind: z.enum(providerKinds).optional().describe('Wire protocol. Implied for the providers zeke knows by name.'),
    enabled: z.boolean().optional().describe('Set to false to ignore this provider.'),
    base_url: url.optional().describe("The provider's API address (a proxy, gateway or local server works too)."),
    api_key: secret.optional().describe('The API key, or "env:VAR". Never logged or shown.'),
    endpoints: endpointList.optional().describe('Ollama only: one or several instances; the healthiest, fastest one is used.'),
    endpoint: url.optional().describe('Azure only: the resource address, e.g. https://NAME.openai.azure.com/'),
    api_version: z.string().optional().describe('Azure only: the api-version query parameter.'),
    deployments: z
      .record(z.string(), z.string())
      .optional()
      .meta({ expected: 'a table of model = "deployment name"' })
      .describe('Azure only: model name → deployment name.'),
    timeout_ms: z.number().int().positive().optional().meta({ expected: 'a positive whole number of milliseconds' }).describe('Request timeout.'),
    proxy: url.optional().describe('HTTP(S) proxy for this provider; otherwise HTTPS_PROXY/NO_PROXY apply.'),
    keep_alive: z.string().optional().describe('Ollama only: how long a model stays loaded, e.g. "30m".'),
    num_ctx: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Ollama only: the context length your server runs models with. zeke never plans a prompt larger than this (default 4096, Ollama\'s default) and, when set, sends it with every request.'),
    prices: z
      .record(
        z.string(),
        z
          .object({
            input: z.number().min(0).describe('USD per 1M input tokens.'),
            output: z.number().min(0).describe('USD per 1M output tokens.'),
            cached_input: z.number().min(0).optional().describe('USD per 1M input tokens served from the cache.'),
            cache_write: z.number().min(0).optional().describe('USD per 1M input tokens written to the cache (Anthropic).'),
          })
          .strict(),
      )
      .optional()
      .meta({ expected: 'a table of model = { input = USD, output = USD, cached_input = USD } per 1M tokens', key_name: 'model' })
      .describe('Price overrides per model, USD per 1M tokens (the built-in table is dated and prices change).'),
  })
  .strict();

export const configSchema = z
  .object({
    host: z
      .object({
        node: z.string().default('node').describe('The Node.js (>= 20.18.1) executable that runs the host.'),
        transport: z
          .enum(['job', 'rplugin'])
          .default('job')
          .describe('"job": zeke starts its own host (default). "rplugin": use Neovim\'s node provider (needs :UpdateRemotePlugins).'),
        start_delay_ms: z
          .number()
          .int()
          .min(-1)
          .default(300)
          .meta({ expected: 'a whole number of milliseconds (-1 to start only on first use)' })
          .describe('Start the host this long after UIEnter; it also starts on first InsertEnter or command. -1: only on first use.'),
        max_restarts: z.number().int().min(0).default(5).describe('Restarts (with backoff) after crashes before giving up until :ZekeRestart.'),
      })
      .strict()
      .default({ node: 'node', transport: 'job', start_delay_ms: 300, max_restarts: 5 }),
    log: z
      .object({
        level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log level of the log file.'),
        file: z.string().optional().describe("Log file; default stdpath('log')/zeke.log."),
      })
      .strict()
      .default({ level: 'info' }),
    config_file: z
      .union([z.string(), z.literal(false)])
      .optional()
      .meta({ expected: 'a path, or false' })
      .describe('The zeke.toml to read; default $XDG_CONFIG_HOME/zeke/zeke.toml. false: read none.'),
    api: z
      .object({
        mode: z
          .enum(['direct', 'omen', 'hybrid'])
          .default('direct')
          .describe('direct: zeke routes and calls providers itself. omen: every request goes to base_url (OMEN), falling back to direct providers when it fails. hybrid: rank providers by OMEN\'s /omen/providers/scores, call them directly.'),
        strategy: z.string().default('single').describe('The OMEN `omen.strategy` sent in omen mode.'),
        base_url: url.optional().describe('OMEN (or LiteLLM) OpenAI-compatible base URL, e.g. http://localhost:8080/v1'),
        api_key: secret.optional().describe('Key for base_url, or "env:VAR".'),
      })
      .strict()
      .default({ mode: 'direct', strategy: 'single' }),
    models: z
      .object({
        completion: z.string().default('code-fast').describe('Model for inline completion: an alias, a "provider:model" ref, or "auto".'),
        chat: z.string().default('auto').describe('Model for chat.'),
        edit: z.string().default('auto').describe('Model for edits.'),
      })
      .strict()
      .default({ completion: 'code-fast', chat: 'auto', edit: 'auto' })
      .describe('The model each feature uses by default (:ZekeModel changes them per project).'),
    routing: z
      .object({
        prefer_local_for: z
          .array(z.enum(intents))
          .default(['completion', 'code', 'tests', 'refactor', 'regex'])
          .describe('Intents that go to a local model when the context is small.'),
        local_max_input_tokens: z.number().int().positive().default(8000).describe('Above this many prompt tokens a job counts as large and may go to the cloud.'),
        escalate_ttfb_ms: z.number().int().positive().default(2000).describe('A local model slower than this to its first token is cancelled and the request goes to the cloud.'),
        escalate_output_tokens: z.number().int().positive().default(2000).describe('Jobs expected to write more than this go to the cloud.'),
        escalate_tool_calls: z.number().int().min(0).default(1).describe('Jobs needing more tool calls than this go to the cloud.'),
        sticky: z.boolean().default(true).describe('A chat stays on its provider until a rule is violated.'),
        weights: z
          .object({
            health: z.number().min(0).default(0.4).describe('Weight of health (answers at all, circuit breaker closed).'),
            latency: z.number().min(0).default(0.3).describe('Weight of speed (recent time to first token).'),
            cost: z.number().min(0).default(0.2).describe('Weight of price (local models are free).'),
            reliability: z.number().min(0).default(0.1).describe('Weight of the recent success rate.'),
          })
          .strict()
          .default({ health: 0.4, latency: 0.3, cost: 0.2, reliability: 0.1 })
          .describe('How candidates are scored: health 40 %, latency 30 %, cost 20 %, reliability 10 % by default.'),
        max_cloud_cost_cents: z.number().min(0).default(200).describe('Per-request cap for a cloud model, in US cents (estimated before the request).'),
        budget_daily_usd: z.number().min(0).optional().describe('Cloud spend cap per day, USD, shared by every Neovim of this user.'),
        budget_monthly_usd: z.number().min(0).optional().describe('Cloud spend cap per calendar month, USD.'),
        on_budget: z.enum(['local', 'refuse']).default('local').describe('When a cap would be broken: route to a local model, or refuse with a message.'),
      })
      .strict()
      .default({
        prefer_local_for: ['completion', 'code', 'tests', 'refactor', 'regex'],
        local_max_input_tokens: 8000,
        escalate_ttfb_ms: 2000,
        escalate_output_tokens: 2000,
        escalate_tool_calls: 1,
        sticky: true,
        weights: { health: 0.4, latency: 0.3, cost: 0.2, reliability: 0.1 },
        max_cloud_cost_cents: 200,
        on_budget: 'local',
      })
      .describe('The routing brain: local first, escalation, budgets.'),
    completion: z
      .object({
        enabled: z.boolean().default(true).describe('Inline completion (ghost text) on or off.'),
        auto_trigger: z.boolean().default(true).describe('Suggest as you type; off: only on the trigger key.'),
        filetypes: z
          .record(z.string(), z.boolean())
          .default({})
          .meta({ expected: 'a table of filetype = true/false' })
          .describe('Per-filetype switch; "*" is the default for the others, e.g. { markdown = false, ["*"] = true }.'),
        debounce_ms: z
          .union([z.literal('adaptive'), z.number().int().min(0)])
          .default('adaptive')
          .meta({ expected: '"adaptive" or a whole number of milliseconds' })
          .describe('Wait after a keystroke before asking: "adaptive" learns from your typing speed and the model\'s latency (bounded 15–300 ms); a number fixes it (0 = ask at once, the stale request is cancelled).'),
        max_file_kb: z.number().int().positive().default(1024).describe('No suggestions in buffers larger than this (KB).'),
        secret_files: z
          .array(z.string())
          .default(['.env', '.env.*', '*.pem', '*.key', 'id_rsa', 'id_rsa*', 'id_ed25519*', 'id_ecdsa*', '*.p12', '*.pfx', 'credentials*', '.netrc', '*.kdbx'])
          .describe('File name patterns (glob) never sent to a model for completion.'),
        allow_secret_files: z.boolean().default(false).describe('Also suggest in files matching secret_files.'),
        hide_with_menu: z.boolean().default(true).describe('Hide the suggestion while a completion menu (nvim-cmp, blink.cmp, built-in) is open.'),
        prefetch: z.boolean().default(true).describe('After a suggestion is shown, fetch its continuation as if it were accepted.'),
        max_tokens: z.number().int().positive().default(128).describe('Longest suggestion, in tokens.'),
        lines_before: z.number().int().min(0).default(200).describe('Lines before the cursor sent as context (trimmed to the model window).'),
        lines_after: z.number().int().min(0).default(60).describe('Lines after the cursor sent as context.'),
        other_buffers: z.boolean().default(true).describe('Add snippets of other open buffers of the same filetype as context.'),
        slow_warning_ms: z.number().int().positive().default(1500).describe('Say once when the completion model\'s median latency is above this.'),
        keymaps: z
          .object({
            accept: z.union([z.string(), z.literal(false)]).default('<Tab>').describe('Accept the whole suggestion (falls back to your own <Tab> when none is shown).'),
            accept_word: z.union([z.string(), z.literal(false)]).default('<M-Right>').describe('Accept the next word.'),
            accept_line: z.union([z.string(), z.literal(false)]).default('<M-Down>').describe('Accept the rest of the line.'),
            next: z.union([z.string(), z.literal(false)]).default('<M-]>').describe('Next suggestion.'),
            prev: z.union([z.string(), z.literal(false)]).default('<M-[>').describe('Previous suggestion.'),
            dismiss: z.union([z.string(), z.literal(false)]).default('<C-]>').describe('Dismiss the suggestion.'),
            trigger: z.union([z.string(), z.literal(false)]).default('<M-\\>').describe('Ask for a suggestion now.'),
          })
          .strict()
          .default({ accept: '<Tab>', accept_word: '<M-Right>', accept_line: '<M-Down>', next: '<M-]>', prev: '<M-[>', dismiss: '<C-]>', trigger: '<M-\\>' })
          .describe('Insert-mode keys; false disables one. Each also exists as a <Plug>(zeke-…) mapping.'),
      })
      .strict()
      .default({
        enabled: true,
        auto_trigger: true,
        filetypes: {},
        debounce_ms: 'adaptive',
        max_file_kb: 1024,
        secret_files: ['.env', '.env.*', '*.pem', '*.key', 'id_rsa', 'id_rsa*', 'id_ed25519*', 'id_ecdsa*', '*.p12', '*.pfx', 'credentials*', '.netrc', '*.kdbx'],
        allow_secret_files: false,
        hide_with_menu: true,
        prefetch: true,
        max_tokens: 128,
        lines_before: 200,
        lines_after: 60,
        other_buffers: true,
        slow_warning_ms: 1500,
        keymaps: { accept: '<Tab>', accept_word: '<M-Right>', accept_line: '<M-Down>', next: '<M-]>', prev: '<M-[>', dismiss: '<C-]>', trigger: '<M-\\>' },
      })
      .describe('Inline completion (ghost text).'),
    chat: z
      .object({
        layout: z.enum(['right', 'left', 'bottom', 'float']).default('right').describe('Where the chat opens: a split (right, left, bottom) or a floating window.'),
        size: z.number().positive().default(0.4).describe('Width (or height for bottom) of the split: a fraction of the editor below 1, else columns/lines.'),
        send_key: z.string().default('<C-s>').describe('Insert-mode key in the chat input that sends (<CR> sends in normal mode).'),
        stop_key: z.string().default('<C-c>').describe('Stops the answer being written (normal and insert mode in the chat).'),
        history: z.boolean().default(true).describe('Keep the conversation per project across restarts.'),
        max_turns: z.number().int().positive().default(20).describe('Earlier turns sent with a new message (trimmed to the model window).'),
        keymaps: z
          .object({
            toggle: z.union([z.string(), z.literal(false)]).default('<leader>zc').describe('Open or close the chat (normal mode; in visual mode the selection is sent as context).'),
            explain: z.union([z.string(), z.literal(false)]).default('<leader>ze').describe('Visual/normal: /explain the selection.'),
            fix: z.union([z.string(), z.literal(false)]).default('<leader>zf').describe('Visual/normal: /fix the selection (with its diagnostics).'),
            test: z.union([z.string(), z.literal(false)]).default('<leader>zt').describe('Visual/normal: /test — write tests for the selection.'),
            doc: z.union([z.string(), z.literal(false)]).default('<leader>zd').describe('Visual/normal: /doc — document the selection.'),
          })
          .strict()
          .default({ toggle: '<leader>zc', explain: '<leader>ze', fix: '<leader>zf', test: '<leader>zt', doc: '<leader>zd' })
          .describe('Chat keys; false disables one.'),
      })
      .strict()
      .default({
        layout: 'right',
        size: 0.4,
        send_key: '<C-s>',
        stop_key: '<C-c>',
        history: true,
        max_turns: 20,
        keymaps: { toggle: '<leader>zc', explain: '<leader>ze', fix: '<leader>zf', test: '<leader>zt', doc: '<leader>zd' },
      })
      .describe('The chat panel.'),
    edit: z
      .object({
        preview: z.enum(['inline', 'split']).default('inline').describe('inline: deleted lines highlighted and added lines shown below them in the buffer; split: a side-by-side diff.'),
        keymaps: z
          .object({
            next: z.union([z.string(), z.literal(false)]).default(']h').describe('Next hunk.'),
            prev: z.union([z.string(), z.literal(false)]).default('[h').describe('Previous hunk.'),
            accept: z.union([z.string(), z.literal(false)]).default('<leader>ha').describe('Accept the hunk under the cursor.'),
            reject: z.union([z.string(), z.literal(false)]).default('<leader>hr').describe('Reject the hunk under the cursor.'),
            accept_all: z.union([z.string(), z.literal(false)]).default('<leader>hA').describe('Accept every hunk.'),
            reject_all: z.union([z.string(), z.literal(false)]).default('<leader>hR').describe('Reject every hunk (the buffer stays as it was).'),
          })
          .strict()
          .default({ next: ']h', prev: '[h', accept: '<leader>ha', reject: '<leader>hr', accept_all: '<leader>hA', reject_all: '<leader>hR' })
          .describe('Buffer-local keys while a proposal is pending; false disables one.'),
      })
      .strict()
      .default({ preview: 'inline', keymaps: { next: ']h', prev: '[h', accept: '<leader>ha', reject: '<leader>hr', accept_all: '<leader>hA', reject_all: '<leader>hR' } })
      .describe('Edits with a diff preview (:ZekeEdit, applying a chat code block).'),
    context: z
      .object({
        lines_around: z.number().int().min(0).default(40).describe('Lines around the cursor sent when there is no selection.'),
        instructions: z.array(z.string()).default(['.zeke.md']).describe('Project instruction files (at the project root) always sent first.'),
        diagnostics: z.boolean().default(true).describe('Send the diagnostics of the selection (or cursor region).'),
        budget_tokens: z.number().int().positive().default(8000).describe('Context budget when the model window is unknown (else a share of the window).'),
      })
      .strict()
      .default({ lines_around: 40, instructions: ['.zeke.md'], diagnostics: true, budget_tokens: 8000 })
      .describe('What chat and quick actions send as context.'),
    stats: z
      .object({
        file: z.string().optional().describe("SQLite file for stats and the budget ledger; default stdpath('data')/zeke/zeke.db."),
      })
      .strict()
      .default({}),
    aliases: z
      .record(z.string(), z.union([modelRef, z.array(modelRef).min(1)]))
      .optional()
      .meta({ expected: 'a table of alias = "provider:model" or a list of them' })
      .describe('Model aliases; a list is a fallback chain. Merged over the defaults.'),
    providers: z
      .record(z.string(), providerSchema)
      .optional()
      .meta({ expected: 'a table of provider name = { options }', key_name: 'name' })
      .describe('Providers by name: ollama, openai, azure, anthropic, gemini, xai, deepseek, mistral, or any name with kind = "openai-compatible".'),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ProviderOptions = z.output<typeof providerSchema>;

/** The aliases of the user's seeds: fast local code models, a cloud model for harder work. */
export const defaultAliases: Record<string, string | string[]> = {
  'code-fast': 'ollama:deepseek-coder:14b',
  'code-plus': 'ollama:deepseek-coder:33b',
  'code-smart': ['openai:gpt-4o-mini', 'azure:gpt-4o-mini'],
  'reason-deep': 'anthropic:claude-sonnet-4-5',
  local: 'ollama:llama3.1:8b',
};

/** JSON Schema of the input side (what a user may write), with the `expected` labels. */
export function configJsonSchema(): JsonSchema {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  default?: unknown;
  description?: string;
  expected?: string;
  /** The same check as `pattern`, as a Lua pattern, for lua/zeke/config.lua. */
  lua_pattern?: string;
  /** What the keys of a table-of-tables are, for the docs (`providers.<name>`). */
  key_name?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  required?: string[];
}

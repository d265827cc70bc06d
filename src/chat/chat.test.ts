import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { ErrorCode, ZekeError } from '../core/errors.js';
import type { ParamsOf } from '../protocol.js';
import type { StreamPart } from '../provider/index.js';
import type { GenerateParams, GenerateResult, RouterService } from '../router/service.js';
import type { Candidate } from '../router/types.js';
import { silentLog } from '../completion/test-support.js';
import { estimateTokens } from '../completion/tokens.js';
import { ACTION_PROMPTS, SYSTEM_PROMPT, createChatService } from './index.js';
import { chatFile, MAX_TURNS_KEPT } from './store.js';

type Send = ParamsOf<'chat.send'>;
type Script = { text?: string[]; fail?: Error; hang?: boolean };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'zeke-chat-'));
  dirs.push(d);
  return d;
};

/** A router that records what it gets and streams scripted parts (one script per call, the last repeats). */
function stubRouter(scripts: Script[] = [{ text: ['Hello', ' there'] }], catalog: Partial<Candidate>[] = []) {
  const calls: { p: GenerateParams; parts: StreamPart[] }[] = [];
  const router = {
    featureModel: () => 'auto',
    catalog: () => catalog.map((c) => ({ ref: 'x:y', provider: 'x', model: 'y', local: false, ...c })),
    async generate(p: GenerateParams, signal: AbortSignal, onPart: (part: StreamPart) => void): Promise<GenerateResult> {
      const script = scripts[Math.min(calls.length, scripts.length - 1)]!;
      const call = { p, parts: [] as StreamPart[] };
      calls.push(call);
      const emit = (part: StreamPart) => {
        call.parts.push(part);
        onPart(part);
      };
      emit({ type: 'response-metadata', status: 200, ttfbMs: 7 });
      for (const t of script.text ?? []) emit({ type: 'text-delta', text: t });
      if (script.hang)
        await new Promise<void>((_, reject) => {
          const stop = () => reject(new ZekeError(ErrorCode.Cancelled, 'cancelled'));
          if (signal.aborted) stop();
          else signal.addEventListener('abort', stop, { once: true });
        });
      if (script.fail) throw script.fail;
      const usage = { inputTokens: 120, outputTokens: 8 };
      emit({ type: 'finish', reason: 'stop', usage });
      return {
        provider: 'stub',
        model: 'smart',
        text: (script.text ?? []).join(''),
        tool_calls: [],
        finish_reason: 'stop',
        usage,
        cost: { usd: 0.0012 },
        ttfb_ms: 7,
        duration_ms: 42,
        route: { requested: p.model ?? 'auto', ref: 'stub:smart', provider: 'stub', model: 'smart', local: false, rule: 'best score', escalated: false, via_omen: false, fallbacks_tried: [] },
      };
    },
  };
  return { router: router as unknown as RouterService, calls };
}

function setup(o: { options?: Record<string, unknown>; scripts?: Script[]; catalog?: Partial<Candidate>[]; dataDir?: string } = {}) {
  const dataDir = o.dataDir ?? tmp();
  const project = tmp();
  const cfg = resolveConfig({ config_file: false, ...o.options }, {});
  const { router, calls } = stubRouter(o.scripts, o.catalog);
  const chat = createChatService({ cfg, router, log: silentLog, dataDir });
  return { chat, calls, project, dataDir, cfg, router };
}

const never = new AbortController().signal;
const ctx = (c: Partial<Send['context']> = {}): Send['context'] => ({ diagnostics: [], files: [], buffers: [], ...c });
const send = (project: string, o: Partial<Send> = {}): Send => ({ project, message: '', context: ctx(), ...o });
const lastUser = (p: GenerateParams) => p.messages[p.messages.length - 1]!;

const SELECTION = 'function add(a, b) {\n  return a - b;\n}';
const withSelection = ctx({
  path: 'src/math.ts',
  filetype: 'typescript',
  selection: { text: SELECTION, start_line: 10, end_line: 12 },
  diagnostics: [{ line: 11, severity: 'error', message: 'suspicious subtraction', source: 'lint' }],
});

describe('chat service: messages', () => {
  it('explain: system prompt, context block (the selection exactly) before the instruction, intent explain', async () => {
    const { chat, calls, project } = setup();
    const parts: StreamPart[] = [];
    const res = await chat.send(send(project, { action: 'explain', context: withSelection }), never, (p) => parts.push(p));
    const p = calls[0]!.p;
    expect(p).toMatchObject({ feature: 'chat', intent: 'explain', project, session: res.session, scope: `chat:${res.session}` });
    expect(p.messages[0]).toEqual({ role: 'system', content: SYSTEM_PROMPT });
    expect(SYSTEM_PROMPT).toMatch(/expert coding assistant/);
    expect(SYSTEM_PROMPT).toMatch(/fenced code blocks tagged with the language/);
    expect(p.messages).toHaveLength(2);
    const user = lastUser(p).content;
    expect(user).toContain('### Selection: src/math.ts (typescript), lines 10-12\n```typescript\n' + SELECTION + '\n```');
    expect(user.endsWith(`\n\n${ACTION_PROMPTS.explain}`)).toBe(true);
    expect(user.indexOf('### Selection')).toBe(0);
    // Every part reached the caller.
    expect(parts).toEqual(calls[0]!.parts);
    expect(res).toMatchObject({ session: res.session, text: 'Hello there', usage: { inputTokens: 120, outputTokens: 8 }, cost: { usd: 0.0012 }, ttfb_ms: 7, duration_ms: 42 });
    expect(res.route.rule).toBe('best score');
    expect(res.context.budget).toBe(8000);
    expect(res.context.preview.at(-1)).toMatch(/^total \d+ of 8000 tokens/);
  });

  it('fix sends the diagnostics even when context.diagnostics is off; intents per action', async () => {
    const { chat, calls, project } = setup({ options: { context: { diagnostics: false } } });
    await chat.send(send(project, { action: 'fix', context: withSelection }), never, () => {});
    await chat.send(send(project, { action: 'test', context: withSelection }), never, () => {});
    await chat.send(send(project, { action: 'doc', context: withSelection }), never, () => {});
    await chat.send(send(project, { message: 'why?', context: withSelection }), never, () => {});
    await chat.send(send(project, { message: 'hi' }), never, () => {});
    expect(calls.map((c) => c.p.intent)).toEqual(['code', 'tests', 'code', 'code', 'general']);
    const fix = lastUser(calls[0]!.p).content;
    expect(fix).toContain('suspicious subtraction');
    expect(fix.endsWith(ACTION_PROMPTS.fix)).toBe(true);
    expect(ACTION_PROMPTS.fix).toMatch(/corrected code/);
    expect(lastUser(calls[1]!.p).content).not.toContain('suspicious subtraction');
    expect(ACTION_PROMPTS.test).toMatch(/vitest\/jest\/pytest\/go test\/busted/);
    expect(lastUser(calls[2]!.p).content.endsWith(ACTION_PROMPTS.doc)).toBe(true);
    // A free message is the request as is; an action's message follows the instruction.
    expect(lastUser(calls[4]!.p).content).toBe('hi');
    await chat.send(send(project, { action: 'explain', message: 'focus on the loop', context: withSelection }), never, () => {});
    expect(lastUser(calls[5]!.p).content.endsWith(`${ACTION_PROMPTS.explain}\n\nfocus on the loop`)).toBe(true);
  });

  it('earlier turns: whole exchanges, at most chat.max_turns messages, without their context', async () => {
    const { chat, calls, project } = setup({ options: { chat: { max_turns: 4 } }, scripts: [{ text: ['a1'] }, { text: ['a2'] }, { text: ['a3'] }, { text: ['a4'] }] });
    await chat.send(send(project, { message: 'q1' }), never, () => {});
    await chat.send(send(project, { message: 'q2', context: withSelection }), never, () => {});
    await chat.send(send(project, { message: 'q3' }), never, () => {});
    await chat.send(send(project, { message: 'q4' }), never, () => {});
    expect(calls[3]!.p.messages.map((m) => `${m.role}:${m.content}`)).toEqual([`system:${SYSTEM_PROMPT}`, 'user:q2', 'assistant:a2', 'user:q3', 'assistant:a3', 'user:q4']);
    expect(calls[1]!.p.messages.map((m) => m.content).slice(1, 3)).toEqual(['q1', 'a1']);
  });

  it('earlier turns are trimmed oldest first to a share of the model window; the context budget is 40 % of it', async () => {
    const long = Array.from({ length: 300 }, (_, i) => `w${(i * 7919) % 10007}`).join(' ');
    // A window whose 30 % holds one exchange but not two.
    const exchange = estimateTokens(long) + estimateTokens('q1') + 8;
    const window = Math.ceil((exchange * 1.5) / 0.3);
    const { chat, calls, project } = setup({
      catalog: [{ ref: 'stub:small', provider: 'stub', model: 'small', contextWindow: window }],
      scripts: [{ text: [long] }, { text: [long] }, { text: ['short'] }],
    });
    await chat.send(send(project, { message: 'q1', model: 'stub:small' }), never, () => {});
    await chat.send(send(project, { message: 'q2', model: 'stub:small' }), never, () => {});
    const res = await chat.send(send(project, { message: 'q3', model: 'stub:small' }), never, () => {});
    // 30 % of the window for history: only the last exchange fits.
    expect(calls[2]!.p.messages.map((m) => m.content.slice(0, 2))).toEqual([SYSTEM_PROMPT.slice(0, 2), 'q2', 'w0', 'q3']);
    expect(calls[2]!.p.model).toBe('stub:small');
    expect(res.context.budget).toBe(Math.floor(window * 0.4));
  });
});

describe('chat service: sessions and history', () => {
  it('persists history and restores it in a new service instance; newSession starts over', async () => {
    const a = setup();
    const first = await a.chat.send(send(a.project, { action: 'explain', context: withSelection }), never, () => {});
    const file = chatFile(join(a.dataDir, 'zeke', 'chats'), a.project);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored).toMatchObject({ version: 1, project: a.project, current: first.session });
    expect(readdirSync(join(a.dataDir, 'zeke', 'chats')).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Restart: the same data dir, a new service.
    const b = setup({ dataDir: a.dataDir });
    const h = await b.chat.history(a.project);
    expect(h.session).toBe(first.session);
    expect(h.turns.map((t) => t.role)).toEqual(['user', 'assistant']);
    expect(h.turns[0]).toMatchObject({ content: ACTION_PROMPTS.explain, meta: { action: 'explain', context: { budget: 8000, path: 'src/math.ts', selection: { start_line: 10, end_line: 12 } } } });
    expect(h.turns[1]).toMatchObject({
      content: 'Hello there',
      meta: { model: 'smart', provider: 'stub', rule: 'best score', local: false, escalated: false, tokens_in: 120, tokens_out: 8, cost_usd: 0.0012, ttfb_ms: 7, duration_ms: 42 },
    });
    // The restored turns are sent with the next message (to the same project dir).
    await b.chat.send(send(a.project, { message: 'and then?' }), never, () => {});
    expect(b.calls[0]!.p.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(b.calls[0]!.p.session).toBe(first.session);

    const fresh = await b.chat.newSession(a.project);
    expect(fresh.session).not.toBe(first.session);
    expect(await b.chat.history(a.project)).toEqual({ session: fresh.session, turns: [] });
    await b.chat.send(send(a.project, { message: 'new topic' }), never, () => {});
    expect(b.calls[1]!.p.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(b.calls[1]!.p.session).toBe(fresh.session);
    // The old conversation is still there by id.
    expect((await b.chat.history(a.project, first.session)).turns).toHaveLength(4);
  });

  it('a corrupt history file: starts over and is moved aside', async () => {
    const dataDir = tmp();
    const a = setup({ dataDir });
    const file = chatFile(join(dataDir, 'zeke', 'chats'), a.project);
    mkdirSync(join(dataDir, 'zeke', 'chats'), { recursive: true });
    writeFileSync(file, '{"version":1,"sessions":[{"id":');
    const h = await a.chat.history(a.project);
    expect(h.turns).toEqual([]);
    expect(readFileSync(`${file}.corrupt`, 'utf8')).toContain('"sessions"');
    await a.chat.send(send(a.project, { message: 'hi' }), never, () => {});
    expect(JSON.parse(readFileSync(file, 'utf8')).sessions[0].turns).toHaveLength(2);
  });

  it('chat.history = false keeps conversations in memory only', async () => {
    const a = setup({ options: { chat: { history: false } } });
    await a.chat.send(send(a.project, { message: 'hi' }), never, () => {});
    expect((await a.chat.history(a.project)).turns).toHaveLength(2);
    expect(() => readdirSync(join(a.dataDir, 'zeke', 'chats'))).toThrow();
  });

  it('keeps at most the last turns per session', async () => {
    const a = setup();
    const file = chatFile(join(a.dataDir, 'zeke', 'chats'), a.project);
    mkdirSync(join(a.dataDir, 'zeke', 'chats'), { recursive: true });
    const turns = Array.from({ length: MAX_TURNS_KEPT }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `t${i}`, at: i }));
    writeFileSync(file, JSON.stringify({ version: 1, project: a.project, current: 's1', sessions: [{ id: 's1', created: 0, updated: 0, turns }] }));
    await a.chat.send(send(a.project, { message: 'hi' }), never, () => {});
    const saved = JSON.parse(readFileSync(file, 'utf8')).sessions[0].turns;
    expect(saved).toHaveLength(MAX_TURNS_KEPT);
    expect(saved[0].content).toBe('t2');
    expect(saved.at(-1).content).toBe('Hello there');
  });

  it('a cancelled send keeps the partial answer, marked stopped', async () => {
    const a = setup({ scripts: [{ text: ['Partial', ' answer'], hang: true }] });
    const ac = new AbortController();
    const parts: StreamPart[] = [];
    const pending = a.chat.send(send(a.project, { message: 'long one' }), ac.signal, (p) => {
      parts.push(p);
      if (parts.length === 3) ac.abort();
    });
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    const h = await a.chat.history(a.project);
    expect(h.turns.at(-1)).toMatchObject({ role: 'assistant', content: 'Partial answer', meta: { stopped: true } });
    // Restart: still there.
    const b = setup({ dataDir: a.dataDir });
    expect((await b.chat.history(a.project)).turns.at(-1)).toMatchObject({ content: 'Partial answer', meta: { stopped: true } });
  });

  it('a failed send stores a readable error turn and still throws; failed exchanges are not re-sent', async () => {
    const a = setup({ scripts: [{ fail: new ZekeError(ErrorCode.Auth, 'openai: 401 invalid api key', { provider: 'openai' }) }, { text: ['ok'] }] });
    await expect(a.chat.send(send(a.project, { message: 'hi' }), never, () => {})).rejects.toMatchObject({ code: 'auth' });
    const h = await a.chat.history(a.project);
    expect(h.turns.at(-1)).toMatchObject({
      role: 'assistant',
      content: '**Error** — the provider rejected the key (check its api_key setting): openai: 401 invalid api key',
      meta: { error: { code: 'auth', message: 'openai: 401 invalid api key' }, provider: 'openai' },
    });
    await a.chat.send(send(a.project, { message: 'again' }), never, () => {});
    expect(a.calls[1]!.p.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('an empty message without an action is refused', async () => {
    const a = setup();
    await expect(a.chat.send(send(a.project, { message: '  ' }), never, () => {})).rejects.toMatchObject({ code: 'invalid_params' });
    expect(a.calls).toHaveLength(0);
  });
});

describe('chat service: context', () => {
  it('added files are read from disk; unreadable ones are reported in the preview', async () => {
    const a = setup();
    mkdirSync(join(a.project, 'lib'));
    writeFileSync(join(a.project, 'lib', 'util.ts'), 'export const answer = 42;\n');
    const context = ctx({ files: [{ path: 'lib/util.ts' }, { path: join(a.project, 'missing.ts') }] });
    const res = await a.chat.send(send(a.project, { message: 'use it', context }), never, () => {});
    expect(lastUser(a.calls[0]!.p).content).toContain('export const answer = 42;');
    expect(res.context.preview.some((l) => /^file\s+lib\/util\.ts\s+\d+ tokens\s+included/.test(l))).toBe(true);
    expect(res.context.preview.some((l) => /^file\s+missing\.ts\s+—\s+dropped: unreadable: no such file/.test(l))).toBe(true);
    const pv = await a.chat.preview(a.project, context);
    expect(pv.budget).toBe(8000);
    expect(pv.tokens).toBeGreaterThan(0);
    expect(pv.lines).toEqual(res.context.preview);
  });

  it('a secret file among the buffers is left out; an explicitly added one is sent', async () => {
    const a = setup();
    writeFileSync(join(a.project, '.env'), 'API_KEY=explicit-secret\n');
    const res = await a.chat.send(
      send(a.project, { message: 'check', context: ctx({ buffers: [{ path: 'config/.env', text: 'API_KEY=buffer-secret' }, { path: 'a.ts', text: 'const a = 1;' }], files: [{ path: '.env' }] }) }),
      never,
      () => {},
    );
    const user = lastUser(a.calls[0]!.p).content;
    expect(user).toContain('API_KEY=explicit-secret');
    expect(user).not.toContain('buffer-secret');
    expect(user).toContain('const a = 1;');
    expect(res.context.preview.some((l) => l.includes('config/.env') && l.includes('dropped'))).toBe(true);
  });

  it('the project instruction file comes first in the context block', async () => {
    const a = setup();
    writeFileSync(join(a.project, '.zeke.md'), 'Use tabs. Never use any.\n');
    await a.chat.send(send(a.project, { action: 'doc', context: withSelection }), never, () => {});
    const user = lastUser(a.calls[0]!.p).content;
    const at = user.indexOf('Use tabs. Never use any.');
    expect(at).toBeGreaterThan(-1);
    expect(at).toBeLessThan(user.indexOf('### Selection'));
    expect(user.slice(0, at)).not.toContain('```typescript');
  });
});

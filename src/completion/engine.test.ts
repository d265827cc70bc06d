import { describe, expect, it } from 'vitest';
import { createCompletionEngine } from './index.js';
import type { ParamsOf } from '../protocol.js';
import { silentLog, stubClient, stubRegistry, stubRouter, testConfig } from './test-support.js';

type P = ParamsOf<'complete'>;
const params = (o: Partial<P> = {}): P => ({ scope: 'buf:1', filetype: 'typescript', prefix: 'const x = ', suffix: '', context: [], variant: 0, prefetch: false, ...o });
const never = new AbortController().signal;

function setup(o: { client?: ReturnType<typeof stubClient>; completion?: Record<string, unknown>; refuseFim?: boolean; candidate?: object } = {}) {
  const client = o.client ?? stubClient({ answer: () => ['compute', '(input);'] });
  const { router, calls } = stubRouter(o.candidate, { refuseFim: o.refuseFim });
  const engine = createCompletionEngine({ cfg: testConfig(o.completion), router, registry: stubRegistry(client), log: silentLog });
  return { engine, client, calls };
}

describe('completion engine', () => {
  it('routes completion with needs.fim, direct, and streams the post-processed suggestion as it grows', async () => {
    const { engine, client, calls } = setup();
    const progress: string[] = [];
    const res = await engine.complete(params(), never, (v) => progress.push(v.text));
    expect(res).toMatchObject({ text: 'compute(input);', cached: false, provider: 'stub', model: 'coder', ttfb_ms: 5 });
    expect(progress).toEqual(['compute', 'compute(input);']);
    expect(calls[0]!.p).toMatchObject({ feature: 'completion', scope: 'buf:1', max_tokens: 128 });
    expect(calls[0]!.hints).toEqual({ intent: 'completion', needs: { fim: true } });
    expect(client.fims[0]).toMatchObject({ model: 'coder', prefix: 'const x = ', suffix: '', maxTokens: 128, temperature: 0 });
  });

  it('variants are sampled warmer: 0.2 + 0.2·k', async () => {
    const { engine, client } = setup();
    for (const variant of [0, 1, 2, 3]) await engine.complete(params({ variant, prefix: `v${variant} = ` }), never, () => {});
    expect(client.fims.map((f) => f.temperature)).toEqual([0, 0.4, 0.6, 0.8]);
  });

  it('mid-line: one line is asked for (stop at the line end, with the family\'s own stops)', async () => {
    const { engine, client } = setup({ candidate: { model: 'qwen2.5-coder:1.5b' } });
    await engine.complete(params({ prefix: 'foo(', suffix: ')\n' }), never, () => {});
    expect(client.fims[0]!.stop).toContain('\n');
    expect(client.fims[0]!.stop).toContain('<|endoftext|>');
  });

  it('cache: the same context again is served with no request', async () => {
    const { engine, client } = setup();
    await engine.complete(params(), never, () => {});
    const progress: string[] = [];
    const res = await engine.complete(params(), never, (v) => progress.push(v.text));
    expect(res).toMatchObject({ text: 'compute(input);', cached: true, provider: 'stub', model: 'coder' });
    expect(progress).toEqual(['compute(input);']);
    expect(client.fims).toHaveLength(1);
  });

  it('look-back: typing into the suggestion gives the rest with no request; typing something else asks', async () => {
    const { engine, client } = setup();
    await engine.complete(params(), never, () => {});
    const typed = await engine.complete(params({ prefix: 'const x = comp' }), never, () => {});
    expect(typed).toMatchObject({ text: 'ute(input);', cached: true });
    expect(client.fims).toHaveLength(1);
    const other = await engine.complete(params({ prefix: 'const x = foo' }), never, () => {});
    expect(other.cached).toBe(false);
    expect(client.fims).toHaveLength(2);
  });

  it('forward keys: after accepting the first line of a multi-line suggestion the rest is cached', async () => {
    const client = stubClient({ answer: () => ['\n  a();\n  b();\n}'] });
    const { engine } = setup({ client });
    const prefix = 'function f() {' + '\n// filler line'.repeat(20).replace(/^/, '');
    const first = await engine.complete(params({ prefix: 'function f() {', suffix: '' }), never, () => {});
    expect(first.text).toBe('\n  a();\n  b();\n}');
    const rest = await engine.complete(params({ prefix: 'function f() {\n  a();\n  ', suffix: '' }), never, () => {});
    expect(rest).toMatchObject({ text: 'b();\n}', cached: true });
    expect(client.fims).toHaveLength(1);
    expect(prefix.length).toBeGreaterThan(0);
  });

  it('one request in flight per scope: a new one aborts the previous at its signal', async () => {
    const aborted: string[] = [];
    const client = stubClient({
      answer: (prefix) => [prefix.endsWith('a') ? 'AAA' : 'BBB'],
      gate: (signal) =>
        new Promise((resolve, reject) => {
          if (signal.aborted) {
            aborted.push('before');
            return reject(signal.reason);
          }
          setTimeout(resolve, 50);
          signal.addEventListener('abort', () => {
            aborted.push('yes');
            reject(signal.reason);
          });
        }),
    });
    const { engine } = setup({ client });
    const first = engine.complete(params({ prefix: 'let a' }), never, () => {});
    await new Promise((r) => setTimeout(r, 5)); // the first is waiting on its response
    const second = engine.complete(params({ prefix: 'let b' }), never, () => {});
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    await expect(second).resolves.toMatchObject({ text: 'BBB' });
    expect(aborted).toEqual(['yes']);
    // another scope is left alone
    const c = engine.complete(params({ scope: 'buf:2', prefix: 'let c' }), never, () => {});
    const d = engine.complete(params({ scope: 'buf:3', prefix: 'let d' }), never, () => {});
    await expect(Promise.all([c, d])).resolves.toHaveLength(2);
  });

  it('the caller\'s own signal aborts the request', async () => {
    const client = stubClient({ gate: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))) });
    const { engine } = setup({ client });
    const ac = new AbortController();
    const p = engine.complete(params(), ac.signal, () => {});
    setTimeout(() => ac.abort(), 5);
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('prefetch: fills the cache; never started while a real request runs; a real request for another context cancels it; one for its context joins it', async () => {
    let release!: () => void;
    const client = stubClient({
      answer: (prefix) => [`<${prefix.slice(-1)}>`],
      gate: (signal) => new Promise((resolve, reject) => {
        release = resolve;
        signal.addEventListener('abort', () => reject(signal.reason));
      }),
    });
    const { engine } = setup({ client });
    // a real request runs: a prefetch is not started
    const real = engine.complete(params({ prefix: 'r = 1' }), never, () => {});
    await new Promise((r) => setTimeout(r, 1));
    expect(await engine.complete(params({ prefix: 'r = 2', prefetch: true }), never, () => {})).toEqual({ text: '', cached: false, duration_ms: expect.any(Number) });
    release();
    await real;
    expect(client.fims).toHaveLength(1);

    // a prefetch runs; a real request for another context cancels it
    const pre = engine.complete(params({ prefix: 'p = 3', prefetch: true }), never, () => {});
    await new Promise((r) => setTimeout(r, 1));
    const other = engine.complete(params({ prefix: 'q = 4' }), never, () => {});
    await expect(pre).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((r) => setTimeout(r, 1));
    release();
    await other;

    // a prefetch runs; the real request for its very context joins it (no second request)
    const pre2 = engine.complete(params({ prefix: 'j = 5', prefetch: true }), never, () => {});
    await new Promise((r) => setTimeout(r, 1));
    const n = client.fims.length;
    const joined = engine.complete(params({ prefix: 'j = 5' }), never, () => {});
    release();
    await expect(joined).resolves.toMatchObject({ text: '<5>', cached: false });
    await expect(pre2).resolves.toMatchObject({ text: '<5>' });
    expect(client.fims).toHaveLength(n);
    // and it is cached
    await expect(engine.complete(params({ prefix: 'j = 5' }), never, () => {})).resolves.toMatchObject({ cached: true, text: '<5>' });
  });

  it('chat-only models get the hole-filler chat prompt; fences and think tags are stripped', async () => {
    const client = stubClient({ fim: false, answer: () => ['<think>\nok\n</think>\n', '```ts\n', 'compute(input);\n', '```\n'] });
    const { engine, client: c } = setup({ client });
    const res = await engine.complete(params({ path: 'src/a.ts' }), never, () => {});
    expect(res.text).toBe('compute(input);');
    expect(c.chats).toHaveLength(1);
    expect(c.chats[0]!.messages[1]!.content).toBe('<file path="src/a.ts" language="typescript">\nconst x = {{FILL_HERE}}\n</file>\nComplete the code at the cursor.');
  });

  it('when routing refuses for lack of a FIM model, it asks again without needs.fim and uses the chat prompt', async () => {
    const client = stubClient({ fim: false, answer: () => ['42;'] });
    const { engine, calls } = setup({ client, refuseFim: true, candidate: { capabilities: { fim: false } } });
    const res = await engine.complete(params(), never, () => {});
    expect(res.text).toBe('42;');
    expect(calls.map((c) => c.hints)).toEqual([{ intent: 'completion', needs: { fim: true } }, { intent: 'completion' }]);
    expect(client.chats).toHaveLength(1);
  });

  it('a model listed without FIM on Ollama still gets FIM through its family template', async () => {
    const client = stubClient();
    const { engine } = setup({ client, candidate: { model: 'qwen2.5-coder:7b', capabilities: { fim: false } } });
    await engine.complete(params(), never, () => {});
    expect(client.fims).toHaveLength(1);
  });

  it('secret files are never sent; secret snippets are left out', async () => {
    const { engine, client } = setup();
    expect(await engine.complete(params({ path: 'app/.env' }), never, () => {})).toMatchObject({ text: '', cached: false });
    expect(client.fims).toHaveLength(0);
    await engine.complete(params({ path: 'src/a.ts', context: [{ path: 'keys/server.pem', text: 'SECRET' }, { path: 'src/b.ts', text: 'export const b = 1;' }] }), never, () => {});
    expect(client.fims[0]!.prefix).toBe('// Path: src/b.ts\n// export const b = 1;\n//\n// Path: src/a.ts\nconst x = ');
  });

  it('allow_secret_files lets them through', async () => {
    const { engine, client } = setup({ completion: { allow_secret_files: true } });
    await engine.complete(params({ path: '.env' }), never, () => {});
    expect(client.fims).toHaveLength(1);
  });

  it('a small context window shrinks what is sent', async () => {
    const client = stubClient();
    const { engine } = setup({ client, candidate: { contextWindow: 512 } });
    const prefix = Array.from({ length: 400 }, (_, i) => `const value${i} = compute(${i});`).join('\n') + '\nconst x = ';
    await engine.complete(params({ prefix }), never, () => {});
    const sent = client.fims[0]!.prefix;
    expect(sent.length).toBeLessThan(2000);
    expect(sent.endsWith('\nconst x = ')).toBe(true);
    expect(prefix.includes('\n' + sent) || prefix === sent).toBe(true);
  });

  it('slow model: said once per session, with the median and a fix', async () => {
    let delay = 0;
    const client = stubClient({ answer: (prefix) => [`a${prefix.length}`], gate: () => new Promise((r) => setTimeout(r, delay)) });
    const { engine } = setup({ client, completion: { slow_warning_ms: 20 } });
    const results = [];
    delay = 40;
    for (let i = 0; i < 7; i++) results.push(await engine.complete(params({ prefix: `n${'x'.repeat(i)} = ` }), never, () => {}));
    const slow = results.filter((r) => r.slow);
    expect(slow).toHaveLength(1);
    expect(results.findIndex((r) => r.slow)).toBe(4); // after 5 samples
    expect(slow[0]!.slow!.p50_ms).toBeGreaterThan(20);
    expect(slow[0]!.slow!.message).toMatch(/^stub:coder answers in \d[\d,]* ms \(median of 5\); try a smaller model \(:ZekeModel completion=…\) or warm it up \(keep_alive\)$/);
  });
});

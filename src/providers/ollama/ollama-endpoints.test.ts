import { describe, expect, it } from 'vitest';
import { endpointOrder, newEndpointState, recordTtfb } from './ollama-endpoints.js';

const tags = (...names: string[]) => ({ at: 0, models: names.map((name) => ({ name, model: name }) as never) });

describe('endpointOrder', () => {
  it('puts the fastest healthy endpoint that has the model first', () => {
    const a = newEndpointState('http://a:11434');
    const b = newEndpointState('http://b:11434');
    a.tags = tags('qwen:7b');
    b.tags = tags('qwen:7b');
    recordTtfb(a, 400);
    recordTtfb(b, 90);
    expect(endpointOrder([a, b], 'qwen:7b', 0).map((e) => e.url)).toEqual(['http://b:11434', 'http://a:11434']);
  });

  it('tries an unmeasured endpoint once, skips ones without the model or cooling down', () => {
    const fast = newEndpointState('http://fast:1');
    const fresh = newEndpointState('http://fresh:1');
    const lacks = newEndpointState('http://lacks:1');
    const down = newEndpointState('http://down:1');
    fast.tags = tags('m:1');
    recordTtfb(fast, 50);
    lacks.tags = tags('other:1');
    down.downUntil = 1000;
    expect(endpointOrder([down, lacks, fast, fresh], 'm:1', 10).map((e) => e.url)).toEqual(['http://fresh:1', 'http://fast:1', 'http://lacks:1', 'http://down:1']);
  });

  it('averages samples so one slow answer does not flip the order', () => {
    const e = newEndpointState('http://x:1');
    recordTtfb(e, 100);
    recordTtfb(e, 1000);
    expect(e.ttfbEwmaMs).toBeCloseTo(370, 5);
  });
});

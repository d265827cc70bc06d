// src/protocol.ts is the source of truth for the host's methods; lua/zeke/protocol.lua
// mirrors it. They must agree on every method and on which ones Lua may call synchronously.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { methods } from '../../src/protocol.js';

const ROOT = join(import.meta.dirname, '..', '..');

function luaMethods(): Record<string, boolean> {
  const text = readFileSync(join(ROOT, 'lua/zeke/protocol.lua'), 'utf8');
  const block = /M\.methods = \{([\s\S]*?)\n\}/.exec(text)?.[1] ?? '';
  const out: Record<string, boolean> = {};
  for (const m of block.matchAll(/^\s*\[?'?"?([\w/$.-]+)"?'?\]?\s*=\s*\{\s*instant\s*=\s*(true|false)\s*\}/gm)) out[m[1]!] = m[2] === 'true';
  return out;
}

describe('protocol mirror', () => {
  it('lua/zeke/protocol.lua lists the same methods with the same instant flags', () => {
    const ts = Object.fromEntries(Object.entries(methods).map(([name, spec]) => [name, spec.instant]));
    expect(luaMethods()).toEqual(ts);
  });

  it('the Node-too-old exit code agrees', () => {
    const lua = readFileSync(join(ROOT, 'lua/zeke/protocol.lua'), 'utf8');
    const main = readFileSync(join(ROOT, 'src/main.ts'), 'utf8');
    const luaCode = /EXIT_NODE_TOO_OLD = (\d+)/.exec(lua)?.[1];
    const tsCode = /EXIT_NODE_TOO_OLD = (\d+)/.exec(main)?.[1];
    expect(luaCode).toBeDefined();
    expect(luaCode).toBe(tsCode);
  });
});

// lua/zeke/schema.lua and the option list in doc/zeke.txt are generated from the config
// schema by `npm run build`; this fails when either was not regenerated after a change.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/schema.js';
import { docOptionsSection, luaSchemaSource, spliceDoc } from '../../src/config/generate.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('generated from the config schema', () => {
  it('lua/zeke/schema.lua is current (run `npm run build`)', () => {
    expect(readFileSync(join(ROOT, 'lua/zeke/schema.lua'), 'utf8')).toBe(luaSchemaSource(configJsonSchema()));
  });

  it('the option list in doc/zeke.txt is current (run `npm run build`)', () => {
    const doc = readFileSync(join(ROOT, 'doc/zeke.txt'), 'utf8');
    expect(doc).toBe(spliceDoc(doc, docOptionsSection(configJsonSchema())));
  });

  it('every option has a description', () => {
    const section = docOptionsSection(configJsonSchema());
    const entries = section.split('\n\n').filter(Boolean);
    for (const entry of entries) expect(entry.split('\n').length, entry).toBeGreaterThanOrEqual(3);
  });
});

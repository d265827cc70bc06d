import { describe, expect, it } from 'vitest';
import { nodeIsTooOld } from './node-version.js';

describe('nodeIsTooOld', () => {
  it.each([
    ['v18.19.0', true],
    ['v20.18.0', true],
    ['v20.18.1', false],
    ['v20.20.2', false],
    ['v22.1.0', false],
    ['v3.0.0', true],
  ])('%s → %s', (v, old) => expect(nodeIsTooOld(v)).toBe(old));
});

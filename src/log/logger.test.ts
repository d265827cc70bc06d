import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('redacts registered secrets and respects the level', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zeke-log-')), 'sub', 'zeke.log');
    const log = createLogger({ file, level: 'info', stderr: false });
    log.redact('sk-abcdef123');
    log.debug('hidden debug');
    log.info('sending key %s to %s', 'sk-abcdef123', 'api');
    log.flushSync();
    await new Promise((r) => setTimeout(r, 50)); // the write stream flushes asynchronously
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('sending key [redacted] to api');
    expect(text).not.toContain('sk-abcdef123');
    expect(text).not.toContain('hidden debug');
  });

  it('keeps early lines until a file is configured', async () => {
    const log = createLogger({ stderr: false });
    log.info('before the file');
    const file = join(mkdtempSync(join(tmpdir(), 'zeke-log-')), 'zeke.log');
    log.configure({ file });
    log.info('after');
    await new Promise((r) => setTimeout(r, 50));
    const text = readFileSync(file, 'utf8');
    expect(text.indexOf('before the file')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('before the file')).toBeLessThan(text.indexOf('after'));
  });
});

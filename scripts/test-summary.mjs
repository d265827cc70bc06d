// Adds up the vitest JSON reports of one `npm test` run and prints the closing line
// "tests: N passed, N failed, N skipped". Exits non-zero when a test failed or none ran.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const failedSuites = (r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).every((a) => a.status !== 'failed')).length;
  passed += r.numPassedTests ?? 0;
  failed += (r.numFailedTests ?? 0) + failedSuites;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  process.stderr.write(`${basename(file, '.json')}: ${r.numPassedTests} passed, ${r.numFailedTests + failedSuites} failed\n`);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

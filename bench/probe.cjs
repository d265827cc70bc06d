// Preload for the spawn → ready breakdown only (never for the headline rows): loaded into the
// host with `node --require bench/probe.cjs` (directly, or through NODE_OPTIONS for the host
// Neovim spawns). Records, in epoch milliseconds (performance.timeOrigin + now()):
//   origin  the process start as Node sees it (timeOrigin)
//   preload this file running = Node bootstrapped, before the host's entry module loads
//   stdin   first access to process.stdin = host modules loaded, the adapter attaching
//   reads   every chunk the host read from stdin  [t, bytes]
//   writes  every write to stdout                 [t, bytes]
// and writes them as JSON to $ZEKE_BENCH_PROBE_DIR/<pid>.json when the process exits or is
// sent SIGTERM / SIGHUP.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.ZEKE_BENCH_PROBE_DIR;
const now = () => performance.timeOrigin + performance.now();
const rec = { pid: process.pid, origin: performance.timeOrigin, preload: now(), stdin: null, reads: [], writes: [] };
// Processes the host spawns itself must not inherit the probe.
delete process.env.NODE_OPTIONS;

const stdinDesc = Object.getOwnPropertyDescriptor(process, 'stdin');
if (stdinDesc && stdinDesc.get) {
  Object.defineProperty(process, 'stdin', {
    configurable: true,
    enumerable: stdinDesc.enumerable,
    get() {
      const stream = stdinDesc.get.call(process);
      if (rec.stdin === null) {
        rec.stdin = now();
        const push = stream.push;
        stream.push = function (chunk, ...rest) {
          if (chunk) rec.reads.push([now(), chunk.length]);
          return push.call(this, chunk, ...rest);
        };
      }
      return stream;
    },
  });
}

const write = process.stdout.write;
process.stdout.write = function (chunk, ...rest) {
  rec.writes.push([now(), typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length]);
  return write.call(this, chunk, ...rest);
};

function dump() {
  if (!dir || rec.dumped) return;
  rec.dumped = true;
  try {
    fs.writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify(rec));
  } catch {
    // the bench reports a missing probe file
  }
}
process.on('exit', dump);
// Neovim's jobstop() sends SIGTERM at once: dump, then die of the signal as the host would.
for (const sig of ['SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    dump();
    process.kill(process.pid, sig);
  });
}

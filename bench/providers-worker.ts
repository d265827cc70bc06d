// Runs the fake provider servers in a worker thread, so the server's CPU does not count
// against the client being measured. Answers `{ cmd: 'connections', name }` with a count.
import { parentPort, workerData } from 'node:worker_threads';
import { createFakeAnthropic, createFakeAzure, createFakeGemini, createFakeOllama, createFakeOpenAI } from '../test/fakes/index.js';

const { tokens } = workerData as { tokens: number };
const reply = Array.from({ length: tokens }, (_, i) => `tok${i % 100} `);
const KEY = 'bench-key';

const fakes = {
  ollama: await createFakeOllama({ reply }),
  openai: await createFakeOpenAI({ reply, apiKey: KEY }),
  azure: await createFakeAzure({ reply, apiKey: KEY }),
  anthropic: await createFakeAnthropic({ reply, apiKey: KEY }),
  gemini: await createFakeGemini({ reply, apiKey: KEY }),
};

parentPort!.on('message', async (msg: { cmd: string; name?: keyof typeof fakes; id: number }) => {
  if (msg.cmd === 'connections') parentPort!.postMessage({ id: msg.id, value: fakes[msg.name!].connections });
  if (msg.cmd === 'setReply') {
    const n = (msg as unknown as { tokens: number }).tokens;
    for (const f of Object.values(fakes)) f.setReply(Array.from({ length: n }, (_, i) => `tok${i % 100} `));
    parentPort!.postMessage({ id: msg.id, value: true });
  }
  if (msg.cmd === 'close') {
    await Promise.all(Object.values(fakes).map((f) => f.close()));
    parentPort!.postMessage({ id: msg.id, value: true });
  }
});

parentPort!.postMessage({
  ready: true,
  urls: Object.fromEntries(Object.entries(fakes).map(([k, f]) => [k, f.url])),
  key: KEY,
});

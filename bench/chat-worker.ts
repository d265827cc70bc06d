// A fake Ollama for bench/chat.mjs in a worker thread (its CPU does not count against the
// editor): a long answer streamed as fast as the socket takes it.
import { parentPort, workerData } from 'node:worker_threads';
import { createFakeOllama } from '../test/fakes/index.js';

const { tokens, model } = workerData as { tokens: number; model: string };
const words = ['the ', 'quick ', 'code ', 'runs ', 'fast ', 'and ', '`x` ', 'well.\n'];
const reply = Array.from({ length: tokens }, (_, i) => words[i % words.length]!);
const fake = await createFakeOllama({ models: [{ name: model, capabilities: ['completion', 'tools'] }], reply });
parentPort!.on('message', async (msg: { cmd: string; id: number }) => {
  if (msg.cmd === 'close') {
    await fake.close();
    parentPort!.postMessage({ id: msg.id, value: true });
  }
});
parentPort!.postMessage({ ready: true, url: fake.url });

// Ollama's native API. See src/providers/README.md for the file set.
export { createOllamaProvider, listLoadedModels, parseOllamaError, keepAliveValue } from './ollama-provider.js';
export type { OllamaProviderClient, OllamaProviderOptions, OllamaRequestExtras, LoadedModels } from './ollama-provider.js';
export { ollamaStream } from './ollama-stream.js';
export { endpointOrder } from './ollama-endpoints.js';
export type * from './ollama-api.js';

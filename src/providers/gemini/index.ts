// Gemini (Generative Language API, native v1beta protocol).
export { createGeminiProvider, DEFAULT_GEMINI_BASE_URL } from './gemini-provider.js';
export type { GeminiProviderOptions } from './gemini-provider.js';

// Azure OpenAI: deployments, api-version, the api-key header; the stream parser is the
// openai-compatible one.
export { createAzureProvider, azureTarget, AZURE_DEFAULT_API_VERSION } from './azure-provider.js';
export type { AzureContentFilterResults, AzureErrorEnvelope, AzureFilterResult, AzurePromptFilterFrame } from './azure-api.js';

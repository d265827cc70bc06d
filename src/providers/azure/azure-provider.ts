// Azure OpenAI: the openai-compatible client with Azure's addresses, `api-key` header and
// error envelope. Two address forms (providers.md §3.1):
// - classic (`endpoint`): {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…
// - v1 (`base_url` = {endpoint}/openai/v1): {base_url}/chat/completions, deployment in `model`.
// The deployment is `deployments[model]` when configured, else the model name itself.
import type { ResolvedProvider } from '../../config/index.js';
import type { ProviderFactory } from '../index.js';
import {
  createOpenAICompatibleClient,
  keyHintFor,
  openAICompatibleErrorParser,
  type ErrorParser,
  type OpenAICompatibleQuirks,
  type OpenAICompatibleTarget,
} from '../openai-compatible/index.js';
import type { AzureErrorEnvelope } from './azure-api.js';

/** The GA inference version (providers.md §3.1); config's built-in default is the same. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';
/** `stream_options.include_usage` and `max_completion_tokens` need 2024-09-01-preview or later. */
const USAGE_API_VERSION = '2024-09-01';

export const createAzureProvider: ProviderFactory = (ctx) => createOpenAICompatibleClient(ctx, azureTarget(ctx.provider));

export function azureTarget(p: ResolvedProvider): OpenAICompatibleTarget {
  const deployment = (model: string) => p.deployments[model] ?? model;
  const keyHint = keyHintFor(p);
  const parseError = azureErrorParser(p, keyHint, deployment);
  const authHeaders = (): Record<string, string> => {
    const key = p.apiKey.reveal();
    return key ? { 'api-key': key } : {};
  };
  const listedModels = (ids: string[]) => (Object.keys(p.deployments).length ? Object.keys(p.deployments) : ids);

  if (p.baseUrl) {
    const base = p.baseUrl;
    const quirks: OpenAICompatibleQuirks = { family: 'azure', streamUsage: true, maxTokensField: 'max_completion_tokens', eofIsFinish: false };
    return {
      route: (op, model) => ({ url: `${base}/${op}`, model: deployment(model) }),
      fim: (model) => ({ surface: 'completions', url: `${base}/completions`, model: deployment(model) }),
      modelsUrl: `${base}/models`,
      display: base,
      authHeaders,
      quirks,
      parseError,
      keyHint,
      listedModels,
    };
  }

  const endpoint = p.endpoint ?? '';
  const version = p.apiVersion ?? AZURE_DEFAULT_API_VERSION;
  const query = `?api-version=${encodeURIComponent(version)}`;
  const at = (model: string, op: string) => `${endpoint}/openai/deployments/${encodeURIComponent(deployment(model))}/${op}${query}`;
  const modern = version >= USAGE_API_VERSION;
  const quirks: OpenAICompatibleQuirks = { family: 'azure', streamUsage: modern, maxTokensField: modern ? 'max_completion_tokens' : 'max_tokens', eofIsFinish: false };
  return {
    // The classic form ignores `model` in the body; it is sent anyway, as the official client does.
    route: (op, model) => ({ url: at(model, op), model }),
    fim: (model) => ({ surface: 'completions', url: at(model, 'completions'), model }),
    modelsUrl: `${endpoint}/openai/models${query}`,
    display: endpoint,
    authHeaders,
    quirks,
    parseError,
    keyHint,
    listedModels,
  };
}

/** The shared OpenAI-dialect parser, plus the deployment and the setting to fix on DeploymentNotFound. */
function azureErrorParser(p: ResolvedProvider, keyHint: string, deployment: (model: string) => string): (model?: string) => ErrorParser {
  const base = openAICompatibleErrorParser(keyHint, () => p.apiKey.reveal());
  return (model) => (status, body, headers) => {
    const out = base(status, body, headers);
    let code: string | undefined;
    try {
      code = (JSON.parse(body) as AzureErrorEnvelope).error?.code;
    } catch {
      /* not JSON */
    }
    if (code === 'DeploymentNotFound' && model !== undefined) {
      out.message = `${out.message ?? 'deployment not found'} (deployment "${deployment(model)}" for model "${model}"; map model names to deployments with providers.${p.name}.deployments)`;
    }
    return out;
  };
}

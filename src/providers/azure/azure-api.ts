// Azure OpenAI wire shapes where they differ from OpenAI's (providers.md §3). The stream is
// OpenAI's chunk with extra annotations, parsed by the openai-compatible stream unchanged.
// @see https://learn.microsoft.com/azure/ai-foundry/openai/reference

/** Per-category verdict of the content filter. */
export interface AzureFilterResult {
  filtered: boolean;
  severity?: 'safe' | 'low' | 'medium' | 'high';
  detected?: boolean;
}

/** `{hate, self_harm, sexual, violence}` (and `jailbreak` on prompts); `{}` on role and finish chunks. */
export type AzureContentFilterResults = Record<string, AzureFilterResult>;

/** The first event of every stream: `choices: []`, `created: 0`, `id: ""`, the prompt's verdict. */
export interface AzurePromptFilterFrame {
  choices: [];
  created: 0;
  id: '';
  model: '';
  object: '';
  prompt_filter_results: Array<{ prompt_index: number; content_filter_results: AzureContentFilterResults }>;
}

/** Azure's error envelope: `code` is a string (`"401"`, `"429"`, `"DeploymentNotFound"`, `"content_filter"`); `type`/`param` may be absent. */
export interface AzureErrorEnvelope {
  error?: {
    code?: string;
    message?: string;
    param?: string | null;
    type?: string | null;
    innererror?: { code?: string; content_filter_result?: AzureContentFilterResults };
  };
}

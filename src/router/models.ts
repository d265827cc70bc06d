// The model switcher's host side: what can be chosen (aliases and discovered models, with
// local/cloud, price and health), setting a feature's model per project, and :ZekeStats.
import type { ResolvedConfig } from '../config/index.js';
import { ErrorCode, ZekeError } from '../core/errors.js';
import { formatStats } from './report.js';
import type { Feature, RouterService } from './service.js';

const FEATURES: Feature[] = ['chat', 'completion', 'edit'];

export async function listModels(svc: RouterService, cfg: ResolvedConfig, project: string | undefined) {
  const catalog = svc.catalog();
  const byRef = new Map(catalog.map((c) => [c.ref, c]));
  const health = (provider: string) => cfg.providers.find((p) => p.name === provider)?.enabled;
  const aliases = Object.entries(cfg.aliases)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, targets]) => {
      const first = byRef.get(targets[0]!);
      return {
        name,
        targets,
        local: first?.local ?? targets[0]!.startsWith('ollama:'),
        price: first?.price ? { input: first.price.input, output: first.price.output } : undefined,
        healthy: first ? first.available !== false && health(first.provider) !== false : undefined,
      };
    });
  const discovered = catalog
    .filter((c) => c.available === true)
    .map((c) => ({ ref: c.ref, provider: c.provider, local: c.local, price: c.price ? { input: c.price.input, output: c.price.output } : undefined, available: c.available }));
  // In OMEN modes OMEN's own models are choices too (`omen:<id>`).
  for (const id of await svc.omenModels()) {
    discovered.push({ ref: `omen:${id}`, provider: 'omen', local: false, price: undefined, available: true });
  }
  const features = Object.fromEntries(FEATURES.map((f) => [f, svc.featureModel(f, project)]));
  return { features, aliases, discovered, spend_today_usd: svc.spend().todayUsd };
}

export function setFeatureModel(svc: RouterService, cfg: ResolvedConfig, project: string, feature: Feature, model: string) {
  let resolvesTo: string | undefined;
  if (model !== 'auto') {
    if (cfg.aliases[model]) {
      resolvesTo = cfg.aliases[model]!.join(' → ');
    } else {
      const colon = model.indexOf(':');
      const provider = colon > 0 ? model.slice(0, colon) : '';
      const known = cfg.providers.find((p) => p.name === provider) ?? (provider === 'omen' && cfg.api.mode !== 'direct' ? { enabled: true } : undefined);
      if (!known || colon === model.length - 1) {
        throw new ZekeError(
          ErrorCode.Config,
          `"${model}" is neither an alias (${Object.keys(cfg.aliases).sort().join(', ')}), "auto", nor a "provider:model" ref with a known provider (${cfg.providers.map((p) => p.name).join(', ')})`,
        );
      }
      if (!known.enabled) throw new ZekeError(ErrorCode.Config, `provider "${provider}" is disabled (providers.${provider}.enabled = false)`);
    }
  }
  const prefs = svc.store.getPrefs(project) ?? { project, preferLocal: true, maxCloudCostCents: cfg.options.routing.max_cloud_cost_cents, models: {}, updatedAt: 0 };
  prefs.models = { ...prefs.models, [feature]: model };
  if (feature === 'chat') {
    prefs.lastAlias = cfg.aliases[model] ? model : prefs.lastAlias;
    prefs.lastModel = resolvesTo ?? model;
  }
  prefs.updatedAt = Date.now();
  svc.store.setPrefs(prefs);
  return { project, feature, model, ...(resolvesTo ? { resolves_to: resolvesTo } : {}) };
}

export function statsReport(svc: RouterService, cfg: ResolvedConfig, project: string | undefined) {
  const now = new Date();
  const since = new Date(now.getFullYear(), now.getMonth(), 1).getTime();
  // "Saved" compares local answers with the cloud model chat would use (else code-smart).
  const chatModel = svc.featureModel('chat', project);
  const refs = [...(cfg.aliases[chatModel] ?? [chatModel]), ...(cfg.aliases['code-smart'] ?? [])];
  const reference = svc.catalog().find((c) => refs.includes(c.ref) && !c.local && c.price);
  const summary = svc.store.summary({
    since,
    referencePrice: reference?.price ? { model: reference.ref, input: reference.price.input, output: reference.price.output } : undefined,
  });
  const where = svc.store.location.kind === 'sqlite' ? svc.store.location.file : `in memory only (${svc.store.location.reason})`;
  return { summary, lines: formatStats(summary, where) };
}

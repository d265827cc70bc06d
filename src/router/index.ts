// The routing brain: which model answers a request, and why.
export { createRouterService, defaultStatsFile } from './service.js';
export type { Feature, GenerateParams, GenerateResult, RouteSummary, RouterService, TraceRecord } from './service.js';
export { decide, MAX_AUTO_FALLBACKS } from './decide.js';
export { executeRoute, RouteError } from './executor.js';
export type { AttemptOutcome, ExecutionReport, ExecutorDeps } from './executor.js';
export { buildCatalog, splitRef } from './catalog.js';
export { createHealthTracker, endpointKey } from './health-tracker.js';
export type { HealthTracker } from './health-tracker.js';
export { routingSettings } from './settings.js';
export { estimateCostUsd, sizeHintOf } from './estimate.js';
export { fetchOmenScores, omenHealth, omenModelId, omenProvider, omenRequestExtras, readOmenTrace } from './omen.js';
export { formatStats, formatTrace } from './report.js';
export type { Candidate, Decision, DecideInput, Intent, ProviderStats, RouteHints, RouteTrace, RoutingSettings, ScoredCandidate, SizeHint, Spend } from './types.js';

// Words for :ZekeWhy and :ZekeStats: the host formats, the Lua layer only shows the lines.
import type { StatsSummary } from '../store/types.js';
import type { TraceRecord } from './service.js';

const usd = (v: number | undefined) => (v === undefined ? '—' : v < 0.01 && v > 0 ? `$${v.toFixed(4)}` : `$${v.toFixed(2)}`);
const ms = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v)} ms`);

export function formatTrace(r: TraceRecord): string[] {
  const s = r.summary;
  const t = r.trace;
  const lines: string[] = [];
  const when = new Date(r.at).toLocaleTimeString();
  lines.push(`${when}  asked for: ${t.requested}  (${[t.hints.intent, t.hints.sizeHint, t.hints.inputTokens !== undefined ? `~${t.hints.inputTokens} tokens in` : undefined].filter(Boolean).join(', ')})`);
  if (r.error) {
    lines.push(`✗ ${r.error}`);
  } else {
    lines.push(`→ ${s.ref}${s.local ? '  [local]' : '  [cloud]'}${s.via_omen ? '  via OMEN' : ''}${s.escalated ? '  (escalated)' : ''}`);
  }
  lines.push(`rule: ${s.rule || t.rule}`);
  if (r.omen && (r.omen.provider || r.omen.model || r.omen.reason)) {
    lines.push(`OMEN says: ${[r.omen.provider, r.omen.model].filter(Boolean).join(':')}${r.omen.reason ? ` — ${r.omen.reason}` : ''}`);
  }
  for (const a of r.attempts) {
    lines.push(`  ${a.ok ? '✓' : a.escalated ? '↑' : '✗'} ${a.ref}${a.ttfbMs !== undefined ? `  first token ${ms(a.ttfbMs)}` : ''}${a.error ? `  ${a.error.message}` : ''}`);
  }
  if (r.result) {
    lines.push(`first token ${ms(r.result.ttfbMs)} · total ${ms(r.result.durationMs)} · tokens ${r.result.tokensIn ?? '—'} in / ${r.result.tokensOut ?? '—'} out · cost ${usd(r.result.costUsd)}`);
  }
  const b = t.budget;
  const caps = [`per request ${(b.capCents / 100).toFixed(2)} USD`, b.dailyCapUsd !== undefined ? `today ${usd(b.todayUsd)} of ${usd(b.dailyCapUsd)}` : `today ${usd(b.todayUsd)}`, b.monthlyCapUsd !== undefined ? `month ${usd(b.monthUsd)} of ${usd(b.monthlyCapUsd)}` : `month ${usd(b.monthUsd)}`];
  lines.push(`budget: ${caps.join(' · ')}${b.estimateUsd !== undefined ? ` · estimate ${usd(b.estimateUsd)}` : ''}${b.note ? ` · ${b.note}` : ''}`);
  if (t.fallbacks.length) lines.push(`fallbacks: ${t.fallbacks.join(' → ')}`);
  if (t.escalation) lines.push(`escalation: to ${t.escalation.to} if no first token within ${t.escalation.afterMs} ms`);
  if (t.candidates.length) {
    lines.push('', 'candidates            score  health latency cost  reliab.');
    const shown = [...t.candidates].sort((a, b) => b.score - a.score).slice(0, 15);
    for (const c of shown) {
      const p = c.parts;
      const nums = [c.score, p.health, p.latency, p.cost, p.reliability].map((v) => v.toFixed(2).padStart(6)).join(' ');
      lines.push(`${c.ref.padEnd(20).slice(0, 28)} ${nums}${c.excluded ? `  excluded: ${c.excluded}` : ''}`);
    }
  }
  return lines;
}

export function formatStats(s: StatsSummary, location: string): string[] {
  const lines: string[] = [];
  lines.push(`cloud spend today ${usd(s.spend.todayUsd)} · this month ${usd(s.spend.monthUsd)}`);
  for (const p of s.spend.byProvider) lines.push(`  ${p.provider.padEnd(12)} today ${usd(p.todayUsd).padStart(8)} · month ${usd(p.monthUsd).padStart(8)} · ${p.requests} requests`);
  lines.push('');
  lines.push(`${s.requests} requests since ${new Date(s.since).toLocaleDateString()} · ${(s.successRate * 100).toFixed(0)}% succeeded`);
  if (s.byModel.length) {
    lines.push('', 'model                              where  requests  ok    p50 first token  tokens in/out      cost');
    for (const m of s.byModel) {
      lines.push(
        `${m.model.padEnd(34).slice(0, 34)} ${(m.local ? 'local' : 'cloud').padEnd(6)} ${String(m.requests).padStart(8)}  ${(m.successRate * 100).toFixed(0).padStart(3)}%  ${ms(m.p50TtfbMs).padStart(15)}  ${`${m.tokensIn}/${m.tokensOut}`.padStart(13)}  ${usd(m.costUsd).padStart(8)}`,
      );
    }
  }
  lines.push('');
  lines.push(s.savedReference ? `saved by answering locally: ${usd(s.savedUsd)} (vs. ${s.savedReference})` : 'saved by answering locally: set a cloud model for chat to compare');
  lines.push(`stats: ${location}`);
  return lines;
}

// What tasks have cost: over time by service (Cost Explorer's GetCostAndUsage), and the totals
// per service, family, cluster or task that `pier costs` prints (Pier's /_pier/costs report).
import { useState } from 'preact/hooks';
import { costExplorer, pierCosts } from '../api.js';
import { usePoll } from '../hooks.js';
import { ErrorNote, html, money } from '../html.js';
import { Chart } from './chart.js';

const RANGES = {
  '24h': { label: 'Last 24 hours, by hour', granularity: 'HOURLY', hours: 24 },
  '14d': { label: 'Last 14 days, by day', granularity: 'DAILY', hours: 14 * 24 },
};

const iso = (ms, withTime) => (withTime ? `${new Date(ms).toISOString().slice(0, 19)}Z` : new Date(ms).toISOString().slice(0, 10));

async function loadOverTime(range) {
  const r = RANGES[range];
  const hourly = r.granularity === 'HOURLY';
  const unit = hourly ? 3_600_000 : 86_400_000;
  const end = Math.floor(Date.now() / unit) * unit + unit;
  const out = await costExplorer('GetCostAndUsage', {
    TimePeriod: { Start: iso(end - r.hours * 3_600_000, hourly), End: iso(end, hourly) },
    Granularity: r.granularity, Metrics: ['UnblendedCost'], GroupBy: [{ Type: 'TAG', Key: 'aws:ecs:serviceName' }],
  });
  const periods = out.ResultsByTime ?? [];
  const keys = [...new Set(periods.flatMap((p) => (p.Groups ?? []).map((g) => g.Keys[0])))].sort();
  const label = (k) => k.slice(k.indexOf('$') + 1) || '(no service)';
  const xs = periods.map((p) => Date.parse(p.TimePeriod.Start.length === 10 ? `${p.TimePeriod.Start}T00:00:00Z` : p.TimePeriod.Start) / 1000);
  const ys = keys.map((k) => periods.map((p) => Number((p.Groups ?? []).find((g) => g.Keys[0] === k)?.Metrics?.UnblendedCost?.Amount ?? 0)));
  // Half a bucket either side, so the first and last bars are whole.
  const half = unit / 2000;
  return { series: keys.map((k) => ({ label: label(k) })), data: [xs, ...ys], xRange: xs.length ? [xs[0] - half, xs[xs.length - 1] + half] : undefined };
}

export function Costs() {
  const [range, setRange] = useState('24h');
  const [by, setBy] = useState('service');
  const overTime = usePoll(() => loadOverTime(range), 30000, [range]);
  const report = usePoll(() => pierCosts({ by }), 30000, [by]);
  const r = report.data;
  return html`
    <section>
      <h1>Costs</h1>
      <p class="muted">What Pier's tasks would have cost on Fargate, at the price table Pier runs with (docs/costs.md).</p>
      <div class="actions">
        ${Object.entries(RANGES).map(([k, v]) => html`<button class=${k === range ? '' : 'secondary'} onClick=${() => setRange(k)}>${v.label}</button>`)}
      </div>
      <${ErrorNote} error=${overTime.error} />
      <${Chart} title=${`Cost by service (${RANGES[range].label.toLowerCase()})`} unit="$" bars=${true}
        series=${overTime.data?.series ?? []} data=${overTime.data?.data ?? [[]]} xRange=${overTime.data?.xRange} height=${220} />
      <h2>Totals</h2>
      <label class="inline">Group by
        <select value=${by} onChange=${(e) => setBy(e.currentTarget.value)}>
          ${['service', 'family', 'cluster', 'task'].map((k) => html`<option value=${k}>${k}</option>`)}
        </select></label>
      <${ErrorNote} error=${report.error} />
      ${r ? html`
        <table class="costs">
          <thead><tr><th>${by}</th><th class="num">Tasks</th><th class="num">vCPU-seconds</th><th class="num">GB-seconds</th><th class="num">Storage GB-seconds</th><th class="num">Cost</th></tr></thead>
          <tbody>${(r.groups ?? []).map((g) => html`
            <tr><td>${g.key}</td><td class="num">${g.tasks}</td><td class="num">${Math.round(g.vcpuSeconds).toLocaleString()}</td>
              <td class="num">${Math.round(g.gbSeconds).toLocaleString()}</td><td class="num">${Math.round(g.ephemeralStorageGbSeconds).toLocaleString()}</td>
              <td class="num">${money(g.cost)}</td></tr>`)}
          </tbody>
          <tfoot><tr><th>Total</th><th class="num">${r.total?.tasks}</th><th class="num">${Math.round(r.total?.vcpuSeconds ?? 0).toLocaleString()}</th>
            <th class="num">${Math.round(r.total?.gbSeconds ?? 0).toLocaleString()}</th><th class="num">${Math.round(r.total?.ephemeralStorageGbSeconds ?? 0).toLocaleString()}</th>
            <th class="num" data-field="total">${money(r.total?.cost)}</th></tr></tfoot>
        </table>` : null}
    </section>`;
}

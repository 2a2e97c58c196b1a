// A time-series chart (uPlot, loaded the first time a chart is shown). `data` is uPlot's
// [times in epoch seconds, ...one array of values per series].
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
let uPlotModule;
const loadUPlot = () => (uPlotModule ??= import('uplot').then((m) => m.default));

/**
 * Stacked bars: each series is drawn as the sum of itself and those before it, the tallest first so
 * every band shows; legends still read each series' own value (`own`).
 */
function stack(series, data) {
  const sums = [];
  let running = data[0].map(() => 0);
  for (let i = 1; i < data.length; i += 1) {
    running = running.map((v, k) => v + (data[i][k] ?? 0));
    sums.push(running);
  }
  const order = series.map((_, i) => i).reverse();
  return { series: order.map((i) => series[i]), data: [data[0], ...order.map((i) => sums[i])], own: order.map((i) => data[i + 1]) };
}

/** `xRange`: the time window shown, [from, to] in epoch seconds (default: the data's own span). */
export function Chart({ title, unit = '', series: given, data: raw, height = 180, yMax, bars = false, xRange }) {
  const { series, data, own } = bars && raw.length > 2 ? stack(given, raw) : { series: given, data: raw, own: raw.slice(1) };
  const ownValues = useRef(own);
  ownValues.current = own;
  const xWindow = useRef(xRange);
  xWindow.current = xRange ?? (data[0]?.length === 1 ? [data[0][0] - 150, data[0][0] + 30] : undefined);
  const box = useRef(null);
  const plot = useRef(undefined);
  const labels = series.map((s) => s.label).join('\n');
  useEffect(() => {
    let live = true;
    loadUPlot().then((UPlot) => {
      if (!live || !box.current) return;
      const format = (v) => (v === null || v === undefined ? '–' : `${Number(v).toFixed(unit === '$' ? 6 : 1)}${unit === '$' ? '' : unit}`);
      plot.current = new UPlot({
        width: box.current.clientWidth || 600, height,
        series: [{}, ...series.map((s, i) => ({
          label: s.label, stroke: COLOURS[i % COLOURS.length], width: 1.5,
          value: (_u, _v, _s, at) => {
            const v = at === null || at === undefined ? null : ownValues.current[i]?.[at] ?? null;
            return unit === '$' && v !== null ? `$${format(v)}` : format(v);
          },
          ...(bars ? { fill: COLOURS[i % COLOURS.length], paths: UPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } } : { points: { size: 4 } }),
        }))],
        // uPlot would stretch one point alone over a day: the window is given instead.
        scales: { x: { time: true, range: (_u, min, max) => xWindow.current ?? [min, max] }, y: { range: (_u, _min, max) => [0, Math.max(yMax ?? 0, max ?? 0, unit === '$' ? 0.000001 : 1)] } },
        axes: [{}, { size: 70, values: (_u, vals) => vals.map((v) => (unit === '$' ? `$${v === 0 ? 0 : Number(v).toPrecision(2)}` : `${v}${unit}`)) }],
      }, data, box.current);
    });
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: box.current?.clientWidth || 600, height }));
    if (box.current) resize.observe(box.current);
    return () => {
      live = false;
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [labels, height, bars]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  const points = data[0]?.length ?? 0;
  return html`
    <figure class="chart" data-chart=${title} data-points=${points}>
      <figcaption>${title}${points === 0 ? html` <span class="muted">(no data yet)</span>` : null}</figcaption>
      <div ref=${box}></div>
    </figure>`;
}

/** Merges series given as (times, values) pairs onto one ascending time axis for Chart. */
export function alignSeries(list) {
  const times = [...new Set(list.flatMap((s) => s.times))].sort((a, b) => a - b);
  return [times, ...list.map((s) => {
    const at = new Map(s.times.map((t, i) => [t, s.values[i]]));
    return times.map((t) => at.get(t) ?? null);
  })];
}

// htm bound to Preact (templates without a build step), and how the console writes values.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

/** The last part of an ARN (a task id, `service-name`, `family:revision`). */
export const nameOf = (arn) => (arn ? String(arn).slice(String(arn).lastIndexOf('/') + 1) : '');
export const familyRevision = (taskDefinitionArn) => String(taskDefinitionArn ?? '').split('/').pop();

const pad = (n) => String(n).padStart(2, '0');

/** An ECS timestamp (epoch seconds) in local time, to the second. */
export function when(epochSeconds) {
  if (epochSeconds === undefined || epochSeconds === null) return '';
  const d = new Date(epochSeconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "12s ago", "5m ago", "3h ago". */
export function ago(epochSeconds, nowMs = Date.now()) {
  if (!epochSeconds) return '';
  const s = Math.max(0, Math.round(nowMs / 1000 - epochSeconds));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 129600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export const money = (n) => `$${Number(n ?? 0).toFixed(6)}`;

export const statusClass = (s) => `status status-${String(s ?? '').toLowerCase()}`;

/** A link inside the console (hash routes). */
export const link = (path, text) => html`<a href=${`#${path}`}>${text}</a>`;

export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.code ? html`<strong>${error.code}</strong>: ` : ''}${error.message}</p>`;
}

// The first page: every cluster with its task and service counts.
import { ecs, listAll } from '../api.js';
import { usePoll } from '../hooks.js';
import { ErrorNote, html, link, statusClass } from '../html.js';

async function loadClusters() {
  const arns = await listAll('ListClusters', {}, 'clusterArns');
  if (arns.length === 0) return [];
  const out = [];
  for (let i = 0; i < arns.length; i += 100) out.push(...((await ecs('DescribeClusters', { clusters: arns.slice(i, i + 100) })).clusters ?? []));
  return out.sort((a, b) => a.clusterName.localeCompare(b.clusterName));
}

export function Clusters() {
  const { data, error, loading } = usePoll(loadClusters, 5000);
  return html`
    <section>
      <h1>Clusters</h1>
      <${ErrorNote} error=${error} />
      ${loading ? html`<p class="loading">Loading…</p>` : data?.length === 0 ? html`
        <p class="empty">No clusters yet. Run something, for example <code>pier run busybox --count 2</code>, or open the
        <a href="#/clusters/default">default</a> cluster to run a task from here.</p>` : html`
        <table class="clusters">
          <thead><tr><th>Cluster</th><th>Status</th><th class="num">Running tasks</th><th class="num">Pending tasks</th><th class="num">Services</th></tr></thead>
          <tbody>${(data ?? []).map((c) => html`
            <tr>
              <td>${link(`/clusters/${c.clusterName}`, c.clusterName)}</td>
              <td><span class=${statusClass(c.status)}>${c.status}</span></td>
              <td class="num">${c.runningTasksCount}</td>
              <td class="num">${c.pendingTasksCount}</td>
              <td class="num">${c.activeServicesCount}</td>
            </tr>`)}
          </tbody>
        </table>`}
    </section>`;
}

// One cluster: its services, its tasks, and running a task in it.
import { useState } from 'preact/hooks';
import { ecs, listAll } from '../api.js';
import { usePoll } from '../hooks.js';
import { ErrorNote, familyRevision, html, link, statusClass } from '../html.js';
import { loadTasks, TaskTable } from './task-table.js';
import { RunTaskForm } from './run-task.js';

async function loadCluster(cluster) {
  const { clusters = [], failures = [] } = await ecs('DescribeClusters', { clusters: [cluster] });
  const serviceArns = clusters.length ? await listAll('ListServices', { cluster }, 'serviceArns') : [];
  const services = [];
  for (let i = 0; i < serviceArns.length; i += 10) services.push(...((await ecs('DescribeServices', { cluster, services: serviceArns.slice(i, i + 10) })).services ?? []));
  const tasks = clusters.length ? await loadTasks(cluster) : [];
  return { cluster: clusters[0], missing: failures.length > 0, services: services.sort((a, b) => a.serviceName.localeCompare(b.serviceName)), tasks };
}

export function Cluster({ cluster }) {
  const { data, error, loading, reload } = usePoll(() => loadCluster(cluster), 4000, [cluster]);
  const [running, setRunning] = useState(false);
  const c = data?.cluster;
  return html`
    <section>
      <p class="crumbs"><a href="#/">Clusters</a> /</p>
      <h1>${cluster}</h1>
      <${ErrorNote} error=${error} />
      ${loading ? html`<p class="loading">Loading…</p>` : html`
        ${c ? html`<p class="facts">
          <span class=${statusClass(c.status)}>${c.status}</span>
          <span><b data-field="running">${c.runningTasksCount}</b> running</span>
          <span><b>${c.pendingTasksCount}</b> pending</span>
          <span><b>${c.activeServicesCount}</b> services</span></p>`
        : html`<p class="empty">There is no cluster named ${cluster} yet; running a task here creates it (as RunTask does for <code>default</code>).</p>`}
        <div class="actions">
          <button onClick=${() => setRunning(!running)}>${running ? 'Close' : 'Run task'}</button>
        </div>
        ${running ? html`<${RunTaskForm} cluster=${cluster} onDone=${(arns) => {
          setRunning(false);
          reload();
          if (arns.length === 1) location.hash = `#/clusters/${cluster}/tasks/${arns[0].split('/').pop()}`;
        }} />` : null}
        <h2>Services</h2>
        ${data?.services.length ? html`
          <table class="services">
            <thead><tr><th>Service</th><th>Status</th><th class="num">Desired</th><th class="num">Running</th><th class="num">Pending</th><th>Task definition</th><th>Rollout</th></tr></thead>
            <tbody>${data.services.map((s) => html`
              <tr data-service=${s.serviceName}>
                <td>${link(`/clusters/${cluster}/services/${s.serviceName}`, s.serviceName)}</td>
                <td><span class=${statusClass(s.status)}>${s.status}</span></td>
                <td class="num">${s.desiredCount}</td><td class="num">${s.runningCount}</td><td class="num">${s.pendingCount}</td>
                <td>${familyRevision(s.taskDefinition)}</td>
                <td>${s.deployments?.find((d) => d.status === 'PRIMARY')?.rolloutState ?? ''}</td>
              </tr>`)}
            </tbody>
          </table>` : html`<p class="empty">No services. <code>pier deploy -f taskdef.json --service web --count 2</code> creates one.</p>`}
        <h2>Tasks</h2>
        <${TaskTable} cluster=${cluster} tasks=${data?.tasks} />`}
    </section>`;
}

// A table of tasks (a cluster's or a service's), newest first, running ones before stopped ones.
import { describeTasks, listAll } from '../api.js';
import { ago, familyRevision, html, link, nameOf, statusClass } from '../html.js';

/** The cluster's tasks (optionally one service's): running and recently stopped. */
export async function loadTasks(cluster, serviceName) {
  const filter = { cluster, ...(serviceName ? { serviceName } : {}) };
  const arns = [
    ...await listAll('ListTasks', { ...filter, desiredStatus: 'RUNNING' }, 'taskArns'),
    ...await listAll('ListTasks', { ...filter, desiredStatus: 'STOPPED' }, 'taskArns'),
  ];
  const tasks = await describeTasks(cluster, arns);
  const live = (t) => (t.lastStatus === 'STOPPED' ? 1 : 0);
  return tasks.sort((a, b) => live(a) - live(b) || (b.createdAt ?? 0) - (a.createdAt ?? 0));
}

export function TaskTable({ cluster, tasks, now = Date.now() }) {
  if (!tasks?.length) return html`<p class="empty">No tasks.</p>`;
  return html`
    <table class="tasks">
      <thead><tr><th>Task</th><th>Definition</th><th>Last status</th><th>Desired</th><th>Health</th><th>Started</th><th>Group</th><th>Stopped reason</th></tr></thead>
      <tbody>${tasks.map((t) => html`
        <tr data-task=${nameOf(t.taskArn)}>
          <td>${link(`/clusters/${cluster}/tasks/${nameOf(t.taskArn)}`, nameOf(t.taskArn))}</td>
          <td>${familyRevision(t.taskDefinitionArn)}</td>
          <td><span class=${statusClass(t.lastStatus)}>${t.lastStatus}</span></td>
          <td>${t.desiredStatus}</td>
          <td>${t.healthStatus}</td>
          <td title=${t.startedAt ? new Date(t.startedAt * 1000).toISOString() : ''}>${ago(t.startedAt, now)}</td>
          <td>${t.group}</td>
          <td class="reason">${t.stoppedReason ?? ''}</td>
        </tr>`)}
      </tbody>
    </table>`;
}

// One service: counts, scaling and updates, deployments, events, its tasks and its CPU and memory.
import { useRef, useState } from 'preact/hooks';
import { ecs, listAll } from '../api.js';
import { useAction, usePoll } from '../hooks.js';
import { ago, ErrorNote, familyRevision, html, nameOf, statusClass, when } from '../html.js';
import { loadTasks, TaskTable } from './task-table.js';
import { ServiceUtilization } from './metrics.js';
import { LiveLogs, streamsOf } from './logs.js';

async function loadService(cluster, name, definitions) {
  const { services = [] } = await ecs('DescribeServices', { cluster, services: [name] });
  const service = services[0];
  const tasks = service ? await loadTasks(cluster, name) : [];
  const logSources = [];
  for (const t of tasks.filter((x) => x.lastStatus !== 'STOPPED')) {
    if (!definitions.has(t.taskDefinitionArn)) {
      definitions.set(t.taskDefinitionArn, (await ecs('DescribeTaskDefinition', { taskDefinition: t.taskDefinitionArn })).taskDefinition);
    }
    logSources.push(...streamsOf(t.taskArn, definitions.get(t.taskDefinitionArn))
      .map((s) => ({ ...s, container: `${nameOf(t.taskArn).slice(0, 8)}/${s.container}` })));
  }
  return { service, tasks, logSources };
}

// The forms keep what is typed in state of their own: the page refreshes under them every few seconds.
function ScaleForm({ cluster, service, onDone }) {
  const [count, setCount] = useState(String(service.desiredCount));
  const action = useAction((count) => ecs('UpdateService', { cluster, service: service.serviceName, desiredCount: count }), onDone);
  const submit = (e) => {
    e.preventDefault();
    action.run(Number(count));
  };
  return html`
    <form class="panel inline" onSubmit=${submit} aria-label="Scale">
      <label>Desired tasks<input name="desiredCount" type="number" min="0" max="1000" value=${count} onInput=${(e) => setCount(e.currentTarget.value)} required /></label>
      <button type="submit" disabled=${action.busy}>${action.busy ? 'Scaling…' : 'Scale'}</button>
      <${ErrorNote} error=${action.error} />
    </form>`;
}

function UpdateForm({ cluster, service, onDone }) {
  const family = familyRevision(service.taskDefinition).split(':')[0];
  const revisions = usePoll(() => listAll('ListTaskDefinitions', { familyPrefix: family, status: 'ACTIVE', sort: 'DESC' }, 'taskDefinitionArns'), 0, [family]);
  const [choice, setChoice] = useState(service.taskDefinition);
  const [force, setForce] = useState(false);
  const action = useAction(() => ecs('UpdateService', {
    cluster, service: service.serviceName, taskDefinition: choice, forceNewDeployment: force,
  }), onDone);
  const submit = (e) => {
    e.preventDefault();
    action.run();
  };
  const arns = (revisions.data ?? []).filter((a) => familyRevision(a).split(':')[0] === family);
  return html`
    <form class="panel inline" onSubmit=${submit} aria-label="Update">
      <label>Task definition
        <select name="taskDefinition" value=${choice} onChange=${(e) => setChoice(e.currentTarget.value)}>${arns.map((a) => html`<option value=${a}>${familyRevision(a)}</option>`)}</select></label>
      <label class="check"><input type="checkbox" name="force" checked=${force} onChange=${(e) => setForce(e.currentTarget.checked)} /> Force new deployment</label>
      <button type="submit" disabled=${action.busy}>${action.busy ? 'Updating…' : 'Update service'}</button>
      <${ErrorNote} error=${action.error ?? revisions.error} />
    </form>`;
}

function Deployments({ deployments }) {
  return html`
    <table class="deployments">
      <thead><tr><th>Deployment</th><th>Status</th><th>Rollout</th><th>Task definition</th><th class="num">Desired</th><th class="num">Pending</th><th class="num">Running</th><th class="num">Failed</th><th>Updated</th></tr></thead>
      <tbody>${(deployments ?? []).map((d) => html`
        <tr>
          <td>${d.id}</td><td><span class=${statusClass(d.status)}>${d.status}</span></td>
          <td title=${d.rolloutStateReason ?? ''}>${d.rolloutState ?? ''}</td><td>${familyRevision(d.taskDefinition)}</td>
          <td class="num">${d.desiredCount}</td><td class="num">${d.pendingCount}</td><td class="num">${d.runningCount}</td><td class="num">${d.failedTasks ?? 0}</td>
          <td title=${when(d.updatedAt)}>${ago(d.updatedAt)}</td>
        </tr>`)}
      </tbody>
    </table>`;
}

export function Service({ cluster, service: name }) {
  const definitions = useRef(new Map());
  const { data, error, loading, reload } = usePoll(() => loadService(cluster, name, definitions.current), 3000, [cluster, name]);
  const s = data?.service;
  return html`
    <section>
      <p class="crumbs"><a href="#/">Clusters</a> / <a href=${`#/clusters/${cluster}`}>${cluster}</a> /</p>
      <h1>${name}</h1>
      <${ErrorNote} error=${error} />
      ${loading ? html`<p class="loading">Loading…</p>` : !s ? html`<p class="empty">No service ${name} in ${cluster}.</p>` : html`
        <p class="facts">
          <span class=${statusClass(s.status)}>${s.status}</span>
          <span><b data-field="desired">${s.desiredCount}</b> desired</span>
          <span><b data-field="running">${s.runningCount}</b> running</span>
          <span><b data-field="pending">${s.pendingCount}</b> pending</span>
          <span>${familyRevision(s.taskDefinition)}</span>
          <span>${s.capacityProviderStrategy?.map((c) => c.capacityProvider).join(', ') || s.launchType}</span>
          <span title=${when(s.createdAt)}>created ${ago(s.createdAt)}</span>
        </p>
        ${s.status === 'ACTIVE' ? html`<div class="forms">
          <${ScaleForm} cluster=${cluster} service=${s} onDone=${reload} />
          <${UpdateForm} cluster=${cluster} service=${s} onDone=${reload} />
        </div>` : null}
        <h2>Utilization</h2>
        <${ServiceUtilization} cluster=${cluster} service=${name} />
        <h2>Deployments</h2>
        <${Deployments} deployments=${s.deployments} />
        <h2>Tasks</h2>
        <${TaskTable} cluster=${cluster} tasks=${data.tasks} />
        <h2>Logs of its running tasks</h2>
        <${LiveLogs} sources=${data.logSources} follow=${true} />
        <h2>Events</h2>
        <ul class="events">${(s.events ?? []).slice(0, 25).map((e) => html`<li><time title=${when(e.createdAt)}>${when(e.createdAt)}</time> ${e.message}</li>`)}</ul>`}
    </section>`;
}

// One task: its state and when it got there, containers, network interface, health, why it
// stopped; stopping it; its live CPU and memory; its logs.
import { useRef, useState } from 'preact/hooks';
import { ecs, taskMetrics } from '../api.js';
import { useAction, usePoll } from '../hooks.js';
import { ErrorNote, familyRevision, html, link, nameOf, statusClass, when } from '../html.js';
import { Chart } from './chart.js';
import { LiveLogs, streamsOf } from './logs.js';

const TIMES = ['createdAt', 'pullStartedAt', 'pullStoppedAt', 'startedAt', 'connectivityAt', 'stoppingAt', 'executionStoppedAt', 'stoppedAt'];

async function loadTask(cluster, id, definitions) {
  const { tasks = [] } = await ecs('DescribeTasks', { cluster, tasks: [id], include: ['TAGS'] });
  const task = tasks[0];
  if (!task) return { task };
  if (!definitions.has(task.taskDefinitionArn)) {
    definitions.set(task.taskDefinitionArn, (await ecs('DescribeTaskDefinition', { taskDefinition: task.taskDefinitionArn })).taskDefinition);
  }
  return { task, definition: definitions.get(task.taskDefinitionArn) };
}

function StopForm({ cluster, task, onDone }) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('Stopped from the Pier console');
  const action = useAction(() => ecs('StopTask', { cluster, task: task.taskArn, reason }), () => {
    setAsking(false);
    onDone();
  });
  if (task.desiredStatus === 'STOPPED') return null;
  if (!asking) return html`<button class="danger" onClick=${() => setAsking(true)}>Stop task</button>`;
  return html`
    <form class="panel inline" aria-label="Stop task" onSubmit=${(e) => { e.preventDefault(); action.run(); }}>
      <label>Reason<input name="reason" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} maxLength="255" /></label>
      <button type="submit" class="danger" disabled=${action.busy}>${action.busy ? 'Stopping…' : 'Confirm stop'}</button>
      <button type="button" class="secondary" onClick=${() => setAsking(false)}>Cancel</button>
      <${ErrorNote} error=${action.error} />
    </form>`;
}

function Eni({ task }) {
  const eni = (task.attachments ?? []).find((a) => a.type === 'ElasticNetworkInterface');
  if (!eni) return html`<p class="empty">No network interface.</p>`;
  const d = Object.fromEntries((eni.details ?? []).map((x) => [x.name, x.value]));
  return html`
    <dl class="pairs eni">
      <dt>Attachment</dt><dd>${eni.id} <span class=${statusClass(eni.status)}>${eni.status}</span></dd>
      <dt>Interface</dt><dd>${d.networkInterfaceId}</dd><dt>Private IPv4</dt><dd data-field="ip">${d.privateIPv4Address}</dd>
      <dt>MAC</dt><dd>${d.macAddress}</dd><dt>Subnet</dt><dd>${d.subnetId}</dd>
      ${d.privateDnsName ? html`<dt>DNS name</dt><dd>${d.privateDnsName}</dd>` : null}
    </dl>`;
}

function Containers({ task }) {
  return html`
    <table class="containers">
      <thead><tr><th>Container</th><th>Image</th><th>Last status</th><th>Health</th><th class="num">Exit code</th><th>Reason</th><th>Ports</th></tr></thead>
      <tbody>${(task.containers ?? []).map((c) => html`
        <tr>
          <td>${c.name}</td><td class="mono">${c.image}</td><td><span class=${statusClass(c.lastStatus)}>${c.lastStatus}</span></td>
          <td>${c.healthStatus ?? ''}</td><td class="num">${c.exitCode ?? ''}</td><td class="reason">${c.reason ?? ''}</td>
          <td>${(c.networkBindings ?? []).map((b) => `${b.hostPort ?? ''}→${b.containerPort}/${b.protocol ?? 'tcp'}`).join(' ')}</td>
        </tr>`)}
      </tbody>
    </table>`;
}

/** CPU and memory from the agent's readings of this task, gathered while the page is open. */
function LiveUtilization({ cluster, task }) {
  const readings = useRef(new Map());
  const id = nameOf(task.taskArn);
  const running = task.lastStatus === 'RUNNING';
  const { error } = usePoll(async () => {
    if (!running) return;
    const mine = (await taskMetrics(cluster)).find((r) => r.taskId === id);
    if (mine) readings.current.set(mine.at, mine);
  }, running ? 5000 : 0, [cluster, id, running]);
  const list = [...readings.current.values()].sort((a, b) => a.at - b.at);
  const xs = list.map((r) => r.at / 1000);
  const last = list[list.length - 1];
  const span = xs.length ? [xs[0] - 60, Math.max(xs[xs.length - 1], Date.now() / 1000) + 5] : undefined;
  return html`
    <${ErrorNote} error=${error} />
    ${last ? html`<p class="facts"><span>CPU <b data-field="cpu">${last.cpuPercent?.toFixed(1) ?? '–'}%</b> (${last.cpuUnits?.toFixed(0) ?? '–'} units)</span>
      <span>Memory <b data-field="memory">${last.memoryPercent?.toFixed(1) ?? '–'}%</b> (${last.memoryMiB?.toFixed(1) ?? '–'} MiB)</span>
      <span class="muted">read ${new Date(last.at).toLocaleTimeString()}</span></p>`
    : html`<p class="muted">${running ? 'Waiting for the first reading (the agent reads tasks every 15 s).' : 'Readings are taken while a task runs.'}</p>`}
    <div class="charts">
      <${Chart} title="Task CPU utilization (live)" unit="%" series=${[{ label: 'CPU' }]} data=${[xs, list.map((r) => r.cpuPercent)]} yMax=${100} xRange=${span} />
      <${Chart} title="Task memory utilization (live)" unit="%" series=${[{ label: 'Memory' }]} data=${[xs, list.map((r) => r.memoryPercent)]} yMax=${100} xRange=${span} />
    </div>`;
}

export function Task({ cluster, task: id }) {
  const definitions = useRef(new Map());
  const { data, error, loading, reload } = usePoll(() => loadTask(cluster, id, definitions.current), 2500, [cluster, id]);
  const t = data?.task;
  const service = t?.group?.startsWith('service:') ? t.group.slice('service:'.length) : undefined;
  return html`
    <section>
      <p class="crumbs"><a href="#/">Clusters</a> / <a href=${`#/clusters/${cluster}`}>${cluster}</a> /${service ? html` ${link(`/clusters/${cluster}/services/${service}`, service)} /` : ''}</p>
      <h1>Task ${id}</h1>
      <${ErrorNote} error=${error} />
      ${loading ? html`<p class="loading">Loading…</p>` : !t ? html`<p class="empty">No task ${id} in ${cluster} (stopped tasks are kept for a while, then forgotten).</p>` : html`
        <p class="facts">
          <span class=${statusClass(t.lastStatus)} data-field="lastStatus">${t.lastStatus}</span>
          <span>desired <b data-field="desiredStatus">${t.desiredStatus}</b></span>
          <span>health <b>${t.healthStatus}</b></span>
          <span>${familyRevision(t.taskDefinitionArn)}</span>
          <span>${t.cpu} CPU units · ${t.memory} MiB</span>
          <span>${t.capacityProviderName ?? t.launchType}</span><span>${t.availabilityZone}</span>
        </p>
        ${t.stoppedReason ? html`<p class="stopped" data-field="stoppedReason"><b>${t.stopCode ?? 'Stopped'}</b>: ${t.stoppedReason}</p>` : null}
        <div class="actions"><${StopForm} cluster=${cluster} task=${t} onDone=${reload} /></div>
        <div class="columns">
          <div><h2>Timeline</h2>
            <dl class="pairs times">${TIMES.filter((k) => t[k]).map((k) => html`<dt>${k}</dt><dd>${when(t[k])}</dd>`)}</dl></div>
          <div><h2>Network interface</h2><${Eni} task=${t} /></div>
        </div>
        <h2>Containers</h2>
        <${Containers} task=${t} />
        <h2>Utilization</h2>
        <${LiveUtilization} cluster=${cluster} task=${t} />
        <h2>Logs</h2>
        <${LiveLogs} sources=${streamsOf(t.taskArn, data.definition)} follow=${t.lastStatus !== 'STOPPED'} />`}
    </section>`;
}

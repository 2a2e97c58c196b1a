// Run a task from a registered task definition, in the default VPC's subnets (as `pier run` does).
import { ec2, ecs } from '../api.js';
import { useAction, usePoll } from '../hooks.js';
import { ErrorNote, html } from '../html.js';

const texts = (doc, tag) => [...doc.getElementsByTagName(tag)].map((e) => e.textContent);

/** awsvpcConfiguration for the default VPC: its default subnets and `default` security group. */
export async function defaultNetwork() {
  const vpcId = texts(await ec2('DescribeVpcs', { 'Filter.1.Name': 'is-default', 'Filter.1.Value.1': 'true' }), 'vpcId')[0];
  if (!vpcId) throw new Error('This Pier has no default VPC to run tasks in.');
  const subnets = texts(await ec2('DescribeSubnets', { 'Filter.1.Name': 'default-for-az', 'Filter.1.Value.1': 'true' }), 'subnetId');
  const groups = texts(await ec2('DescribeSecurityGroups', {
    'Filter.1.Name': 'group-name', 'Filter.1.Value.1': 'default', 'Filter.2.Name': 'vpc-id', 'Filter.2.Value.1': vpcId,
  }), 'groupId');
  return { awsvpcConfiguration: { subnets, securityGroups: groups.slice(0, 1), assignPublicIp: 'DISABLED' } };
}

export function RunTaskForm({ cluster, onDone }) {
  const families = usePoll(async () => (await ecs('ListTaskDefinitionFamilies', { status: 'ACTIVE' })).families ?? [], 0, []);
  const action = useAction(async (form) => {
    const out = await ecs('RunTask', {
      cluster, taskDefinition: form.get('family'), count: Number(form.get('count')),
      ...(form.get('capacity') === 'FARGATE_SPOT' ? { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] } : { launchType: 'FARGATE' }),
      networkConfiguration: await defaultNetwork(),
      startedBy: 'pier-console',
    });
    if (out.failures?.length) throw new Error(out.failures.map((f) => `${f.arn ?? ''} ${f.reason}${f.detail ? `: ${f.detail}` : ''}`).join('; '));
    return (out.tasks ?? []).map((t) => t.taskArn);
  }, onDone);
  const submit = (e) => {
    e.preventDefault();
    action.run(new FormData(e.currentTarget));
  };
  const list = families.data ?? [];
  return html`
    <form class="panel run-task" onSubmit=${submit}>
      <h2>Run a task in ${cluster}</h2>
      ${families.data && list.length === 0 ? html`<p class="empty">No task definitions yet: <code>pier run IMAGE</code> or <code>aws ecs register-task-definition</code> registers one.</p>` : null}
      <label>Task definition family
        <select name="family" required>${list.map((f) => html`<option value=${f}>${f}</option>`)}</select></label>
      <label>Count<input name="count" type="number" min="1" max="10" defaultValue="1" required /></label>
      <label>Capacity
        <select name="capacity"><option value="FARGATE">FARGATE</option><option value="FARGATE_SPOT">FARGATE_SPOT</option></select></label>
      <button type="submit" disabled=${action.busy || list.length === 0}>${action.busy ? 'Starting…' : 'Run'}</button>
      <${ErrorNote} error=${action.error ?? families.error} />
    </form>`;
}

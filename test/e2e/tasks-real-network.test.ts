/**
 * Task networking end to end, on real gVisor sandboxes (pier up as root, runsc): each task gets its
 * own ENI in the default VPC, security groups made with `aws ec2` decide who reaches whom, the
 * metadata endpoint answers a task about itself, and `aws ec2 describe-network-interfaces` shows
 * the running tasks' interfaces. Clients are tasks too: a client's exit code says whether it got
 * the server's page. Traffic stays between the host and the tasks' namespaces.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { container, RealEnv, summary } from './tasks-real-support.test.js';

const SERVE = 'mkdir -p /tmp/w && echo hello-from-the-server > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w';
/** Exit 0 only when the page came back; a dropped SYN makes wget hang until `timeout` ends it. */
const fetchFrom = (ip: string): string => `timeout 5 wget -q -O - http://${ip}:8080/index.html | grep -q hello-from-the-server`;

describe('task networking on real sandboxes (runsc): ENIs, security groups, metadata endpoint', () => {
  let env: RealEnv;
  let vpcId = '';
  let subnet = '';
  let defaultGroup = '';

  const network = (groups: string[]): string => `awsvpcConfiguration={subnets=[${subnet}],securityGroups=[${groups.join(',')}]}`;
  const ipOf = (t: { attachments?: { details?: { name?: string; value?: string }[] }[] }): string =>
    t.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value ?? '';

  before(async () => {
    env = await RealEnv.start({ agent: true, registryAuth: 'none' });
    const defaults = env.defaultNetwork();
    subnet = defaults.subnets[0]!; // the host's zone comes first (zone a)
    defaultGroup = defaults.securityGroup;
    vpcId = env.aws.ok(['describe-subnets', '--subnet-ids', subnet], 'ec2').Subnets[0].VpcId;
    env.registerTaskDefinition('net', [{ name: 'app', command: 'exit 0' }]);
  });
  after(async () => {
    await env?.teardown();
  });

  async function client(groups: string[], ip: string): Promise<number | undefined> {
    const t = await env.waitStopped(env.runCommand('net', 'app', fetchFrom(ip), {}, network(groups)), 60_000);
    return container(t, 'app').exitCode;
  }

  test('tasks of one group talk; a group without the rule blocks; a source-group rule admits its members only', async () => {
    const web = env.aws.ok(['create-security-group', '--group-name', 'web', '--description', 'web servers', '--vpc-id', vpcId], 'ec2').GroupId as string;
    const other = env.aws.ok(['create-security-group', '--group-name', 'other', '--description', 'strangers', '--vpc-id', vpcId], 'ec2').GroupId as string;

    const inDefault = await env.waitRunning(env.runCommand('net', 'app', SERVE, {}, network([defaultGroup])));
    const inWeb = await env.waitRunning(env.runCommand('net', 'app', SERVE, {}, network([web])));
    assert.notEqual(ipOf(inDefault), ipOf(inWeb), 'two tasks, two addresses');

    assert.equal(await client([defaultGroup], ipOf(inDefault)), 0, 'the default group admits its own members');
    assert.notEqual(await client([defaultGroup], ipOf(inWeb)), 0, 'web has no ingress rule yet');

    env.aws.ok(['authorize-security-group-ingress', '--group-id', web, '--protocol', 'tcp', '--port', '8080', '--source-group', defaultGroup], 'ec2');
    assert.equal(await client([defaultGroup], ipOf(inWeb)), 0, 'tcp 8080 from the default group, authorized while the server runs');
    assert.notEqual(await client([other], ipOf(inWeb)), 0, 'a task outside the source group');

    env.aws.ok(['revoke-security-group-ingress', '--group-id', web, '--protocol', 'tcp', '--port', '8080', '--source-group', defaultGroup], 'ec2');
    assert.notEqual(await client([defaultGroup], ipOf(inWeb)), 0, 'revoked again');
  });

  test('describe-network-interfaces shows a running task\'s ENI; the address is released when the task stops', async () => {
    const t = await env.waitRunning(env.runCommand('net', 'app', 'sleep 600', {}, network([defaultGroup])));
    const details = Object.fromEntries((t.attachments?.[0]?.details ?? []).map((d) => [d.name, d.value]));
    assert.equal(t.attachments?.[0]?.status, 'ATTACHED');
    assert.equal(details.subnetId, subnet);
    assert.deepEqual(t.containers?.map((c) => c.networkInterfaces?.[0]?.privateIpv4Address), [details.privateIPv4Address]);
    const enis = env.aws.ok(['describe-network-interfaces', '--network-interface-ids', details.networkInterfaceId!], 'ec2').NetworkInterfaces;
    assert.equal(enis.length, 1);
    assert.equal(enis[0].PrivateIpAddress, details.privateIPv4Address);
    assert.equal(enis[0].MacAddress, details.macAddress);
    assert.equal(enis[0].SubnetId, subnet);
    assert.deepEqual(enis[0].Groups.map((g: { GroupId: string }) => g.GroupId), [defaultGroup]);
    assert.match(enis[0].Description, /^arn:aws:ecs:[a-z0-9-]+:\d{12}:attachment\/[0-9a-f-]{36}$/);

    env.aws.ok(['stop-task', '--task', t.taskArn!]);
    const stopped = await env.waitStopped(t.taskArn!);
    assert.equal(stopped.attachments?.[0]?.status, 'DELETED', summary(stopped));
    const after = env.aws.ok(['describe-network-interfaces', '--filters', `Name=private-ip-address,Values=${details.privateIPv4Address}`], 'ec2').NetworkInterfaces;
    assert.deepEqual(after, [], 'the interface and its address are gone with the task');
  });

  test('a task reads its own metadata at 169.254.170.2 through ECS_CONTAINER_METADATA_URI_V4', async () => {
    // The container's own id ends the URI; its metadata must name it, and /task must name the task.
    const script = [
      'id=${ECS_CONTAINER_METADATA_URI_V4##*/}',
      'wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4" | grep -q "\\"DockerId\\":\\"$id\\"" || exit 11',
      'wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4/task" | grep -q "\\"TaskARN\\":\\"arn:aws:ecs:.*/${id%-*}\\"" || exit 12',
      'wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4/task" | grep -q "\\"Family\\":\\"net\\"" || exit 13',
      '[ -n "$ECS_CONTAINER_METADATA_URI" ] || exit 14',
    ].join('; ');
    const t = await env.waitStopped(env.runCommand('net', 'app', script, {}, network([defaultGroup])), 60_000);
    assert.equal(container(t, 'app').exitCode, 0, summary(t));
  });

  test('nothing is left on the host: links, nftables tables, namespaces', () => env.assertNothingLeft());
});

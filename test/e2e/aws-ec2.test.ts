/**
 * The EC2 VPC API with the real AWS CLI v2 (Debian's /usr/bin/aws) and v1 (first on PATH, when
 * present) against a real `pier up`: the default VPC, create/describe/authorize/revoke/delete,
 * filters, tags, interfaces from IPAM, and reset. Errors are in aws-ec2-errors.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { allocateEni } from '../../src/ec2/network-interfaces.js';
import { systemClock } from '../../src/lib/clock.js';
import { randomIds } from '../../src/lib/ids.js';
import { paths } from '../../src/platform/data-dir.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Ec2Cli } from '../helpers/ec2-cli.js';
import { PIER_MAIN, startPier, type PierProcess } from '../helpers/pier-process.js';
import { Aws, debianCli, v1Cli, v2Only } from './aws-cli-support.test.js';

const ID = (prefix: string) => new RegExp(`^${prefix}-[0-9a-f]{17}$`);
const clis = [debianCli(), ...(v1Cli() ? [v1Cli()!] : [])];

for (const cli of clis) {
  describe(`aws ec2 with ${cli.name} (${cli.version.split(' ')[0]})`, () => {
    // Deletes and reset are the server's behaviour whichever CLI asks: v2 covers them.
    const testV2 = v2Only(cli);
    let pier: PierProcess | undefined;
    let ec2: Ec2Cli;
    let zones: string[] = [];
    let defaultVpc = '';
    let vpc = '';
    let subnet = '';
    let web = '';
    let db = '';

    before(async () => {
      pier = await startPier({ args: ['--allow-reset'] });
      ec2 = new Ec2Cli(new Aws(cli, pier));
      zones = ['a', 'b', 'c'].map((z) => `${pier!.region}${z}`);
    });
    after(async () => {
      await pier?.destroy();
    });

    test('the default VPC exists from first start: 172.31.0.0/16, a default /20 per zone, the default group', () => {
      const { Vpcs } = ec2.ok(['describe-vpcs', '--filters', 'Name=isDefault,Values=true']);
      assert.equal(Vpcs.length, 1);
      assert.match(Vpcs[0].VpcId, ID('vpc'));
      assert.equal(Vpcs[0].CidrBlock, '172.31.0.0/16');
      assert.equal(Vpcs[0].IsDefault, true);
      assert.equal(Vpcs[0].State, 'available');
      defaultVpc = Vpcs[0].VpcId;

      const { Subnets } = ec2.ok(['describe-subnets', '--filters', 'Name=default-for-az,Values=true']);
      assert.deepEqual(Subnets.map((s: any) => [s.CidrBlock, s.AvailabilityZone, s.VpcId, s.DefaultForAz, s.MapPublicIpOnLaunch, s.AvailableIpAddressCount]), [
        ['172.31.0.0/20', zones[0], defaultVpc, true, true, 4091],
        ['172.31.16.0/20', zones[1], defaultVpc, true, true, 4091],
        ['172.31.32.0/20', zones[2], defaultVpc, true, true, 4091],
      ]);

      assert.deepEqual(Subnets.map((s: any) => s.AvailabilityZoneId), ['use1-az1', 'use1-az2', 'use1-az3']);
      const { AvailabilityZones } = ec2.ok(['describe-availability-zones']);
      assert.deepEqual(AvailabilityZones.map((z: any) => [z.ZoneName, z.ZoneId, z.State, z.RegionName]),
        zones.map((z, i) => [z, `use1-az${i + 1}`, 'available', pier!.region]));
      assert.equal(ec2.text(['describe-availability-zones', '--filters', 'Name=zone-id,Values=use1-az2', '--query', 'AvailabilityZones[].ZoneName']), zones[1]);

      const { SecurityGroups } = ec2.ok(['describe-security-groups', '--filters', `Name=vpc-id,Values=${defaultVpc}`, 'Name=group-name,Values=default']);
      assert.equal(SecurityGroups.length, 1);
      const g = SecurityGroups[0];
      assert.equal(g.Description, 'default VPC security group');
      assert.deepEqual(g.IpPermissions.map((p: any) => [p.IpProtocol, p.UserIdGroupPairs.map((u: any) => u.GroupId), p.IpRanges]), [['-1', [g.GroupId], []]]);
      assert.deepEqual(g.IpPermissionsEgress.map((p: any) => [p.IpProtocol, p.IpRanges]), [['-1', [{ CidrIp: '0.0.0.0/0' }]]]);
    });

    test('create-vpc with tags, then describe-vpcs by id and by tag', () => {
      const { Vpc } = ec2.ok(['create-vpc', '--cidr-block', '10.0.0.0/16', '--tag-specifications', 'ResourceType=vpc,Tags=[{Key=Name,Value=demo},{Key=team,Value=core}]']);
      assert.match(Vpc.VpcId, ID('vpc'));
      assert.equal(Vpc.CidrBlock, '10.0.0.0/16');
      assert.equal(Vpc.IsDefault, false);
      assert.deepEqual(Vpc.Tags, [{ Key: 'Name', Value: 'demo' }, { Key: 'team', Value: 'core' }]);
      vpc = Vpc.VpcId;
      assert.deepEqual(ec2.ok(['describe-vpcs', '--vpc-ids', vpc]).Vpcs.map((v: any) => v.VpcId), [vpc]);
      assert.deepEqual(ec2.ok(['describe-vpcs', '--filters', 'Name=tag:Name,Values=dem*']).Vpcs.map((v: any) => v.VpcId), [vpc]);
      assert.deepEqual(ec2.ok(['describe-vpcs', '--filters', 'Name=tag-key,Values=team']).Vpcs.map((v: any) => v.VpcId), [vpc]);
      assert.deepEqual(ec2.ok(['describe-vpcs', '--filters', 'Name=cidr-block,Values=10.0.0.0/16', 'Name=isDefault,Values=false']).Vpcs.map((v: any) => v.VpcId), [vpc]);
      assert.equal(ec2.text(['describe-vpcs', '--query', 'length(Vpcs)']), '2');
      // Every VPC comes with its own default security group.
      assert.equal(ec2.text(['describe-security-groups', '--filters', `Name=vpc-id,Values=${vpc}`, '--query', 'SecurityGroups[].GroupName']), 'default');
    });

    test('create-subnet inside the VPC in a zone; AvailableIpAddressCount leaves out the 5 reserved addresses', () => {
      const { Subnet } = ec2.ok(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.1.0/24', '--availability-zone', zones[1]!,
        '--tag-specifications', 'ResourceType=subnet,Tags=[{Key=tier,Value=app}]']);
      assert.match(Subnet.SubnetId, ID('subnet'));
      assert.deepEqual([Subnet.VpcId, Subnet.CidrBlock, Subnet.AvailabilityZone, Subnet.AvailableIpAddressCount, Subnet.DefaultForAz, Subnet.MapPublicIpOnLaunch, Subnet.State],
        [vpc, '10.0.1.0/24', zones[1], 251, false, false, 'available']);
      assert.deepEqual(Subnet.Tags, [{ Key: 'tier', Value: 'app' }]);
      subnet = Subnet.SubnetId;
      const small = ec2.ok(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.2.0/28', '--availability-zone-id', 'use1-az3']).Subnet;
      assert.deepEqual([small.AvailabilityZone, small.AvailabilityZoneId], [zones[2], 'use1-az3']);
      const anywhere = ec2.ok(['create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.3.0/28']).Subnet;
      assert.equal(anywhere.AvailabilityZone, zones[0], 'no zone given: the zone where the VPC has fewest subnets');
      ec2.ok(['delete-subnet', '--subnet-id', anywhere.SubnetId]);
      assert.equal(small.AvailableIpAddressCount, 11);

      const ids = (args: string[]) => ec2.ok(['describe-subnets', ...args]).Subnets.map((s: any) => s.SubnetId).sort();
      assert.deepEqual(ids(['--filters', `Name=vpc-id,Values=${vpc}`]), [subnet, small.SubnetId].sort());
      assert.deepEqual(ids(['--subnet-ids', subnet]), [subnet]);
      assert.deepEqual(ids(['--filters', 'Name=cidr-block,Values=10.0.2.0/28']), [small.SubnetId]);
      assert.deepEqual(ids(['--filters', `Name=availability-zone,Values=${zones[1]}`, `Name=vpc-id,Values=${vpc}`]), [subnet]);
      assert.deepEqual(ids(['--filters', 'Name=tag:tier,Values=app']), [subnet]);
      assert.deepEqual(ids(['--filters', `Name=subnet-id,Values=${subnet},${small.SubnetId}`, 'Name=default-for-az,Values=false']), [subnet, small.SubnetId].sort());
      ec2.ok(['delete-subnet', '--subnet-id', small.SubnetId]);
      assert.deepEqual(ids(['--filters', `Name=vpc-id,Values=${vpc}`]), [subnet]);
    });

    test('security groups: create, authorize ingress and egress (shorthand and --ip-permissions), describe, revoke', () => {
      const created = ec2.ok(['create-security-group', '--group-name', 'web', '--description', 'web tier', '--vpc-id', vpc,
        '--tag-specifications', 'ResourceType=security-group,Tags=[{Key=app,Value=shop}]']);
      assert.match(created.GroupId, ID('sg'));
      assert.deepEqual(created.Tags, [{ Key: 'app', Value: 'shop' }]);
      web = created.GroupId;
      db = ec2.ok(['create-security-group', '--group-name', 'db', '--description', 'database', '--vpc-id', vpc]).GroupId;

      const http = ec2.ok(['authorize-security-group-ingress', '--group-id', web, '--protocol', 'tcp', '--port', '80', '--cidr', '0.0.0.0/0']);
      assert.equal(http.Return, true);
      assert.deepEqual(http.SecurityGroupRules.map((r: any) => [r.GroupId, r.IsEgress, r.IpProtocol, r.FromPort, r.ToPort, r.CidrIpv4]),
        [[web, false, 'tcp', 80, 80, '0.0.0.0/0']]);
      assert.match(http.SecurityGroupRules[0].SecurityGroupRuleId, ID('sgr'));
      ec2.ok(['authorize-security-group-ingress', '--group-id', db, '--ip-permissions',
        `IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId=${web},Description=from web}]`,
        'IpProtocol=icmp,FromPort=-1,ToPort=-1,IpRanges=[{CidrIp=10.0.0.0/16}]']);
      ec2.ok(['authorize-security-group-egress', '--group-id', db, '--ip-permissions', 'IpProtocol=udp,FromPort=53,ToPort=53,IpRanges=[{CidrIp=10.0.0.2/32}]']);

      const { SecurityGroups } = ec2.ok(['describe-security-groups', '--group-ids', db]);
      const g = SecurityGroups[0];
      assert.deepEqual([g.GroupName, g.Description, g.VpcId], ['db', 'database', vpc]);
      assert.deepEqual(g.IpPermissions.map((p: any) => [p.IpProtocol, p.FromPort, p.ToPort, p.IpRanges, p.UserIdGroupPairs.map((u: any) => [u.GroupId, u.Description])]), [
        ['tcp', 5432, 5432, [], [[web, 'from web']]],
        ['icmp', -1, -1, [{ CidrIp: '10.0.0.0/16' }], []],
      ]);
      assert.deepEqual(g.IpPermissionsEgress.map((p: any) => [p.IpProtocol, p.FromPort, p.IpRanges]),
        [['-1', undefined, [{ CidrIp: '0.0.0.0/0' }]], ['udp', 53, [{ CidrIp: '10.0.0.2/32' }]]]);

      const names = (filters: string[]) => ec2.ok(['describe-security-groups', '--filters', ...filters]).SecurityGroups.map((s: any) => s.GroupName).sort();
      assert.deepEqual(names([`Name=vpc-id,Values=${vpc}`]), ['db', 'default', 'web']);
      assert.deepEqual(names([`Name=group-id,Values=${web}`]), ['web']);
      assert.deepEqual(names(['Name=group-name,Values=web,db', `Name=vpc-id,Values=${vpc}`]), ['db', 'web']);
      assert.deepEqual(names(['Name=ip-permission.from-port,Values=5432']), ['db']);
      assert.deepEqual(names(['Name=tag:app,Values=shop']), ['web']);

      const revoked = ec2.ok(['revoke-security-group-ingress', '--group-id', web, '--protocol', 'tcp', '--port', '80', '--cidr', '0.0.0.0/0']);
      assert.equal(revoked.Return, true);
      ec2.ok(['revoke-security-group-egress', '--group-id', db, '--ip-permissions', 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]']);
      const after = ec2.ok(['describe-security-groups', '--group-ids', web, db]).SecurityGroups;
      assert.deepEqual(after.find((s: any) => s.GroupId === web).IpPermissions, []);
      assert.deepEqual(after.find((s: any) => s.GroupId === db).IpPermissionsEgress.map((p: any) => p.IpProtocol), ['udp']);
    });

    test('create-tags, describe-tags with filters, delete-tags', () => {
      ec2.ok(['create-tags', '--resources', vpc, subnet, '--tags', 'Key=env,Value=test']);
      const tags = ec2.ok(['describe-tags', '--filters', 'Name=key,Values=env']).Tags;
      assert.deepEqual(tags.map((t: any) => [t.ResourceId, t.ResourceType, t.Key, t.Value]).sort(),
        [[subnet, 'subnet', 'env', 'test'], [vpc, 'vpc', 'env', 'test']].sort());
      assert.deepEqual(ec2.ok(['describe-tags', '--filters', `Name=resource-id,Values=${vpc}`]).Tags.map((t: any) => t.Key), ['Name', 'env', 'team']);
      ec2.ok(['delete-tags', '--resources', vpc, '--tags', 'Key=env', 'Key=team,Value=not-core']);
      assert.deepEqual(ec2.ok(['describe-vpcs', '--vpc-ids', vpc]).Vpcs[0].Tags, [{ Key: 'Name', Value: 'demo' }, { Key: 'team', Value: 'core' }]);
      assert.equal(ec2.text(['describe-tags', '--filters', 'Name=resource-type,Values=subnet', 'Name=key,Values=env', '--query', 'Tags[0].ResourceId']), subnet);
    });

    test('interfaces from IPAM show in describe-network-interfaces and in AvailableIpAddressCount, and hold their subnet', async () => {
      assert.deepEqual(ec2.ok(['describe-network-interfaces']).NetworkInterfaces, []);
      // Tasks get interfaces later (RunTask); allocate two the way RunTask will, with pier stopped.
      await pier!.stop();
      const store = new SqliteStore(paths(pier!.dataDir).db);
      const scope = { partition: 'aws', region: pier!.region, accountId: '000000000000' };
      const enis = [];
      for (const n of [1, 2]) {
        const r = await store.transaction((tx) => allocateEni(tx, { subnetId: subnet, securityGroupIds: [web], taskArn: `task-${n}`, description: `task ${n}` },
          { ids: randomIds, clock: systemClock, scope }));
        assert.ok(r.ok);
        enis.push(r.eni);
      }
      await store.close();
      pier = await startPier({ dataDir: pier!.dataDir, args: ['--allow-reset'] });
      ec2 = new Ec2Cli(new Aws(cli, pier));

      const { NetworkInterfaces } = ec2.ok(['describe-network-interfaces', '--filters', `Name=subnet-id,Values=${subnet}`]);
      assert.deepEqual(NetworkInterfaces.map((n: any) => [n.NetworkInterfaceId, n.PrivateIpAddress, n.SubnetId, n.VpcId, n.AvailabilityZone, n.Description, n.Status, n.Groups]), [
        [enis[0]!.networkInterfaceId, '10.0.1.4', subnet, vpc, zones[1], 'task 1', 'in-use', [{ GroupId: web, GroupName: 'web' }]],
        [enis[1]!.networkInterfaceId, '10.0.1.5', subnet, vpc, zones[1], 'task 2', 'in-use', [{ GroupId: web, GroupName: 'web' }]],
      ]);
      assert.equal(NetworkInterfaces[0].PrivateDnsName, `ip-10-0-1-4.${pier.region}.compute.internal`);
      assert.equal(NetworkInterfaces[0].MacAddress, enis[0]!.macAddress);
      assert.equal(ec2.text(['describe-network-interfaces', '--filters', 'Name=private-ip-address,Values=10.0.1.5', '--query', 'NetworkInterfaces[0].NetworkInterfaceId']), enis[1]!.networkInterfaceId);
      assert.equal(ec2.text(['describe-subnets', '--subnet-ids', subnet, '--query', 'Subnets[0].AvailableIpAddressCount']), '249');

      ec2.fail(['delete-subnet', '--subnet-id', subnet], 'DependencyViolation', 'DeleteSubnet', `The subnet '${subnet}' has dependencies and cannot be deleted.`);
      ec2.fail(['delete-security-group', '--group-id', web], 'DependencyViolation', 'DeleteSecurityGroup', `resource ${web} has a dependent object`);
    });

    testV2('delete-vpc waits for its subnets and groups; then the VPC takes its default group with it', () => {
      ec2.fail(['delete-vpc', '--vpc-id', vpc], 'DependencyViolation', 'DeleteVpc', `The vpc '${vpc}' has dependencies and cannot be deleted.`);
      ec2.ok(['revoke-security-group-ingress', '--group-id', db, '--ip-permissions', `IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId=${web}}]`]);
      ec2.ok(['delete-security-group', '--group-id', db]); // v1 prints {Return, GroupId}; v2.9's older model prints nothing
      assert.equal(ec2.text(['describe-security-groups', '--filters', 'Name=group-name,Values=db', '--query', 'length(SecurityGroups)']), '0');

      const other = ec2.ok(['create-vpc', '--cidr-block', '10.0.0.0/16']).Vpc.VpcId;
      const sn = ec2.ok(['create-subnet', '--vpc-id', other, '--cidr-block', '10.0.0.0/24']).Subnet.SubnetId;
      const sg = ec2.ok(['create-security-group', '--group-name', 'web', '--description', 'same name, other VPC', '--vpc-id', other]).GroupId;
      ec2.fail(['delete-vpc', '--vpc-id', other], 'DependencyViolation', 'DeleteVpc', `The vpc '${other}' has dependencies and cannot be deleted.`);
      ec2.ok(['delete-security-group', '--group-id', sg]);
      ec2.fail(['delete-vpc', '--vpc-id', other], 'DependencyViolation', 'DeleteVpc', `The vpc '${other}' has dependencies and cannot be deleted.`);
      ec2.ok(['delete-subnet', '--subnet-id', sn]);
      ec2.ok(['delete-vpc', '--vpc-id', other]);
      assert.equal(ec2.text(['describe-vpcs', '--filters', `Name=vpc-id,Values=${other}`, '--query', 'length(Vpcs)']), '0');
      assert.equal(ec2.text(['describe-security-groups', '--filters', `Name=vpc-id,Values=${other}`, '--query', 'length(SecurityGroups)']), '0');
      ec2.fail(['delete-vpc', '--vpc-id', other], 'InvalidVpcID.NotFound', 'DeleteVpc', `The vpc ID '${other}' does not exist`);
    });

    testV2('pier reset wipes what users made and brings back a fresh default VPC', () => {
      execFileSync(process.execPath, [PIER_MAIN, 'reset', '--data-dir', pier!.dataDir], { encoding: 'utf8' });
      const { Vpcs } = ec2.ok(['describe-vpcs']);
      assert.equal(Vpcs.length, 1);
      assert.equal(Vpcs[0].IsDefault, true);
      assert.notEqual(Vpcs[0].VpcId, defaultVpc);
      assert.equal(ec2.text(['describe-subnets', '--query', 'length(Subnets)']), '3');
      assert.equal(ec2.text(['describe-security-groups', '--query', 'SecurityGroups[].GroupName']), 'default');
      assert.deepEqual(ec2.ok(['describe-network-interfaces']).NetworkInterfaces, []);
      assert.deepEqual(ec2.ok(['describe-tags']).Tags, []);
    });
  });
}

/**
 * SQLite repositories for EC2 networking: VPCs, subnets, security groups with their rules,
 * network interfaces (the IPAM table) and EC2 tags.
 *
 * IPAM: an address is a row of network_interfaces, UNIQUE (subnet_id, private_ip). The lowest free
 * address is found by a gap query inside the caller's write transaction, so two allocations never
 * see the same gap (SQLite has one writer; PostgreSQL will need the same UNIQUE constraint plus a
 * retry on conflict, which the constraint makes safe either way).
 */
import type { Tag } from '../../ecs/wire.js';
import {
  ConflictError, type Ec2TagRepo, type NetworkInterfaceRecord, type NetworkInterfaceRepo, type SecurityGroupRecord,
  type SecurityGroupRepo, type SecurityGroupRuleRecord, type SubnetRecord, type SubnetRepo, type VpcRecord, type VpcRepo,
} from '../store.js';
import type { Statements } from './statements.js';

interface VpcRow { id: string; cidr_block: string; is_default: number; created_at: number }
const vpcFromRow = (r: VpcRow): VpcRecord => ({ id: r.id, cidrBlock: r.cidr_block, isDefault: r.is_default === 1, createdAt: r.created_at });

export class SqliteVpcRepo implements VpcRepo {
  constructor(private readonly s: Statements) {}
  async get(id: string): Promise<VpcRecord | undefined> {
    const row = this.s.get('SELECT * FROM vpcs WHERE id = ?').get(id) as VpcRow | undefined;
    return row && vpcFromRow(row);
  }
  async getDefault(): Promise<VpcRecord | undefined> {
    const row = this.s.get('SELECT * FROM vpcs WHERE is_default = 1').get() as VpcRow | undefined;
    return row && vpcFromRow(row);
  }
  async list(): Promise<VpcRecord[]> {
    return (this.s.get('SELECT * FROM vpcs ORDER BY created_at, rowid').all() as VpcRow[]).map(vpcFromRow);
  }
  async insert(r: VpcRecord): Promise<void> {
    this.s.get('INSERT INTO vpcs (id, cidr_block, is_default, created_at) VALUES (?, ?, ?, ?)')
      .run(r.id, r.cidrBlock, r.isDefault ? 1 : 0, r.createdAt);
  }
  async remove(id: string): Promise<void> {
    this.s.get('DELETE FROM vpcs WHERE id = ?').run(id);
  }
}

interface SubnetRow {
  id: string; vpc_id: string; cidr_block: string; availability_zone: string; default_for_az: number;
  map_public_ip_on_launch: number; first_address: number; last_address: number; created_at: number;
}
const subnetFromRow = (r: SubnetRow): SubnetRecord => ({
  id: r.id, vpcId: r.vpc_id, cidrBlock: r.cidr_block, availabilityZone: r.availability_zone,
  defaultForAz: r.default_for_az === 1, mapPublicIpOnLaunch: r.map_public_ip_on_launch === 1,
  firstAddress: r.first_address, lastAddress: r.last_address, createdAt: r.created_at,
});

export class SqliteSubnetRepo implements SubnetRepo {
  constructor(private readonly s: Statements) {}
  async get(id: string): Promise<SubnetRecord | undefined> {
    const row = this.s.get('SELECT * FROM subnets WHERE id = ?').get(id) as SubnetRow | undefined;
    return row && subnetFromRow(row);
  }
  async list(opts: { vpcId?: string } = {}): Promise<SubnetRecord[]> {
    const rows = this.s.get('SELECT * FROM subnets WHERE (@vpc IS NULL OR vpc_id = @vpc) ORDER BY created_at, rowid')
      .all({ vpc: opts.vpcId ?? null }) as SubnetRow[];
    return rows.map(subnetFromRow);
  }
  async insert(r: SubnetRecord): Promise<void> {
    this.s.get(`INSERT INTO subnets (id, vpc_id, cidr_block, availability_zone, default_for_az, map_public_ip_on_launch,
        first_address, last_address, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(r.id, r.vpcId, r.cidrBlock, r.availabilityZone, r.defaultForAz ? 1 : 0, r.mapPublicIpOnLaunch ? 1 : 0,
        r.firstAddress, r.lastAddress, r.createdAt);
  }
  async remove(id: string): Promise<void> {
    this.s.get('DELETE FROM subnets WHERE id = ?').run(id);
  }
  async allocatedCounts(): Promise<Map<string, number>> {
    const rows = this.s.get('SELECT subnet_id, COUNT(*) AS n FROM network_interfaces GROUP BY subnet_id').all() as
      { subnet_id: string; n: number }[];
    return new Map(rows.map((r) => [r.subnet_id, r.n]));
  }
}

interface GroupRow { id: string; vpc_id: string; name: string; description: string; created_at: number }
const groupFromRow = (r: GroupRow): SecurityGroupRecord => ({
  id: r.id, vpcId: r.vpc_id, name: r.name, description: r.description, createdAt: r.created_at,
});
interface RuleRow {
  id: string; group_id: string; is_egress: number; ip_protocol: string; from_port: number | null; to_port: number | null;
  cidr_ipv4: string | null; referenced_group_id: string | null; description: string | null;
}
const ruleFromRow = (r: RuleRow): SecurityGroupRuleRecord => ({
  id: r.id, groupId: r.group_id, isEgress: r.is_egress === 1, ipProtocol: r.ip_protocol,
  ...(r.from_port !== null ? { fromPort: r.from_port } : {}),
  ...(r.to_port !== null ? { toPort: r.to_port } : {}),
  ...(r.cidr_ipv4 !== null ? { cidrIpv4: r.cidr_ipv4 } : {}),
  ...(r.referenced_group_id !== null ? { referencedGroupId: r.referenced_group_id } : {}),
  ...(r.description !== null ? { description: r.description } : {}),
});

export class SqliteSecurityGroupRepo implements SecurityGroupRepo {
  constructor(private readonly s: Statements) {}
  async get(id: string): Promise<SecurityGroupRecord | undefined> {
    const row = this.s.get('SELECT * FROM security_groups WHERE id = ?').get(id) as GroupRow | undefined;
    return row && groupFromRow(row);
  }
  async getByName(vpcId: string, name: string): Promise<SecurityGroupRecord | undefined> {
    const row = this.s.get('SELECT * FROM security_groups WHERE vpc_id = ? AND name = ?').get(vpcId, name) as GroupRow | undefined;
    return row && groupFromRow(row);
  }
  async list(opts: { vpcId?: string } = {}): Promise<SecurityGroupRecord[]> {
    const rows = this.s.get('SELECT * FROM security_groups WHERE (@vpc IS NULL OR vpc_id = @vpc) ORDER BY created_at, rowid')
      .all({ vpc: opts.vpcId ?? null }) as GroupRow[];
    return rows.map(groupFromRow);
  }
  async insert(r: SecurityGroupRecord): Promise<void> {
    const res = this.s.get(`INSERT INTO security_groups (id, vpc_id, name, description, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (vpc_id, name) DO NOTHING`).run(r.id, r.vpcId, r.name, r.description, r.createdAt);
    if (res.changes === 0) throw new ConflictError(`security group ${r.name} exists in ${r.vpcId}`);
  }
  async remove(id: string): Promise<void> {
    this.s.get('DELETE FROM security_group_rules WHERE group_id = ?').run(id);
    this.s.get('DELETE FROM security_groups WHERE id = ?').run(id);
  }
  async rules(groupIds: readonly string[]): Promise<SecurityGroupRuleRecord[]> {
    if (groupIds.length === 0) return [];
    const rows = this.s.get('SELECT * FROM security_group_rules WHERE group_id IN (SELECT value FROM json_each(?)) ORDER BY rowid')
      .all(JSON.stringify(groupIds)) as RuleRow[];
    return rows.map(ruleFromRow);
  }
  async insertRule(r: SecurityGroupRuleRecord): Promise<void> {
    this.s.get(`INSERT INTO security_group_rules (id, group_id, is_egress, ip_protocol, from_port, to_port, cidr_ipv4,
        referenced_group_id, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(r.id, r.groupId, r.isEgress ? 1 : 0, r.ipProtocol, r.fromPort ?? null, r.toPort ?? null, r.cidrIpv4 ?? null,
        r.referencedGroupId ?? null, r.description ?? null);
  }
  async removeRule(id: string): Promise<void> {
    this.s.get('DELETE FROM security_group_rules WHERE id = ?').run(id);
  }
  async referencedBy(groupId: string): Promise<string[]> {
    return this.s.get(`SELECT DISTINCT group_id FROM security_group_rules WHERE referenced_group_id = ? AND group_id <> ?
      ORDER BY group_id`).pluck().all(groupId, groupId) as string[];
  }
}

interface EniRow {
  id: string; subnet_id: string; vpc_id: string; availability_zone: string; private_ip: number; mac_address: string;
  description: string; task_arn: string | null; created_at: number; group_ids: string;
}
const eniFromRow = (r: EniRow): NetworkInterfaceRecord => ({
  id: r.id, subnetId: r.subnet_id, vpcId: r.vpc_id, availabilityZone: r.availability_zone, privateIpAddress: r.private_ip,
  macAddress: r.mac_address, description: r.description, securityGroupIds: JSON.parse(r.group_ids) as string[],
  ...(r.task_arn !== null ? { taskArn: r.task_arn } : {}), createdAt: r.created_at,
});
const ENI_SELECT = `SELECT n.*, (SELECT json_group_array(group_id) FROM
  (SELECT group_id FROM network_interface_groups g WHERE g.network_interface_id = n.id ORDER BY position)) AS group_ids
  FROM network_interfaces n`;

export class SqliteNetworkInterfaceRepo implements NetworkInterfaceRepo {
  constructor(private readonly s: Statements) {}
  async get(id: string): Promise<NetworkInterfaceRecord | undefined> {
    const row = this.s.get(`${ENI_SELECT} WHERE n.id = ?`).get(id) as EniRow | undefined;
    return row && eniFromRow(row);
  }
  async list(): Promise<NetworkInterfaceRecord[]> {
    return (this.s.get(`${ENI_SELECT} ORDER BY n.created_at, n.id`).all() as EniRow[]).map(eniFromRow);
  }
  async insertWithLowestFreeAddress(
    r: Omit<NetworkInterfaceRecord, 'privateIpAddress'>, range: { first: number; last: number },
  ): Promise<number | undefined> {
    // The first address of the range if free, else the first address after a taken one that is free.
    const ip = this.s.get(`SELECT MIN(c) FROM (
        SELECT @first AS c UNION ALL
        SELECT private_ip + 1 FROM network_interfaces WHERE subnet_id = @subnet AND private_ip BETWEEN @first AND @last)
      WHERE c <= @last AND NOT EXISTS (SELECT 1 FROM network_interfaces WHERE subnet_id = @subnet AND private_ip = c)`)
      .pluck().get({ subnet: r.subnetId, first: range.first, last: range.last }) as number | null;
    if (ip === null) return undefined;
    this.s.get(`INSERT INTO network_interfaces (id, subnet_id, vpc_id, availability_zone, private_ip, mac_address, description,
        task_arn, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(r.id, r.subnetId, r.vpcId, r.availabilityZone, ip, r.macAddress, r.description, r.taskArn ?? null, r.createdAt);
    const group = this.s.get('INSERT INTO network_interface_groups (network_interface_id, group_id, position) VALUES (?, ?, ?)');
    r.securityGroupIds.forEach((g, i) => group.run(r.id, g, i));
    return ip;
  }
  async remove(id: string): Promise<void> {
    this.s.get('DELETE FROM network_interface_groups WHERE network_interface_id = ?').run(id);
    this.s.get('DELETE FROM network_interfaces WHERE id = ?').run(id);
  }
  async countInSubnet(subnetId: string): Promise<number> {
    return this.s.get('SELECT COUNT(*) FROM network_interfaces WHERE subnet_id = ?').pluck().get(subnetId) as number;
  }
  async groupInUse(groupId: string): Promise<boolean> {
    return this.s.get('SELECT 1 FROM network_interface_groups WHERE group_id = ? LIMIT 1').get(groupId) !== undefined;
  }
  async addressesInGroups(groupIds: readonly string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (groupIds.length === 0) return out;
    const rows = this.s.get(`SELECT g.group_id AS groupId, n.private_ip AS ip FROM network_interface_groups g
        JOIN network_interfaces n ON n.id = g.network_interface_id
        WHERE g.group_id IN (SELECT value FROM json_each(?)) ORDER BY g.group_id, n.private_ip`)
      .all(JSON.stringify(groupIds)) as { groupId: string; ip: number }[];
    for (const r of rows) {
      const list = out.get(r.groupId);
      if (list) list.push(r.ip);
      else out.set(r.groupId, [r.ip]);
    }
    return out;
  }
}

export class SqliteEc2TagRepo implements Ec2TagRepo {
  constructor(private readonly s: Statements) {}
  async getMany(ids: readonly string[]): Promise<Map<string, Tag[]>> {
    const out = new Map<string, Tag[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const rows = this.s.get('SELECT resource_id, key, value FROM ec2_tags WHERE resource_id IN (SELECT value FROM json_each(?)) ORDER BY key')
      .all(JSON.stringify(ids)) as { resource_id: string; key: string; value: string }[];
    for (const r of rows) out.get(r.resource_id)?.push({ key: r.key, value: r.value });
    return out;
  }
  async list(): Promise<{ resourceId: string; key: string; value: string }[]> {
    const rows = this.s.get('SELECT resource_id, key, value FROM ec2_tags ORDER BY resource_id, key').all() as
      { resource_id: string; key: string; value: string }[];
    return rows.map((r) => ({ resourceId: r.resource_id, key: r.key, value: r.value }));
  }
  async put(id: string, tags: readonly Tag[]): Promise<void> {
    const st = this.s.get(`INSERT INTO ec2_tags (resource_id, key, value) VALUES (?, ?, ?)
      ON CONFLICT (resource_id, key) DO UPDATE SET value = excluded.value`);
    for (const t of tags) st.run(id, t.key, t.value);
  }
  async remove(id: string, tags: readonly { key: string; value?: string }[]): Promise<void> {
    const st = this.s.get('DELETE FROM ec2_tags WHERE resource_id = @id AND key = @key AND (@value IS NULL OR value = @value)');
    for (const t of tags) st.run({ id, key: t.key, value: t.value ?? null });
  }
  async removeAll(id: string): Promise<void> {
    this.s.get('DELETE FROM ec2_tags WHERE resource_id = ?').run(id);
  }
}

/** `pier up` options: flags, then environment, then defaults, compiled once into a full object. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseCidr, parseIpv4 } from '../ec2/cidr.js';
import { DEFAULT_VPC_CIDR } from '../ec2/default-vpc.js';
import { DEFAULT_PRICES, parsePriceTable, PriceTableError, type PriceTable } from '../metering/prices.js';

export const DEFAULT_PORT = 4600;

export interface UpOptions {
  dataDir?: string;
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  allowReset?: boolean;
  hostLostAfterSeconds?: number;
  stoppedTaskRetentionSeconds?: number;
  /** How long an interrupted Fargate Spot task runs on before its stop (Fargate: 120). */
  spotNoticeSeconds?: number;
  /** The first throttled wait between restarts of a service whose tasks keep failing to start (10). */
  serviceLaunchBackoffSeconds?: number;
  /** Run the host agent in the same process (default: yes when root). */
  agent?: boolean;
  /** The agent runs load balancers' listeners (HAProxy) on this host (default: yes). */
  loadBalancer?: boolean;
  runtime?: string;
  cpu?: number;
  memory?: number;
  disk?: number;
  registryConfig?: string;
  insecureRegistries?: string[];
  defaultVpcCidr?: string;
  /** Address hosts bind load balancers' listeners on. */
  lbBindAddress?: string;
  /** A JSON price table file for metering (docs/costs.md); Fargate's us-east-1 prices when unset. */
  priceTable?: string;
}

export interface CompiledUpOptions {
  dataDir: string;
  port: number;
  host: string;
  region: string | undefined;
  accountId: string | undefined;
  rootKey: { accessKeyId: string; secretAccessKey: string } | undefined;
  allowReset: boolean;
  hostLostAfterMs: number;
  stoppedTaskRetentionMs: number;
  spotNoticeMs: number;
  serviceLaunchBackoffMs: number;
  /** The default VPC's block, used when it is first made (several Pier instances on one machine need distinct ones). */
  defaultVpcCidr: string;
  /** Address hosts bind load balancers' listeners on (127.0.0.1 unless told otherwise). */
  lbBindAddress: string;
  /** What `pier costs` charges at. */
  prices: PriceTable;
  /** Host agent settings, or undefined when `pier up` runs the control plane only. */
  agent: { runtime?: string; cpu?: number; memory?: number; disk?: number; registryConfig?: string; insecureRegistries?: string[]; loadBalancer?: boolean } | undefined;
}

export class OptionsError extends Error {}

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  return env.PIER_DATA_DIR ?? join(homedir(), '.pier');
}

export function compileUpOptions(o: UpOptions, env: NodeJS.ProcessEnv): CompiledUpOptions {
  const port = o.port ?? (env.PIER_PORT ? Number(env.PIER_PORT) : DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new OptionsError(`--port must be 0-65535, got ${port}`);
  const region = o.region ?? env.PIER_REGION;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new OptionsError(`--region must look like us-east-1, got '${region}'`);
  const accountId = o.accountId ?? env.PIER_ACCOUNT_ID;
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw new OptionsError(`--account-id must be 12 digits, got '${accountId}'`);
  const akid = o.accessKeyId ?? env.PIER_ACCESS_KEY_ID;
  const secret = o.secretAccessKey ?? env.PIER_SECRET_ACCESS_KEY;
  if ((akid === undefined) !== (secret === undefined)) throw new OptionsError('give both --access-key-id and --secret-access-key, or neither');
  if (akid !== undefined && !/^[A-Z0-9]{16,128}$/.test(akid)) throw new OptionsError('--access-key-id must be 16-128 upper-case letters and digits');
  if (secret !== undefined && secret.length < 16) throw new OptionsError('--secret-access-key must be at least 16 characters');
  const lost = o.hostLostAfterSeconds ?? (env.PIER_HOST_LOST_AFTER_SECONDS ? Number(env.PIER_HOST_LOST_AFTER_SECONDS) : 30);
  const retention = o.stoppedTaskRetentionSeconds ?? (env.PIER_STOPPED_TASK_RETENTION_SECONDS ? Number(env.PIER_STOPPED_TASK_RETENTION_SECONDS) : 3600);
  if (!(lost > 0)) throw new OptionsError('--host-lost-after-seconds must be positive');
  if (!(retention >= 0)) throw new OptionsError('--stopped-task-retention-seconds must be zero or more');
  const spotNotice = o.spotNoticeSeconds ?? (env.PIER_SPOT_NOTICE_SECONDS ? Number(env.PIER_SPOT_NOTICE_SECONDS) : 120);
  if (!(spotNotice >= 0 && spotNotice <= 3600)) throw new OptionsError('--spot-notice-seconds must be between 0 and 3600');
  const launchBackoff = o.serviceLaunchBackoffSeconds ?? (env.PIER_SERVICE_LAUNCH_BACKOFF_SECONDS ? Number(env.PIER_SERVICE_LAUNCH_BACKOFF_SECONDS) : 10);
  if (!(launchBackoff >= 0 && launchBackoff <= 1620)) throw new OptionsError('--service-launch-backoff-seconds must be between 0 and 1620');
  const defaultVpcCidr = o.defaultVpcCidr ?? env.PIER_DEFAULT_VPC_CIDR ?? DEFAULT_VPC_CIDR;
  const vpcBlock = parseCidr(defaultVpcCidr);
  if (!vpcBlock || vpcBlock.prefix < 16 || vpcBlock.prefix > 18) {
    throw new OptionsError(`--default-vpc-cidr must be a /16 to /18 IPv4 block with no host bits set (room for three /20 default subnets), got '${defaultVpcCidr}'`);
  }
  const lbBindAddress = o.lbBindAddress ?? env.PIER_LB_BIND_ADDRESS ?? '127.0.0.1';
  if (parseIpv4(lbBindAddress) === undefined) throw new OptionsError(`--lb-bind-address must be an IPv4 address, got '${lbBindAddress}'`);
  const priceTableFile = o.priceTable ?? env.PIER_PRICE_TABLE;
  return {
    dataDir: o.dataDir ?? defaultDataDir(env),
    port,
    host: o.host ?? env.PIER_HOST ?? '127.0.0.1',
    region,
    accountId,
    rootKey: akid !== undefined && secret !== undefined ? { accessKeyId: akid, secretAccessKey: secret } : undefined,
    allowReset: o.allowReset ?? ['1', 'true'].includes(env.PIER_ALLOW_RESET ?? ''),
    hostLostAfterMs: lost * 1000,
    stoppedTaskRetentionMs: retention * 1000,
    spotNoticeMs: spotNotice * 1000,
    serviceLaunchBackoffMs: launchBackoff * 1000,
    defaultVpcCidr,
    lbBindAddress,
    prices: priceTableFile === undefined ? DEFAULT_PRICES : readPriceTable(priceTableFile),
    agent: (o.agent ?? !['0', 'false'].includes(env.PIER_AGENT ?? '')) ? {
      ...defined({ runtime: o.runtime ?? env.PIER_RUNTIME, cpu: o.cpu, memory: o.memory, disk: o.disk, registryConfig: o.registryConfig ?? env.PIER_REGISTRY_CONFIG }),
      ...(o.insecureRegistries ? { insecureRegistries: o.insecureRegistries } : {}),
      ...(o.loadBalancer === false || ['0', 'false'].includes(env.PIER_LOAD_BALANCER ?? '') ? { loadBalancer: false } : {}),
    } : undefined,
  };
}

function readPriceTable(file: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OptionsError(`--price-table: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return parsePriceTable(JSON.parse(text));
  } catch (err) {
    if (err instanceof SyntaxError) throw new OptionsError(`--price-table: ${file} is not JSON: ${err.message}`);
    if (err instanceof PriceTableError) throw new OptionsError(`--price-table: ${file}: ${err.message} (see docs/costs.md)`);
    throw err;
  }
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

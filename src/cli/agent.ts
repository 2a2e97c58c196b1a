/** `pier agent`: a host agent joining a control plane on another machine (or this one). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileAgentOptions } from '../agent/agent-options.js';
import { createAgent } from '../agent/create-agent.js';
import { createLogger } from '../lib/logger.js';
import { defaultDataDir } from '../platform/options.js';
import { parseFlags, UsageError } from './args.js';

export async function runAgent(argv: string[]): Promise<void> {
  const f = parseFlags(argv, {
    server: 'string', 'data-dir': 'string', token: 'string', 'availability-zone': 'string', region: 'string',
    runtime: 'string', cpu: 'number', memory: 'number', disk: 'number', 'registry-config': 'string', 'insecure-registries': 'string',
    'no-load-balancer': 'boolean',
  });
  const server = f.server as string | undefined;
  if (!server) throw new UsageError('pier agent needs --server URL');
  const dataDir = (f['data-dir'] as string | undefined) ?? defaultDataDir(process.env);
  const tokenFile = join(dataDir, 'agent-token');
  const token = (f.token as string | undefined) ?? process.env.PIER_AGENT_TOKEN ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  if (!token) throw new UsageError(`pier agent needs --token (the control plane's DATA_DIR/agent-token), or ${tokenFile}`);
  if (process.getuid?.() !== 0) throw new UsageError('pier agent must run as root: it creates sandboxes, mounts and network namespaces');
  const region = (f.region as string | undefined) ?? process.env.PIER_REGION ?? 'us-east-1';
  const options = compileAgentOptions({
    dataDir,
    ...(f['availability-zone'] ? { availabilityZone: f['availability-zone'] as string } : {}),
    ...(f.runtime ? { runtime: f.runtime as string } : {}),
    ...(f.cpu !== undefined ? { cpu: f.cpu as number } : {}),
    ...(f.memory !== undefined ? { memory: f.memory as number } : {}),
    ...(f.disk !== undefined ? { disk: f.disk as number } : {}),
    ...(f['registry-config'] ? { registryConfig: f['registry-config'] as string } : {}),
    ...(f['insecure-registries'] ? { insecureRegistries: String(f['insecure-registries']).split(',') } : {}),
    ...(f['no-load-balancer'] ? { loadBalancer: false } : {}),
  }, `${region}a`);
  const log = createLogger();
  const agent = await createAgent(options, server, token, region, log);
  process.stdout.write(`pier: agent ${agent.hostId} ready (${options.runtime}, ${options.capacity.cpu} CPU units, ${options.capacity.memory} MiB, ${options.capacity.ephemeralStorageGiB} GiB)\n`);
  const shutdown = (): void => {
    void agent.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

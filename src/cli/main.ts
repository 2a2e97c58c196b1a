#!/usr/bin/env node
/** The pier command: wiring only. `pier up` and the operator's commands, then the people's (src/cli/people/). */
import { createLogger } from '../lib/logger.js';
import { readCredentials, readServerInfo } from '../platform/data-dir.js';
import { compileUpOptions, defaultDataDir, DEFAULT_PORT, OptionsError } from '../platform/options.js';
import { startPlatform } from '../platform/platform.js';
import { parseFlags, UsageError } from './args.js';
import { resetRemote } from './reset.js';
import { runAgent } from './agent.js';
import { spot } from './spot.js';
import { costs } from './costs.js';
import { image } from './image.js';
import { sample } from './sample.js';
import { sampleBanner } from './sample-banner.js';
import { completion } from './people/completion.js';
import { deploy } from './people/deploy.js';
import { ps, services } from './people/listings.js';
import { logs } from './people/logs.js';
import { run } from './people/run.js';
import { scale, stop } from './people/changes.js';
import { exec } from './people/exec.js';
import { sessionManagerPlugin } from './people/exec-plugin.js';
import { AwsCallError } from './client/pier-client.js';

const USAGE = `usage: pier <command> [flags]

commands:
  up      run Pier in the foreground: control plane (API on one port) and, as root, a host agent
          --data-dir DIR (default ~/.pier)  --port N (default ${DEFAULT_PORT})  --host ADDR (default 127.0.0.1)
          --region R  --account-id 123456789012  --access-key-id K --secret-access-key S
          --allow-reset  --host-lost-after-seconds N (30)  --stopped-task-retention-seconds N (3600)
          --spot-notice-seconds N (120: how long an interrupted Fargate Spot task runs on)
          --service-launch-backoff-seconds N (10: first wait between restarts of tasks that keep failing to start)
          --no-agent  --runtime runsc|runc (runsc)  --cpu UNITS --memory MIB --disk GIB (host capacity)
          --no-load-balancer (the agent runs no load balancer listeners on this host)
          --registry-config FILE (Docker config.json auths)  --insecure-registries HOST:PORT,...
          --default-vpc-cidr CIDR (172.31.0.0/16; a /16../18 block for the default VPC on first start)
          --lb-bind-address ADDR (127.0.0.1; where hosts bind load balancers' listeners)
          --price-table FILE (JSON prices for pier costs; default Fargate's us-east-1 Linux/x86 prices)
  agent   run a host agent against a control plane
          --server URL  --data-dir DIR  --token T (default: DIR/agent-token)  --availability-zone AZ
          --runtime runsc|runc  --cpu UNITS --memory MIB --disk GIB  --registry-config FILE  --no-load-balancer
  env     print export lines for the AWS CLI and SDKs    --data-dir DIR

  run IMAGE [-- CMD...]   register a task definition for IMAGE and run it (docs/cli.md)
          --cpu 256 --memory 512 --env K=V --port N --count N --spot --name FAMILY --detach
  deploy -f TASKDEF.json  register it and create or roll the service, following its events
          --service NAME --count N --lb-port P (behind a load balancer on P) --detach
  ps      tasks of a cluster: status, health, address     --all (stopped too) --service NAME
  services  services: counts, rollout, latest event
  logs TASK|SERVICE       CloudWatch Logs lines of a task's or a service's containers
          -f/--follow --since 10m|ISO --container NAME
  stop TASK...            stop tasks (ids or their first characters) and wait    --reason R --detach
  scale SERVICE COUNT     set the desired count and wait until it runs    --detach
  exec TASK [-- CMD...]   run a command in a task's container (ECS Exec; a shell when no CMD), exit with its status
          --container NAME  -t/--tty -T/--no-tty (default: a terminal when this is one)  (docs/exec.md)
  session-manager-plugin  what \`aws ecs execute-command\` runs to reach Pier's sessions (docs/exec.md)
  completion bash         a bash completion script
          every command above also takes --cluster C (default), --data-dir DIR and --json
  reset   wipe all state of a server started with --allow-reset    --data-dir DIR
  costs   what tasks have cost, per task and grouped (docs/costs.md)
          --by service|family|cluster|task (service)  --since DURATION|ISO (7d, 12h, 2026-12-01)  --until DURATION|ISO
          --data-dir DIR  --json
  image push DIR|OCI-ARCHIVE  load an OCI layout or archive into the built-in registry (docs/registry.md)
          --name REPO[:TAG]  --data-dir DIR  --json
  sample deploy   build the hello sample from /bin/busybox, push it, run it as a service (docs/quickstart.md)
          --count N (2)  --lb-port P (8080)  --cluster C  --data-dir DIR  --json  --detach
  sample build --out DIR   only build its OCI image layout      sample delete   remove what sample deploy made
  spot interrupt   give running Fargate Spot tasks their interruption notice now (a drill)
          --cluster C (default)  --count N (1; youngest first) | --task ID (repeatable)  --data-dir DIR  --json
`;

async function up(argv: string[]): Promise<void> {
  const f = parseFlags(argv, {
    'data-dir': 'string', port: 'number', host: 'string', region: 'string', 'account-id': 'string',
    'access-key-id': 'string', 'secret-access-key': 'string', 'allow-reset': 'boolean',
    'host-lost-after-seconds': 'number', 'stopped-task-retention-seconds': 'number', 'spot-notice-seconds': 'number',
    'service-launch-backoff-seconds': 'number',
    'no-agent': 'boolean', 'no-load-balancer': 'boolean', runtime: 'string', cpu: 'number', memory: 'number', disk: 'number',
    'registry-config': 'string', 'insecure-registries': 'string', 'default-vpc-cidr': 'string',
    'lb-bind-address': 'string', 'price-table': 'string',
  });
  const options = compileUpOptions({
    dataDir: f['data-dir'] as string | undefined, port: f.port as number | undefined, host: f.host as string | undefined,
    region: f.region as string | undefined, accountId: f['account-id'] as string | undefined,
    accessKeyId: f['access-key-id'] as string | undefined, secretAccessKey: f['secret-access-key'] as string | undefined,
    allowReset: f['allow-reset'] as boolean | undefined,
    hostLostAfterSeconds: f['host-lost-after-seconds'] as number | undefined,
    stoppedTaskRetentionSeconds: f['stopped-task-retention-seconds'] as number | undefined,
    spotNoticeSeconds: f['spot-notice-seconds'] as number | undefined,
    serviceLaunchBackoffSeconds: f['service-launch-backoff-seconds'] as number | undefined,
    ...(f['no-agent'] ? { agent: false } : {}),
    ...(f['no-load-balancer'] ? { loadBalancer: false } : {}),
    runtime: f.runtime as string | undefined, cpu: f.cpu as number | undefined, memory: f.memory as number | undefined,
    disk: f.disk as number | undefined, registryConfig: f['registry-config'] as string | undefined,
    ...(f['insecure-registries'] ? { insecureRegistries: String(f['insecure-registries']).split(',') } : {}),
    defaultVpcCidr: f['default-vpc-cidr'] as string | undefined,
    lbBindAddress: f['lb-bind-address'] as string | undefined,
    priceTable: f['price-table'] as string | undefined,
  }, process.env);
  const log = createLogger();
  const platform = await startPlatform(options, log);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log.info('shutting down', { signal });
    platform.close().then(() => process.exit(0), (err: unknown) => {
      log.error('shutdown failed', { error: String(err) });
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.stdout.write(`pier: account ${platform.scope.accountId}, region ${platform.scope.region}, data in ${options.dataDir}\n`);
  process.stdout.write(`pier: credentials in ${options.dataDir}/credentials (profile pier); run: eval "$(pier env --data-dir ${options.dataDir})"\n`);
  process.stdout.write(`pier: ready at ${platform.endpoint}\n`);
  if (platform.agent && options.agent?.loadBalancer !== false) {
    process.stdout.write(sampleBanner({ dataDir: options.dataDir, defaultDataDir: defaultDataDir(process.env), lbBindAddress: options.lbBindAddress, cwd: process.cwd() }));
  }
}

function env(argv: string[]): void {
  const f = parseFlags(argv, { 'data-dir': 'string' });
  const dir = (f['data-dir'] as string | undefined) ?? defaultDataDir(process.env);
  const creds = readCredentials(dir);
  const info = readServerInfo(dir);
  if (!creds || !info) throw new UsageError(`no Pier data in ${dir}: run 'pier up --data-dir ${dir}' first`);
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  process.stdout.write([
    `export AWS_ACCESS_KEY_ID=${q(creds.accessKeyId)}`,
    `export AWS_SECRET_ACCESS_KEY=${q(creds.secretAccessKey)}`,
    `export AWS_DEFAULT_REGION=${q(info.region)}`,
    `export AWS_REGION=${q(info.region)}`,
    `export PIER_ENDPOINT=${q(info.endpoint)}`,
    `export AWS_ENDPOINT_URL=${q(info.endpoint)}`,
    '',
  ].join('\n'));
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'up': return up(rest);
    case 'env': return env(rest);
    case 'reset': return resetRemote(rest);
    case 'spot': return spot(rest);
    case 'costs': return costs(rest);
    case 'image': return image(rest);
    case 'sample': return sample(rest);
    case 'agent': return runAgent(rest);
    case 'run': return run(rest);
    case 'deploy': return deploy(rest);
    case 'ps': return ps(rest);
    case 'services': return services(rest);
    case 'logs': return logs(rest);
    case 'stop': return stop(rest);
    case 'scale': return scale(rest);
    case 'exec': return exec(rest);
    case 'session-manager-plugin': return sessionManagerPlugin(rest);
    case 'completion': return completion(rest);
    case undefined: case 'help': case '--help': case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof OptionsError) {
    process.stderr.write(`pier: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof AwsCallError) {
    process.stderr.write(`pier: ${err.operation}: ${err.code}: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`pier: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

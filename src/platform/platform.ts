/**
 * `pier up` as a function: open the data dir and store, seed the account on first start, serve the
 * edge, run housekeeping. Returns a handle whose close() drains everything (SIGINT/SIGTERM call it).
 */
import { randomInt } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { autoScalingService } from '../api/autoscaling-service.js';
import { cloudwatchService } from '../api/cloudwatch-service.js';
import { costExplorerService } from '../api/cost-explorer-service.js';
import { ecsService } from '../api/ecs-service.js';
import { ec2Service } from '../api/ec2-service.js';
import { signalLoadBalancing } from '../control-plane/load-balancing.js';
import { efsService } from '../api/efs-service.js';
import { elbv2Service } from '../api/elbv2-service.js';
import { iamService } from '../api/iam-service.js';
import { logsService } from '../api/logs-service.js';
import { ServiceModel } from '../api/model/service-model.js';
import { createEdge } from '../api/server.js';
import { ecrService } from '../api/ecr-service.js';
import { Registry } from '../registry/registry.js';
import { stsService } from '../api/sts-service.js';
import { secretsManagerService } from '../api/secrets-manager-service.js';
import { ssmService } from '../api/ssm-service.js';
import { randomArnSuffix } from '../secrets/context.js';
import { loadOrCreateSecretsKey } from '../secrets/key-file.js';
import { ValueCipher } from '../secrets/value-cipher.js';
import { Identities } from '../api/auth/identities.js';
import { parseReference } from '../agent/images/reference.js';
import { Authorizer } from '../api/authorize.js';
import { UserAccessKeys } from '../iam/access-keys-directory.js';
import { loadSessionKey, SessionAuthority } from '../iam/session-credentials.js';
import type { ControlPlane } from '../control-plane/context.js';
import { compileAutoScalingConfig } from '../autoscaling/config.js';
import { ecsScalableServices } from '../autoscaling/ecs-services.js';
import { startAutoScaling } from '../control-plane/controllers/autoscaling-controller.js';
import { DEFAULT_ALARM_CONTROLLER, startAlarmController } from '../control-plane/controllers/alarm-controller.js';
import { startHousekeeping } from '../control-plane/controllers/housekeeping.js';
import { startServiceController } from '../control-plane/controllers/service-controller.js';
import { HostSignals } from '../control-plane/host-signals.js';
import { ensureDefaultVpc } from '../ec2/default-vpc.js';
import type { AccountScope } from '../ecs/arn.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { randomIds } from '../lib/ids.js';
import { createLogger, type Logger } from '../lib/logger.js';
import type { LogsContext } from '../logs/context.js';
import { openLogs } from '../logs/open-logs.js';
import { openMetrics } from '../metrics/open-metrics.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import {
  ensureDataDir, newRootKey, paths, readOrCreateAgentToken, writeClientFiles, writeServerInfo,
} from './data-dir.js';
import type { CompiledUpOptions } from './options.js';
import type { Agent } from '../agent/agent.js';
import { compileAgentOptions } from '../agent/agent-options.js';
import { createAgent } from '../agent/create-agent.js';
import { inProcessLogRoute } from '../api/agent-routes.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Platform {
  readonly endpoint: string;
  readonly port: number;
  readonly scope: AccountScope;
  readonly rootKey: { accessKeyId: string; secretAccessKey: string };
  readonly agentToken: string;
  readonly cp: ControlPlane;
  /** The host agent running in this process, if any. */
  readonly agent: Agent | undefined;
  /** The CloudWatch Logs store and context (src/logs/append.ts appends a task's lines through it). */
  readonly logs: LogsContext;
  close(): Promise<void>;
}

async function seedAccount(store: Store, o: CompiledUpOptions, clock: Clock): Promise<{ scope: AccountScope; rootKey: { accessKeyId: string; secretAccessKey: string } }> {
  return store.transaction(async (tx) => {
    const accountId = o.accountId ?? (await tx.meta.get('accountId')) ?? String(randomInt(100_000_000_000, 999_999_999_999));
    const region = o.region ?? (await tx.meta.get('region')) ?? 'us-east-1';
    await tx.meta.put('accountId', accountId);
    await tx.meta.put('region', region);
    let rootKey = o.rootKey;
    if (!rootKey) {
      const existing = (await tx.accessKeys.list()).find((k) => k.userName === 'root');
      rootKey = existing ?? newRootKey();
    }
    const stored = await tx.accessKeys.get(rootKey.accessKeyId);
    if (!stored || stored.secretAccessKey !== rootKey.secretAccessKey) {
      await tx.accessKeys.put({ ...rootKey, userName: 'root', createdAt: stored?.createdAt ?? clock.now() });
    }
    return { scope: { partition: 'aws', region, accountId }, rootKey: { accessKeyId: rootKey.accessKeyId, secretAccessKey: rootKey.secretAccessKey } };
  });
}

export async function startPlatform(o: CompiledUpOptions, log: Logger = createLogger()): Promise<Platform> {
  ensureDataDir(o.dataDir);
  const store = new SqliteStore(paths(o.dataDir).db);
  const clock = systemClock;
  const { scope, rootKey } = await seedAccount(store, o, clock);
  writeClientFiles(o.dataDir, rootKey, scope.region);
  const agentToken = readOrCreateAgentToken(o.dataDir);
  const keys = new Map((await store.read.accessKeys.list()).map((k) => [k.accessKeyId, k.secretAccessKey]));
  const sessionKey = await store.transaction((tx) => loadSessionKey(tx.meta));
  const sessions = new SessionAuthority(sessionKey);

  const cp: ControlPlane = {
    store, clock, ids: randomIds, scope, log,
    config: {
      hostLostAfterMs: o.hostLostAfterMs,
      heartbeatIntervalMs: Math.max(1000, Math.floor(o.hostLostAfterMs / 3)),
      stoppedTaskRetentionMs: o.stoppedTaskRetentionMs,
      availabilityZones: ['a', 'b', 'c'].map((z) => `${scope.region}${z}`),
      spotNoticeMs: o.spotNoticeMs,
      defaultVpcCidr: o.defaultVpcCidr,
      loadBalancerBindAddress: o.lbBindAddress,
      startedAtMs: clock.now(),
    },
    hostSignals: new HostSignals(),
    sessions,
  };
  const model = ServiceModel.fromFile(join(REPO_ROOT, 'models', 'ecs-2014-11-13.json'));
  const efsModel = ServiceModel.fromFile(join(REPO_ROOT, 'models', 'elasticfilesystem-2015-02-01.json'));
  const ec2Model = ServiceModel.fromFile(join(REPO_ROOT, 'models', 'ec2-2016-11-15.json'));
  await ensureDefaultVpc(cp);
  const logs = openLogs({ dir: join(o.dataDir, 'logs'), scope, clock, log });
  const metrics = openMetrics(cp, { dir: join(o.dataDir, 'metrics') });
  const autoScaling = { cp, services: ecsScalableServices(cp) };
  const registry = new Registry({ dir: join(o.dataDir, 'registry'), scope, clock, sessionKey, agentToken, log: log.child({ component: 'registry' }) });
  await registry.purgeUploads();
  const cipher = new ValueCipher(loadOrCreateSecretsKey(o.dataDir));
  const monitoringModel = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'monitoring-2010-08-01.json'), 'utf8')) as Record<string, unknown>;
  // IAM users' keys and every principal's policies are kept in memory; an IAM change refreshes both.
  const userKeys = await UserAccessKeys.load(store, scope);
  const authorizer = new Authorizer({ store, scope, clock });
  const iamChanged = async (): Promise<void> => { await userKeys.reload(); authorizer.invalidate(); };
  const secretsCtx = { store, clock, ids: randomIds, scope, cipher, arnSuffix: randomArnSuffix };
  const parametersCtx = { store, clock, scope, cipher };
  const server = createEdge({
    cp,
    services: [
      ecsService(cp, model), logsService(logs.ctx, ServiceModel.fromFile(join(REPO_ROOT, 'models', 'logs-2014-03-28.json'))),
      autoScalingService(autoScaling, ServiceModel.fromFile(join(REPO_ROOT, 'models', 'application-autoscaling-2016-02-06.json'))),
      costExplorerService(cp, o.prices, ServiceModel.fromFile(join(REPO_ROOT, 'models', 'ce-2017-10-25.json'))),
      ecrService(registry, ServiceModel.fromFile(join(REPO_ROOT, 'models', 'ecr-2015-09-21.json'))),
      secretsManagerService(secretsCtx, ServiceModel.fromFile(join(REPO_ROOT, 'models', 'secretsmanager-2017-10-17.json'))),
      ssmService(parametersCtx, ServiceModel.fromFile(join(REPO_ROOT, 'models', 'ssm-2014-11-06.json'))),
    ],
    restServices: [efsService(cp, efsModel)],
    queryServices: [
      ec2Service(cp, ec2Model),
      iamService(cp, ServiceModel.fromFile(join(REPO_ROOT, 'models', 'iam-2010-05-08.json')), iamChanged),
      stsService(cp, ServiceModel.fromFile(join(REPO_ROOT, 'models', 'sts-2011-06-15.json'))),
      elbv2Service(cp, ServiceModel.fromFile(join(REPO_ROOT, 'models', 'elasticloadbalancingv2-2015-12-01.json'))),
    ],
    framedServices: [cloudwatchService(metrics.ctx, monitoringModel, { cp, metrics: metrics.ctx.store })],
    identities: new Identities(scope, keys, sessions, store, clock, userKeys),
    authorizer,
    joinToken: agentToken,
    logs: logs.ctx,
    // A task's secrets are read as its execution role, through the same policy check as any call.
    agentSecrets: {
      sources: { secrets: secretsCtx, parameters: parametersCtx },
      authorize: (principal, signingName, operation, input) => authorizer.authorize({ principal }, signingName, operation, input),
      builtInRepository: (image) => {
        try {
          const ref = parseReference(image);
          return ref.registry === registry.host ? ref.repository : undefined;
        } catch {
          return undefined; // the agent reports a bad reference when it pulls
        }
      },
    },
    metrics: { tasks: metrics.tasks, health: metrics.health },
    prices: o.prices,
    registry,
    // A reset leaves the account as a first start does: with its default VPC.
    ...(o.allowReset ? { reset: async () => { await store.reset(); await logs.ctx.store.reset(); await metrics.ctx.store.reset(); await registry.reset(); await ensureDefaultVpc(cp); signalLoadBalancing(cp); await iamChanged(); } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const endpoint = `http://${host}:${port}`;
  registry.setHost(new URL(endpoint.replace('0.0.0.0', '127.0.0.1')).host);
  writeServerInfo(o.dataDir, { endpoint, region: scope.region, accountId: scope.accountId, pid: process.pid });

  const stop = new AbortController();
  const housekeeping = startHousekeeping(cp, Math.min(5000, Math.max(250, o.hostLostAfterMs / 4)), stop.signal);
  // ECS counts a task without health checks healthy 40 s after RUNNING; tests may shorten it.
  const settleSeconds = Number(process.env.PIER_SERVICE_TASK_SETTLE_SECONDS ?? 40);
  const services = startServiceController(cp, {
    periodMs: 1000, settleMs: (Number.isFinite(settleSeconds) ? settleSeconds : 40) * 1000, launchBackoffMs: o.serviceLaunchBackoffMs,
  }, stop.signal);
  const logSweep = logs.startSweep(stop.signal);
  const metricLoops = metrics.start(stop.signal);
  const scaling = startAutoScaling({ ctx: autoScaling, metrics: metrics.ctx.store, config: compileAutoScalingConfig(process.env) }, stop.signal);
  const alarming = startAlarmController({ alarms: { cp, metrics: metrics.ctx.store }, autoScaling, ...DEFAULT_ALARM_CONTROLLER }, stop.signal);
  let agent: Agent | undefined;
  if (o.agent && process.getuid?.() !== 0) {
    log.warn('not running as root: the host agent is off, so tasks will not be placed on this machine');
  } else if (o.agent) {
    const agentOptions = compileAgentOptions({ dataDir: o.dataDir, ...o.agent }, cp.config.availabilityZones[0]!);
    // The agent ships its log batches to the logs route's handler in this process, not over loopback HTTP.
    agent = await createAgent(agentOptions, endpoint.replace('0.0.0.0', '127.0.0.1'), agentToken, scope.region, log.child({ component: 'agent' }), inProcessLogRoute(cp, logs.ctx));
  }
  return {
    endpoint, port, scope, rootKey, agentToken, cp, agent, logs: logs.ctx,
    async close(): Promise<void> {
      // Tasks keep running: the agent's loops stop, its containers do not.
      await agent?.stop();
      stop.abort();
      await housekeeping;
      await services;
      await logSweep;
      await metricLoops;
      await scaling;
      await alarming;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await logs.close();
      await metrics.close();
      await store.close();
    },
  };
}

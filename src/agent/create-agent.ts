/** Wires an Agent from compiled options: the real image store, runtime, storage and network. */
import { createHash } from 'node:crypto';
import { readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { Agent } from './agent.js';
import type { CompiledAgentOptions } from './agent-options.js';
import { HttpControlPlaneClient, type InProcessLogRoute } from './control-plane-client.js';
import { LocalImageStore } from './images/local-image-store.js';
import { HaproxySupervisor } from './load-balancer/haproxy-supervisor.js';
import { LoadBalancerRole } from './load-balancer/load-balancer-role.js';
import { VpcTaskNetwork } from './network/vpc-task-network.js';
import { loadRegistryCredentials, withBuiltInRegistry } from './registry-credentials.js';
import { v1Hierarchies as cgroupHierarchies } from './runtime/cgroup.js';
import { createRuntime, createSpecBuilder } from './runtime/index.js';
import { TaskStateStore } from './state/task-state.js';
import { taskApiTarget } from './task-api-target.js';
import { LocalTaskStorage } from './storage/local-task-storage.js';
import { LocalPersistentVolumes } from './storage/persistent-volumes.js';

export async function createAgent(
  o: CompiledAgentOptions, serverUrl: string, joinToken: string, region: string, log: Logger, logRoute?: InProcessLogRoute,
): Promise<Agent> {
  const images = new LocalImageStore({ root: o.imagesDir, log: (msg) => log.debug(msg) });
  await images.init();
  const builtIn = withBuiltInRegistry(loadRegistryCredentials(o.registryConfig), serverUrl, joinToken);
  const credentials = builtIn.lookup;
  const insecureRegistries = builtIn.plainHttp ? [...o.insecureRegistries, builtIn.host] : o.insecureRegistries;
  // Several agents may share a machine (tests, benchmarks): each keeps its runtime state, cgroups
  // and namespaces under its own short id, so its clean-up never touches another agent's tasks.
  const instance = createHash('sha256').update(o.stateDir).digest('hex').slice(0, 8);
  const runtime = createRuntime(o.runtime, {
    runsc: { root: `/run/pier/${instance}/runsc`, stateDir: o.runtimeDir, cgroupParent: `/pier/${instance}` },
    runc: { root: `/run/pier/${instance}/runc`, cgroupParent: `/pier/${instance}` },
  });
  const stateStore = new TaskStateStore(o.tasksDir);
  const api = taskApiTarget(serverUrl);
  const client = new HttpControlPlaneClient(serverUrl, joinToken, logRoute);
  const haproxy = new HaproxySupervisor({ dir: join(o.stateDir, 'load-balancer'), runDir: `/run/pier/${instance}/haproxy`, log });
  const loadBalancer = o.loadBalancer
    ? new LoadBalancerRole({
      client, clock: systemClock, log: log.child({ role: 'load-balancer' }), dataPlane: haproxy,
      trafficIntervalMs: metricsIntervalMs(process.env.PIER_METRICS_INTERVAL_SECONDS),
    })
    : undefined;
  // The role turned off on a host that ran it: its listeners go.
  if (!loadBalancer && haproxy.adopt()) await haproxy.stop({ graceful: false });
  const agent = new Agent(
    client,
    {
      images,
      runtime,
      storage: new LocalTaskStorage(join(o.stateDir, 'storage'), { spareDisks: 3 }),
      volumes: new LocalPersistentVolumes(o.volumesDir),
      network: new VpcTaskNetwork({ instance, netnsPrefix: `p${instance}-`, stateDir: join(o.stateDir, 'network'), spareNamespaces: 3, ...(api ? { api } : {}) }),
      buildSpec: createSpecBuilder(o.runtime),
      stateStore,
      pullOptions: (image) => {
        const c = credentials(image);
        return { ...(c ? { credentials: c } : {}), insecureRegistries };
      },
      clock: systemClock,
      log,
      region,
      runtimeDir: o.runtimeDir,
      ...(api ? { taskApiPort: api.port } : {}),
    },
    stateStore,
    {
      stateDir: o.stateDir, availabilityZone: o.availabilityZone, capacity: o.capacity, hostname: o.hostname, runtimes: [o.runtime],
      imageCacheBudgetBytes: o.imageCacheBudgetBytes,
      metricsIntervalMs: metricsIntervalMs(process.env.PIER_METRICS_INTERVAL_SECONDS),
      ...(loadBalancer ? { loadBalancer } : {}),
      releaseHostDirs: () => removeEmptyDirs([
        ...cgroupHierarchies().map((h) => join(h, 'pier', instance)),
        `/run/pier/${instance}/runsc`, `/run/pier/${instance}/runc`, `/run/pier/${instance}/haproxy`, `/run/pier/${instance}`,
      ]),
    },
    log,
  );
  await agent.start();
  return agent;
}

/** PIER_METRICS_INTERVAL_SECONDS (1–300) sets how often task and load-balancer metrics are read; else the reporters' defaults. */
function metricsIntervalMs(text: string | undefined): number | undefined {
  const seconds = Number(text);
  return text !== undefined && Number.isInteger(seconds) && seconds >= 1 && seconds <= 300 ? seconds * 1000 : undefined;
}

/** Removes each directory if it is empty (deepest first); cgroup dirs are removed with rmdir too. */
function removeEmptyDirs(dirs: string[]): void {
  for (const dir of dirs) {
    try {
      // A cgroup dir always lists its control files; rmdir succeeds only if it has no child cgroups and no tasks.
      if (dir.startsWith('/sys/fs/cgroup') || readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      // in use or already gone
    }
  }
}

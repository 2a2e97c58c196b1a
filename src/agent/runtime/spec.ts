/**
 * Builds the OCI runtime spec (config.json) for one ECS container. Pure: everything it needs,
 * including the image's /etc/passwd and /etc/group text, is passed in (`readUserDb` in
 * user-db.ts reads them from a rootfs), and it returns a plain object for the runtime to write.
 *
 * ECS/Docker semantics it implements:
 * - argv: `entryPoint` replaces the image Entrypoint *and drops the image Cmd* unless `command` is
 *   also given; `command` alone replaces the image Cmd (Docker's rules).
 * - env, later wins by name: PATH default < HOSTNAME < image Env < ECS-injected < environmentFiles
 *   < `environment` < `secrets`; HOME from /etc/passwd when nobody set it.
 * - `user`: "uid", "uid:gid", "name", "name:group" (names resolved in the image's files); the
 *   user's supplementary groups from /etc/group. Default root.
 * - `ulimits` → rlimits; nofile defaults to 65535/65535 as on Fargate.
 * - capabilities: Docker's default set, then `linuxParameters.capabilities.drop`, then `add`
 *   ("ALL" allowed in both). `privileged` is refused (not on Fargate).
 * - cgroup: `cpu` units → cpu.shares (ECS: unset/0 → 2), `memory` → hard limit (no swap),
 *   `memoryReservation` → soft limit. Task-level limits go on the sandbox (`taskResources`).
 * - `linuxParameters.initProcessEnabled`: when the runtime supplies `initBinary` (runc: the host's
 *   static busybox), the process runs under a tiny init (busybox sh) that forwards TERM/INT/HUP/
 *   QUIT/USR1/USR2 to it, reaps orphans and exits with its status. gVisor (runsc) gets no init:
 *   its kernel already delivers an outside SIGTERM to a handler-less PID 1 (Linux ignores it) and
 *   reaps orphans itself. Limitation: the child of a shell init starts with SIGINT/SIGQUIT ignored.
 * - Standard mounts (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup) and
 *   Docker's masked and read-only paths; no user namespace (it breaks gVisor sandboxes).
 */
import { constants } from 'node:os';
import type { ContainerDefinition } from '../../ecs/task-definition/types.js';
import type { ImageRuntimeConfig } from '../images/image-store.js';

export type OciMount = { destination: string; type: string; source: string; options?: string[] };
export type OciRlimit = { type: string; soft: number; hard: number };
export type OciNamespace = { type: string; path?: string };
export type OciResources = {
  devices?: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[];
  memory?: { limit?: number; reservation?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
};
export type OciProcess = {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  rlimits: OciRlimit[];
  noNewPrivileges: boolean;
};
export type OciSpec = {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    namespaces: OciNamespace[];
    cgroupsPath?: string;
    resources: OciResources;
    sysctl?: Record<string, string>;
    maskedPaths: string[];
    readonlyPaths: string[];
  };
};

export interface UserDb {
  /** Contents of the image's /etc/passwd, if it has one. */
  passwd?: string;
  /** Contents of the image's /etc/group, if it has one. */
  group?: string;
}

export interface OciSpecInput {
  taskId: string;
  runtimeId: string;
  /** The container definition with the RunTask override already applied. */
  container: ContainerDefinition;
  image: ImageRuntimeConfig;
  rootfs: string;
  mounts: readonly { source: string; destination: string; readOnly: boolean }[];
  /** Variables ECS injects (ECS_CONTAINER_METADATA_URI_V4, AWS_REGION, …); the container's own win. */
  injectedEnv: Readonly<Record<string, string>>;
  /** environmentFiles contents, already fetched and parsed; `environment` wins over them. */
  environmentFiles: Readonly<Record<string, string>>;
  /** The container's `secrets`, resolved at start; they win over everything else. */
  secrets?: Readonly<Record<string, string>>;
  netnsPath: string;
  hostname: string;
  taskLimits: { cpuUnits: number; memoryMiB: number };
  /** cgroup path (relative to each hierarchy's root); runtimes may replace it. Default /pier/<task>/<runtimeId>. */
  cgroupsPath?: string;
  userDb?: UserDb;
  /** Host path of a static busybox used as init for `initProcessEnabled`; absent: no init wrapper. */
  initBinary?: string;
}

/** Bad container configuration; the message says what to fix. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const STOP_SIGNAL_ANNOTATION = 'org.opencontainers.image.stopSignal';
/**
 * Where the init binary is bind-mounted: on /dev (a tmpfs), so the image is never touched. The
 * file must be called `busybox`: busybox runs `argv[1]` as the applet only when invoked as busybox.
 */
export const INIT_PATH = '/dev/pier-init/busybox';

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Docker's default masked and read-only paths (moby oci/defaults.go). */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const MIB = 1024 * 1024;
/** ECS gives a container without `cpu` the cgroup minimum. */
const MIN_CPU_SHARES = 2;
const CFS_PERIOD_US = 100_000;

export function buildOciSpec(input: OciSpecInput): OciSpec {
  const c = input.container;
  if (c.privileged) throw new SpecError(`container '${c.name ?? input.runtimeId}': privileged containers are not supported on Fargate`);
  const user = resolveUser(c.user || input.image.User || '', input.userDb ?? {});
  let args = containerArgs(c, input.image);
  if (args.length === 0) throw new SpecError(`container '${c.name ?? input.runtimeId}': no command specified (the image has no Entrypoint or Cmd and the container definition none)`);
  const mounts = [...standardMounts(c.linuxParameters?.sharedMemorySize), ...tmpfsMounts(c), ...bindMounts(input.mounts)];
  if (c.linuxParameters?.initProcessEnabled && input.initBinary) {
    mounts.push({ destination: INIT_PATH, type: 'bind', source: input.initBinary, options: ['bind', 'ro', 'nosuid', 'nodev'] });
    args = [INIT_PATH, 'sh', '-c', INIT_SCRIPT, 'pier-init', ...args];
  }
  const env = buildEnv(input, user.home);
  const stopSignal = normalizeSignal(input.image.StopSignal) ?? 'SIGTERM';
  const sysctl = Object.fromEntries((c.systemControls ?? []).filter((s) => s.namespace && s.value !== undefined).map((s) => [s.namespace!, s.value!]));
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      args,
      env,
      cwd: absolute(c.workingDirectory || input.image.WorkingDir || '/'),
      capabilities: capabilitySets(c.linuxParameters?.capabilities?.add ?? [], c.linuxParameters?.capabilities?.drop ?? []),
      rlimits: rlimits(c.ulimits ?? []),
      noNewPrivileges: false,
    },
    root: { path: input.rootfs, readonly: c.readonlyRootFilesystem === true },
    hostname: input.hostname,
    mounts,
    annotations: {
      [STOP_SIGNAL_ANNOTATION]: stopSignal,
      'com.amazonaws.ecs.task-id': input.taskId,
      ...(c.name ? { 'com.amazonaws.ecs.container-name': c.name } : {}),
    },
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network', path: input.netnsPath }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      cgroupsPath: input.cgroupsPath ?? `/pier/${input.taskId}/${input.runtimeId}`,
      resources: containerResources(c),
      ...(Object.keys(sysctl).length ? { sysctl } : {}),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}

/** Docker's rules for combining the definition's entryPoint/command with the image's Entrypoint/Cmd. */
export function containerArgs(c: Pick<ContainerDefinition, 'entryPoint' | 'command'>, image: Pick<ImageRuntimeConfig, 'Entrypoint' | 'Cmd'>): string[] {
  if (c.entryPoint && c.entryPoint.length > 0) return [...c.entryPoint, ...(c.command ?? [])];
  return [...(image.Entrypoint ?? []), ...(c.command && c.command.length > 0 ? c.command : image.Cmd ?? [])];
}

function buildEnv(input: OciSpecInput, home: string): string[] {
  const vars = new Map<string, string>();
  const put = (name: string, value: string): void => {
    vars.delete(name); // the latest definition also decides the position, as `docker run -e` does
    vars.set(name, value);
  };
  put('PATH', DEFAULT_PATH.slice('PATH='.length));
  put('HOSTNAME', input.hostname);
  for (const kv of input.image.Env ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) put(kv.slice(0, eq), kv.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(input.injectedEnv)) put(k, v);
  for (const [k, v] of Object.entries(input.environmentFiles)) put(k, v);
  for (const e of input.container.environment ?? []) if (e.name) put(e.name, e.value ?? '');
  for (const [k, v] of Object.entries(input.secrets ?? {})) put(k, v);
  if (!vars.has('HOME')) vars.set('HOME', home);
  return [...vars].map(([k, v]) => `${k}=${v}`);
}

interface ResolvedUser { uid: number; gid: number; additionalGids: number[]; home: string }

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

function parsePasswd(text: string | undefined): PasswdEntry[] {
  return (text ?? '').split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) return [];
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    return Number.isInteger(uid) && Number.isInteger(gid) ? [{ name: f[0]!, uid, gid, home: f[5] || '/' }] : [];
  });
}

function parseGroup(text: string | undefined): GroupEntry[] {
  return (text ?? '').split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) return [];
    const gid = Number(f[2]);
    return Number.isInteger(gid) ? [{ name: f[0]!, gid, members: f[3]!.split(',').map((m) => m.trim()).filter(Boolean) }] : [];
  });
}

const isId = (s: string): boolean => /^\d+$/.test(s);

/** Docker's user resolution (moby/sys/user GetExecUser). */
export function resolveUser(spec: string, db: UserDb): ResolvedUser {
  const [userPart = '', groupPart, ...rest] = spec.split(':');
  if (rest.length > 0) throw new SpecError(`invalid user '${spec}': use "user", "uid", "user:group" or "uid:gid"`);
  const users = parsePasswd(db.passwd);
  const groups = parseGroup(db.group);
  let entry: PasswdEntry | undefined;
  let uid: number;
  if (userPart === '') {
    entry = users.find((u) => u.uid === 0);
    uid = 0;
  } else if (isId(userPart)) {
    uid = Number(userPart);
    entry = users.find((u) => u.uid === uid);
  } else {
    entry = users.find((u) => u.name === userPart);
    if (!entry) throw new SpecError(`unable to find user ${userPart}: no matching entries in the image's /etc/passwd`);
    uid = entry.uid;
  }
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== '') {
    if (isId(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new SpecError(`unable to find group ${groupPart}: no matching entries in the image's /etc/group`);
      gid = g.gid;
    }
  }
  const additionalGids = entry && groupPart === undefined
    ? [...new Set(groups.filter((g) => g.members.includes(entry!.name) && g.gid !== gid).map((g) => g.gid))]
    : [];
  if (uid > 0xfffffffe || gid > 0xfffffffe) throw new SpecError(`invalid user '${spec}': id out of range`);
  return { uid, gid, additionalGids, home: entry?.home ?? '/' };
}

function normalizeCap(name: string): string {
  const up = name.trim().toUpperCase();
  return up === 'ALL' ? 'ALL' : up.startsWith('CAP_') ? up : `CAP_${up}`;
}

export function capabilitySets(add: readonly string[], drop: readonly string[]): OciProcess['capabilities'] {
  const adds = add.map(normalizeCap);
  const drops = drop.map(normalizeCap);
  let caps = new Set(DEFAULT_CAPABILITIES);
  if (drops.includes('ALL')) caps = new Set();
  else for (const d of drops) caps.delete(d);
  if (adds.includes('ALL')) caps = new Set(ALL_CAPABILITIES);
  else for (const a of adds) caps.add(a); // add wins over drop, as in Docker
  const list = [...caps].sort();
  return { bounding: list, effective: [...list], permitted: [...list] };
}

export function rlimits(ulimits: readonly { name: string; softLimit: number; hardLimit: number }[]): OciRlimit[] {
  const out = new Map<string, OciRlimit>([['RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', soft: 65535, hard: 65535 }]]);
  for (const u of ulimits) {
    const type = `RLIMIT_${u.name.toUpperCase()}`;
    out.set(type, { type, soft: u.softLimit, hard: u.hardLimit });
  }
  return [...out.values()];
}

function containerResources(c: ContainerDefinition): OciResources {
  const memory: NonNullable<OciResources['memory']> = {};
  if (c.memory) {
    memory.limit = c.memory * MIB;
    memory.swap = c.memory * MIB; // memory+swap = memory: no swap, as on Fargate
  }
  if (c.memoryReservation) memory.reservation = c.memoryReservation * MIB;
  return {
    devices: [{ allow: false, access: 'rwm' }],
    cpu: { shares: Math.max(MIN_CPU_SHARES, c.cpu ?? 0) },
    ...(Object.keys(memory).length ? { memory } : {}),
  };
}

/** The task-level (sandbox) limits: task cpu as shares and a hard CFS quota, task memory as a hard limit. */
export function taskResources(cpuUnits: number, memoryMiB: number): OciResources {
  const res: OciResources = { devices: [{ allow: false, access: 'rwm' }] };
  if (cpuUnits > 0) res.cpu = { shares: Math.max(MIN_CPU_SHARES, cpuUnits), quota: Math.round((cpuUnits / 1024) * CFS_PERIOD_US), period: CFS_PERIOD_US };
  if (memoryMiB > 0) res.memory = { limit: memoryMiB * MIB, swap: memoryMiB * MIB };
  return res;
}

/**
 * Resources without the CFS quota (shares stay): what a task's cgroup holds while its sandbox or
 * container is being set up. The quota is applied once a container runs: under a quarter of a
 * core (256 units) a gVisor sandbox took 1 s to boot instead of 0.45 s, and `runc init` 30-40 ms
 * longer, all of it platform work rather than the task's (Fargate does not bill a task's CPU for
 * booting its microVM either). See runsc.ts and runc.ts.
 */
export function withoutCpuQuota(res: OciResources): OciResources {
  const { cpu, ...rest } = res;
  return { ...rest, ...(cpu?.shares !== undefined ? { cpu: { shares: cpu.shares } } : {}) };
}

function standardMounts(shmMiB: number | undefined): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${(shmMiB && shmMiB > 0 ? shmMiB : 64) * 1024}k`] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

function tmpfsMounts(c: ContainerDefinition): OciMount[] {
  return (c.linuxParameters?.tmpfs ?? []).map((t) => ({
    destination: absolute(t.containerPath),
    type: 'tmpfs',
    source: 'tmpfs',
    options: [...(t.mountOptions?.length ? t.mountOptions : ['nosuid', 'nodev', 'noexec']), `size=${t.size}m`],
  }));
}

function bindMounts(mounts: OciSpecInput['mounts']): OciMount[] {
  return mounts.map((m) => ({
    destination: absolute(m.destination),
    type: 'bind',
    source: m.source,
    options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'],
  }));
}

function absolute(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/** "SIGTERM", "TERM", "15" → "SIGTERM"; unknown → undefined. */
export function normalizeSignal(s: string | undefined): NodeJS.Signals | undefined {
  if (!s) return undefined;
  const signals = constants.signals as Record<string, number>;
  const t = s.trim().toUpperCase();
  if (/^\d+$/.test(t)) return Object.keys(signals).find((k) => signals[k] === Number(t)) as NodeJS.Signals | undefined;
  const name = t.startsWith('SIG') ? t : `SIG${t}`;
  return name in signals ? (name as NodeJS.Signals) : undefined;
}

/**
 * The init for initProcessEnabled, run by the host's static busybox as `sh -c INIT_SCRIPT pier-init
 * argv…`. Busybox runs its own applets before PATH lookups, so a bare command name is resolved on
 * the container's PATH first (otherwise `sleep` would be busybox's, not the image's).
 */
export const INIT_SCRIPT = [
  'c=',
  'for s in TERM INT HUP QUIT USR1 USR2 WINCH; do trap "[ -n \\"\\$c\\" ] && kill -$s \\$c 2>/dev/null" $s; done',
  'p=$1; shift',
  'case $p in */*) ;; *) IFS=:; for d in $PATH; do if [ -f "$d/$p" ] && [ -x "$d/$p" ]; then p=$d/$p; break; fi; done; unset IFS;; esac',
  'case $p in */*) ;; *) echo "pier-init: $p: executable file not found in \\$PATH" >&2; exit 127;; esac',
  '"$p" "$@" &',
  'c=$!',
  'while :; do wait $c; s=$?; kill -0 $c 2>/dev/null || exit $s; done',
].join('\n');

/** The spec of a sandbox's placeholder ("pause") container: holds the sandbox's namespaces and task limits. */
export function buildSandboxSpec(input: {
  sandboxId: string; rootfs: string; args: string[]; hostname: string;
  netnsPath?: string; cgroupsPath?: string; cpuUnits: number; memoryMiB: number;
  annotations?: Record<string, string>;
}): OciSpec {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: input.args,
      env: [DEFAULT_PATH],
      cwd: '/',
      capabilities: { bounding: [], effective: [], permitted: [] },
      rlimits: rlimits([]),
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: true },
    hostname: input.hostname,
    mounts: standardMounts(undefined).filter((m) => m.destination !== '/sys/fs/cgroup'),
    annotations: { ...input.annotations },
    linux: {
      namespaces: [{ type: 'pid' }, input.netnsPath ? { type: 'network', path: input.netnsPath } : undefined, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }]
        .filter((n): n is OciNamespace => n !== undefined),
      ...(input.cgroupsPath ? { cgroupsPath: input.cgroupsPath } : {}),
      resources: taskResources(input.cpuUnits, input.memoryMiB),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
}

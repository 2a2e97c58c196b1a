/**
 * The runtime registry: a name from the agent's configuration → an OciRuntime, and the matching
 * spec builder (runtimes differ in what the spec may rely on, e.g. the init for
 * initProcessEnabled).
 */
import { FakeRuntime, type FakeRuntimeOptions } from './fake.js';
import type { OciRuntime } from './oci-runtime.js';
import { RuncRuntime, type RuncOptions } from './runc.js';
import { RunscRuntime, type RunscOptions } from './runsc.js';
import { buildOciSpec, type OciSpecInput } from './spec.js';
import { readUserDb } from './user-db.js';

export type RuntimeName = 'runsc' | 'runc' | 'fake';
export const RUNTIME_NAMES: readonly RuntimeName[] = ['runsc', 'runc', 'fake'];

export interface RuntimeOptions {
  runsc?: RunscOptions;
  runc?: RuncOptions;
  fake?: FakeRuntimeOptions;
}

const builders: Record<RuntimeName, (o: RuntimeOptions) => OciRuntime> = {
  runsc: (o) => new RunscRuntime(o.runsc),
  runc: (o) => new RuncRuntime(o.runc),
  fake: (o) => new FakeRuntime(o.fake),
};

export function isRuntimeName(name: string): name is RuntimeName {
  return (RUNTIME_NAMES as readonly string[]).includes(name);
}

export function createRuntime(name: RuntimeName, options: RuntimeOptions = {}): OciRuntime {
  const build = builders[name];
  if (!build) throw new TypeError(`unknown runtime '${String(name)}' (known: ${RUNTIME_NAMES.join(', ')})`);
  return build(options);
}

export type SpecBuilderInput = Omit<OciSpecInput, 'userDb' | 'initBinary'>;

/**
 * The spec builder to use with a runtime: reads the image's user database from the rootfs, and for
 * runc runs initProcessEnabled containers under the host's static busybox (gVisor needs no init).
 */
export function createSpecBuilder(name: RuntimeName, opts: { busyboxPath?: string } = {}): (input: SpecBuilderInput) => Record<string, unknown> {
  const initBinary = name === 'runc' ? opts.busyboxPath ?? '/usr/bin/busybox' : undefined;
  return (input) => buildOciSpec({ ...input, userDb: readUserDb(input.rootfs), ...(initBinary ? { initBinary } : {}) });
}

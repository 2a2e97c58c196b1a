/**
 * Overlay mount options for a container root filesystem. Pure: the caller creates the links and
 * runs the mount.
 *
 * overlayfs lists lowerdir TOP first, while images list layers lowest (base) first, so the layers
 * are reversed. The kernel copies at most one page of mount options; when the absolute paths do not
 * fit (deep images, long cache paths) or contain characters the option parser treats specially,
 * the plan switches to short relative paths: numbered symlinks `l/<i>` to each layer inside the
 * container's directory, with mount(8) run from that directory (the "chdir trick"; the kernel
 * resolves relative paths and follows the links at mount time).
 */
import { relative } from 'node:path';
import { MOUNT_DATA_MAX } from '../host/mount.js';

/** overlayfs refuses more lower layers than this (OVL_MAX_STACK). */
export const OVERLAY_MAX_LAYERS = 500;

export class OverlayPlanError extends Error {
  override name = 'OverlayPlanError';
}

export interface OverlayPlanInput {
  /** Layer directories, lowest (base image) first. */
  layerDirs: readonly string[];
  upperDir: string;
  workDir: string;
  /** The container's directory on the task disk; holds upper, work and the short links. */
  containerDir: string;
  readonly: boolean;
  /** Limit on the option string (tests lower it). */
  maxData?: number;
}

export interface OverlayPlan {
  options: string[];
  /** Directory to run mount(8) in when the options use relative paths. */
  cwd?: string;
  /** Symlinks to create (relative to containerDir) before mounting: path -> target. */
  links: { path: string; target: string }[];
}

/** Characters overlayfs or the mount option parser would split on or unescape. */
const UNSAFE = /[:,\\\s]/;

export function planOverlay(input: OverlayPlanInput): OverlayPlan {
  const { layerDirs, upperDir, workDir, containerDir } = input;
  const max = input.maxData ?? MOUNT_DATA_MAX;
  if (layerDirs.length === 0) throw new OverlayPlanError('an overlay needs at least one lower layer');
  if (layerDirs.length > OVERLAY_MAX_LAYERS) {
    throw new OverlayPlanError(`image has ${layerDirs.length} layers; overlayfs mounts at most ${OVERLAY_MAX_LAYERS}`);
  }
  const ro = input.readonly ? ['ro'] : [];
  const top = [...layerDirs].reverse();
  const absolute = [`lowerdir=${top.join(':')}`, `upperdir=${upperDir}`, `workdir=${workDir}`, ...ro];
  const unsafe = [...layerDirs, upperDir, workDir].some((p) => UNSAFE.test(p));
  if (!unsafe && absolute.join(',').length <= max) return { options: absolute, links: [] };

  const links = layerDirs.map((target, i) => ({ path: `l/${i}`, target }));
  const upper = relative(containerDir, upperDir);
  const work = relative(containerDir, workDir);
  if (upper.startsWith('..') || work.startsWith('..') || UNSAFE.test(upper) || UNSAFE.test(work)) {
    throw new OverlayPlanError('upper and work dirs must be plain names inside the container directory');
  }
  const short = [`lowerdir=${links.map((l) => l.path).reverse().join(':')}`, `upperdir=${upper}`, `workdir=${work}`, ...ro];
  const length = short.join(',').length;
  if (length > max) {
    throw new OverlayPlanError(`overlay options for ${layerDirs.length} layers need ${length} bytes even with short paths; the kernel accepts ${max}`);
  }
  return { options: short, cwd: containerDir, links };
}

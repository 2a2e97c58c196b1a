/**
 * Per-task storage on a host. Each task gets its own size-capped filesystem (a sparse ext4 image,
 * loop-mounted) that holds its containers' overlay upper/work dirs and its task volumes; writing
 * past the cap fails with ENOSPC inside that task and nowhere else. Container root filesystems
 * are overlays of the image's cached layers (read-only lowers) with the upper dir on that disk.
 * Persistent volumes (the EFS role) are directories that outlive tasks, bind-mounted into them.
 *
 * Guarantees: every call is idempotent and restart-safe (re-running after a crash finishes or
 * repeats the step); `destroyTask` removes every mount, loop device and file the task had, even
 * when some were already gone; `listTasks` reports what exists on disk so the agent can clean up
 * tasks it no longer owns.
 */
export interface TaskDisk {
  taskId: string;
  /** Where the task's filesystem is mounted. */
  mountPoint: string;
  /** The image's size (an existing disk keeps its size). Fractional only for test disks made in MiB. */
  sizeGiB: number;
}

export interface TaskStorage {
  /** Creates (or finds) the task's filesystem of `sizeGiB` and mounts it. */
  createTaskDisk(taskId: string, sizeGiB: number): Promise<TaskDisk>;
  /**
   * Mounts the container's root filesystem: overlay of `layerDirs` (lowest first) with its upper
   * and work dirs on the task disk. With `readonly`, the overlay is mounted read-only. Returns the
   * rootfs path for the OCI bundle. Layer dirs must be absolute; an empty list gives an empty rootfs.
   * Calling it again for a mounted container returns the same path without mounting twice.
   */
  mountRootfs(disk: TaskDisk, containerName: string, layerDirs: readonly string[], opts?: { readonly?: boolean }): Promise<string>;
  /** A task volume (`volumes[].name` without a host source): a directory on the task disk, shared by its containers. */
  taskVolumeDir(disk: TaskDisk, volumeName: string): Promise<string>;
  /** Unmounts and deletes everything of the task. Idempotent. */
  destroyTask(taskId: string): Promise<void>;
  /** Task ids that have storage on this host. */
  listTasks(): Promise<string[]>;
  /** Bytes used and the filesystem's size (statfs; a little below the image size: ext4 metadata). */
  usage(disk: TaskDisk): Promise<{ usedBytes: number; sizeBytes: number }>;
  /** Releases what it keeps ready on the host (spare disks); for a host with no task left. */
  close?(): Promise<void>;
}

/** How `pathFor` creates the last directory of `rootDirectory` when missing (EFS access point creationInfo). */
export interface PersistentVolumeOptions {
  /** Permission bits, default 0o755. */
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface PersistentVolumes {
  /**
   * The host directory for `rootDirectory` inside file system `fileSystemId`, created if needed.
   * Rejects a `rootDirectory` that resolves outside the file system (`..`) or passes a symlink.
   */
  pathFor(fileSystemId: string, rootDirectory: string, opts?: PersistentVolumeOptions): Promise<string>;
  /** Deletes a file system's data. Idempotent. */
  remove(fileSystemId: string): Promise<void>;
  list(): Promise<string[]>;
}

/**
 * Counter files captured on a Pier host (Debian 12, kernel 6.18, cgroup v1 hierarchies plus the
 * cgroup2 `unified` mount), for the parser tests. The v1 files are one cgroup's (memory limit
 * 512 MiB, CFS quota 25 ms per 100 ms) after a shell burned CPU in it for 2 s; CPU_STAT_V2 is a
 * cgroup of the unified mount after 1 s of burning. /proc/stat is cut to its cpu, ctxt, btime,
 * process and softirq lines (the intr line is 2 KB of zeros).
 */
export const CPUACCT_USAGE = '608719789\n';
export const CPUACCT_USAGE_PERCPU = '466489378 142230411 \n';
export const CPUACCT_STAT = 'user 54\nsystem 6\n';
export const CPUACCT_USAGE_USER = '592000000\n';
export const CPUACCT_USAGE_SYS = '72000000\n';
export const CPU_STAT_V1 = 'nr_periods 27\nnr_throttled 24\nthrottled_time 1414773359\nnr_bursts 0\nburst_time 0\n';
export const MEMORY_USAGE_IN_BYTES = '425984\n';
export const MEMORY_MAX_USAGE_IN_BYTES = '1830912\n';
export const MEMORY_LIMIT_IN_BYTES = '536870912\n';
export const MEMORY_FAILCNT = '0\n';
export const MEMORY_STAT_V1 = 'cache 192512\nrss 0\nrss_huge 0\nshmem 0\nmapped_file 0\ndirty 16384\nwriteback 0\nworkingset_refault_anon 0\nworkingset_refault_file 44\nswap 0\nswapcached 0\npgpgin 453\npgpgout 406\npgfault 663\npgmajfault 3\ninactive_anon 0\nactive_anon 0\ninactive_file 0\nactive_file 192512\nunevictable 0\nhierarchical_memory_limit 536870912\nhierarchical_memsw_limit 9223372036854771712\ntotal_cache 192512\ntotal_rss 0\ntotal_rss_huge 0\ntotal_shmem 0\ntotal_mapped_file 0\ntotal_dirty 16384\ntotal_writeback 0\ntotal_workingset_refault_anon 0\ntotal_workingset_refault_file 44\ntotal_swap 0\ntotal_swapcached 0\ntotal_pgpgin 453\ntotal_pgpgout 406\ntotal_pgfault 663\ntotal_pgmajfault 3\ntotal_inactive_anon 0\ntotal_active_anon 0\ntotal_inactive_file 0\ntotal_active_file 192512\ntotal_unevictable 0\n';
export const PIDS_MAX = '1024\n';
export const BLKIO_SERVICE_BYTES_V1 = 'Total 0\n';
export const CPU_STAT_V2 = 'usage_usec 1300883\nuser_usec 1248286\nsystem_usec 52596\nnice_usec 0\n';
export const NET_DEV_HOST = 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo: 17731494304 14780396    0    0    0     0          0         0 17731494304 14780396    0    0    0     0       0          0\n  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n  ifb1:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n  eth0: 330736950   20982    0    0    0     0          0         0  1566906   16918    0    0    0     0       0          0\n';
export const CPU_ONLINE = '0-1\n';
export const PROC_STAT = 'cpu  836848 0 343176 564666 3262 0 19555 0 0 0\ncpu0 400450 0 169597 303264 950 0 9556 0 0 0\ncpu1 436398 0 173578 261402 2312 0 9999 0 0 0\nctxt 23732133\nbtime 1796483959\nprocesses 293551\nprocs_running 8\nprocs_blocked 0\nsoftirq 30270275 0 810375 7923 22527753 399305 0 22561 1307303 2955196 2239859\n';
/** `runsc events --stats <container>` of a container joined to a multi-container sandbox (runsc 20221219). */
export const RUNSC_EVENTS_STATS = '{"type":"stats","id":"stxapp","data":{"cpu":{"usage":{"total":4380198647}},"memory":{"usage":{"limit":0,"usage":4571136,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0}},"pids":{"current":3}}}\n';

/**
 * What `pier up` prints once it is ready and runs tasks here: the commands that run the bundled
 * sample, ready to paste (the README's quickstart shows the same ones).
 */
import { join, relative } from 'node:path';
import { SAMPLE, SAMPLE_DIR } from './sample.js';

export interface BannerInput {
  readonly dataDir: string;
  /** The data dir `pier` uses when given none: --data-dir is printed only when they differ. */
  readonly defaultDataDir: string;
  /** Where load balancers' listeners are bound. */
  readonly lbBindAddress: string;
  readonly cwd: string;
}

export function sampleBanner(b: BannerInput): string {
  const pier = relative(b.cwd, join(SAMPLE_DIR, '..', '..', 'bin', 'pier')) || 'bin/pier';
  const dataDir = b.dataDir === b.defaultDataDir ? '' : ` --data-dir ${b.dataDir}`;
  const host = b.lbBindAddress === '0.0.0.0' ? '127.0.0.1' : b.lbBindAddress;
  return [
    `pier: run the sample web service (built here from busybox, no download) in another shell:`,
    `pier:   ${pier} sample deploy${dataDir}`,
    `pier:   curl http://${host}:${SAMPLE.lbPort}/`,
    `pier: (${SAMPLE.count} tasks behind a load balancer on port ${SAMPLE.lbPort}: each curl says which task answered; docs/quickstart.md)`,
    '',
  ].join('\n');
}

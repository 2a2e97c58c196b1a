/**
 * `pier image push DIR|OCI-ARCHIVE --name REPO[:TAG]`: loads an image built elsewhere (an OCI layout
 * directory or archive) into the built-in registry, creating the repository if needed, and prints
 * the image URI tasks can run.
 */
import { AwsCallError, PierClient, type JsonService } from './client/pier-client.js';
import { parseFlags, UsageError } from './args.js';
import { openLayout, pickEntry, REF_NAME } from './oci-layout.js';
import { terminalOutput, type Output } from './people/terminal.js';
import { RegistryPusher } from './registry-push.js';

export const ECR: JsonService = { signingName: 'ecr', targetPrefix: 'AmazonEC2ContainerRegistry_V20150921', version: '1.1' };

const NAME = /^((?:[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*)(?::([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}))?$/;

export async function image(argv: string[]): Promise<void> {
  const [sub, source, ...rest] = argv;
  if (sub !== 'push') throw new UsageError(`pier image: unknown subcommand '${sub ?? ''}' (try: pier image push DIR|OCI-ARCHIVE --name REPO[:TAG])`);
  if (!source || source.startsWith('--')) throw new UsageError('pier image push needs an OCI layout directory or OCI archive');
  const f = parseFlags(rest, { name: 'string', 'data-dir': 'string', json: 'boolean' });
  const out = terminalOutput(Boolean(f.json));
  const result = await pushLayout(PierClient.fromDataDir(f['data-dir'] as string | undefined), source, f.name as string | undefined, out);
  if (out.json) out.printJson(result);
  else out.print(`${result.image}\n${result.repositoryUri}@${result.imageDigest}`);
}

export interface PushedLayout { image: string; imageDigest: string; repositoryUri: string; pushedBytes: number }

/** Pushes an OCI layout or archive to the built-in registry as `name` (REPO[:TAG]), with progress on `out`. */
export async function pushLayout(client: PierClient, source: string, name: string | undefined, out: Output): Promise<PushedLayout> {
  const layout = await openLayout(source);
  try {
    const { repository, tag } = parseName(name, layout.entries.length === 1 ? layout.entries[0]!.annotations?.[REF_NAME] : undefined);
    const entry = pickEntry(layout, tag);
    const repositoryUri = await ensureRepository(client, repository, (t) => out.progress(t, true));
    const auth = await client.json<{ authorizationData: { authorizationToken: string }[] }>(ECR, 'GetAuthorizationToken', {});
    const [username, password] = splitOnce(Buffer.from(auth.authorizationData[0]!.authorizationToken, 'base64').toString('utf8'));
    let pushed = 0;
    const pusher = new RegistryPusher({ endpoint: client.endpoint, repository, username, password }, layout, {
      blob: (digest, size, state) => {
        if (state === 'pushed') pushed += size;
        out.progress(`${state === 'pushed' ? 'pushed' : 'exists'}  ${digest.slice(7, 19)}  ${megabytes(size)}`, true);
      },
    });
    const digest = await pusher.push(entry, tag);
    return { image: `${repositoryUri}:${tag}`, imageDigest: digest, repositoryUri, pushedBytes: pushed };
  } finally {
    layout.close();
  }
}

/** `--name repo[:tag]`, else the layout's own `repo:tag` ref name; the tag defaults to the ref name, then "latest". */
export function parseName(flag: string | undefined, refName: string | undefined): { repository: string; tag: string } {
  const given = flag ?? refName;
  const m = given === undefined ? null : NAME.exec(given);
  if (!m || (flag === undefined && m[2] === undefined)) {
    if (flag !== undefined) throw new UsageError(`--name must be REPO[:TAG] with a lowercase ECR repository name (e.g. web or team/web:1), got '${flag}'`);
    throw new UsageError('say which repository to push to: --name REPO[:TAG] (e.g. --name web:1)');
  }
  const tag = m[2] ?? (refName && /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/.test(refName) ? refName : 'latest');
  return { repository: m[1]!, tag };
}

async function ensureRepository(client: PierClient, repositoryName: string, progress: (text: string) => void): Promise<string> {
  try {
    const created = await client.json<{ repository: { repositoryUri: string } }>(ECR, 'CreateRepository', { repositoryName });
    progress(`created repository ${repositoryName}`);
    return created.repository.repositoryUri;
  } catch (err) {
    if (!(err instanceof AwsCallError) || err.code !== 'RepositoryAlreadyExistsException') throw err;
  }
  const found = await client.json<{ repositories: { repositoryUri: string }[] }>(ECR, 'DescribeRepositories', { repositoryNames: [repositoryName] });
  return found.repositories[0]!.repositoryUri;
}

function splitOnce(text: string): [string, string] {
  const i = text.indexOf(':');
  return [text.slice(0, i), text.slice(i + 1)];
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

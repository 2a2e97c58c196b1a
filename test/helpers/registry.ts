/**
 * A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with a
 * free port and its own temporary storage.
 *
 *   const reg = await startRegistry({ auth: 'basic' });   // 'none' (default) | 'basic' | 'token'
 *   // push with test/helpers/oci-images.ts: pushImage(image, reg, 'web:1')
 *   // pull "127.0.0.1:PORT/web:1" with { credentials: { username: reg.username!, password: reg.password! } }
 *   await reg.stop();                                      // kills the process by PID, removes the temp dir
 *                                                          // (it also dies with the test process)
 *
 * - basic: an htpasswd file (bcrypt, made with `htpasswd -nbB` from Debian's apache2-utils).
 * - token: a token server runs inside the test process (`reg.tokenUrl`): it checks basic credentials
 *   and issues RS256 JWTs signed with a key and self-signed certificate made by `openssl`; the
 *   registry trusts that certificate (auth.token.rootcertbundle). Anonymous requests get a token
 *   with no access, wrong credentials get HTTP 401. `reg.tokenRequests` counts token requests.
 * - `reg.logPath` is the registry's log (access log lines included); `countBlobGets(reg)` reads it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, sign } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface StartRegistryOptions {
  auth?: RegistryAuth;
  /** Defaults: "pier" / a random password. */
  username?: string;
  password?: string;
}

export interface TestRegistry {
  /** "127.0.0.1:PORT": the registry part of image references. */
  host: string;
  /** "http://127.0.0.1:PORT". */
  url: string;
  auth: RegistryAuth;
  /** Set for 'basic' and 'token'. */
  username?: string;
  password?: string;
  /** The token server's realm URL ('token' only). */
  tokenUrl?: string;
  /** Token requests answered so far ('token' only; successful or not). */
  readonly tokenRequests: number;
  pid: number;
  /** Temp directory holding config, storage, credentials and the log. */
  dir: string;
  logPath: string;
  stop(): Promise<void>;
}

const REGISTRY_BIN = '/usr/bin/docker-registry';
const SETPRIV = '/usr/bin/setpriv';
/** Registries of this process and their temp dirs: killed and removed if the process exits without stop(). */
const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [c, dir] of running) {
    try {
      c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // already gone
    }
  }
});

/** "user:$2y$…" line for an htpasswd file. */
export function htpasswdLine(username: string, password: string): string {
  try {
    return execFileSync('htpasswd', ['-nbB', '-C', '5', username, password], { encoding: 'utf8' }).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    // Debian's python3 (crypt module, libxcrypt) also makes bcrypt hashes.
    const hash = execFileSync('/usr/bin/python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32)))', password], { encoding: 'utf8' }).trim();
    if (hash.startsWith('$2')) return `${username}:${hash}`;
  } catch {
    // fall through
  }
  throw new Error('registry basic auth needs a bcrypt htpasswd: install Debian package apache2-utils (htpasswd)');
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

interface TokenServer {
  server: Server;
  url: string;
  count: () => number;
}

async function startTokenServer(opts: { keyPem: string; certPem: string; service: string; issuer: string; username: string; password: string }): Promise<TokenServer> {
  const certDer = Buffer.from(opts.certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization;
    let user: string | undefined;
    if (auth?.startsWith('Basic ')) {
      const [u, ...p] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (u !== opts.username || p.join(':') !== opts.password) {
        res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Basic realm="pier-test-token"' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
        return;
      }
      user = u;
    }
    const access = user === undefined ? [] : url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).flatMap((s) => {
      const parts = s.split(':');
      if (parts.length < 3) return [];
      const actions = parts.pop()!.split(',');
      const type = parts.shift()!;
      return [{ type, name: parts.join(':'), actions }];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: opts.issuer, sub: user ?? '', aud: url.searchParams.get('service') ?? opts.service,
      exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${signingInput}.${b64url(sign('sha256', Buffer.from(signingInput), opts.keyPem))}`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}/token`, count: () => count };
}

function probe(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = opts.auth ?? 'none';
  const dir = mkdtempSync(join(tmpdir(), 'pier-registry-'));
  const username = auth === 'none' ? undefined : opts.username ?? 'pier';
  const password = auth === 'none' ? undefined : opts.password ?? randomBytes(9).toString('base64url');
  let token: TokenServer | undefined;
  try {
    let authConfig: Record<string, unknown> | undefined;
    if (auth === 'basic') {
      writeFileSync(join(dir, 'htpasswd'), `${htpasswdLine(username!, password!)}\n`);
      authConfig = { htpasswd: { realm: 'pier-test-registry', path: join(dir, 'htpasswd') } };
    } else if (auth === 'token') {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'token.key'), '-out', join(dir, 'token.crt'),
        '-days', '2', '-subj', '/CN=pier-test-token-issuer'], { stdio: 'ignore' });
      const service = 'pier-test-registry';
      const issuer = 'pier-test-issuer';
      token = await startTokenServer({
        keyPem: readFileSync(join(dir, 'token.key'), 'utf8'), certPem: readFileSync(join(dir, 'token.crt'), 'utf8'),
        service, issuer, username: username!, password: password!,
      });
      authConfig = { token: { realm: token.url, service, issuer, rootcertbundle: join(dir, 'token.crt') } };
    }

    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const config = {
        version: 0.1,
        log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
        storage: { filesystem: { rootdirectory: join(dir, 'data') }, cache: { blobdescriptor: 'inmemory' }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } },
        http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex') },
        health: { storagedriver: { enabled: false } },
        ...(authConfig ? { auth: authConfig } : {}),
      };
      // YAML is a superset of JSON.
      writeFileSync(join(dir, 'config.yml'), JSON.stringify(config, null, 2));
      const logPath = join(dir, 'registry.log');
      const logFd = openSync(logPath, 'a');
      // setpriv (util-linux) execs the registry with a parent-death signal: a test process killed
      // by SIGTERM or SIGKILL (no 'exit' event) does not leave registries behind.
      const [cmd, args] = existsSync(SETPRIV)
        ? [SETPRIV, ['--pdeathsig', 'KILL', REGISTRY_BIN, 'serve', join(dir, 'config.yml')]]
        : [REGISTRY_BIN, ['serve', join(dir, 'config.yml')]];
      const child = spawn(cmd, args, { stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      running.set(child, dir);
      let exited = false;
      child.once('exit', () => {
        exited = true;
        running.delete(child);
      });
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 15_000;
      let up = false;
      while (!exited && Date.now() < deadline) {
        try {
          await probe(`${url}/v2/`);
          up = true;
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      if (!up) {
        child.kill('SIGKILL');
        const log = readFileSync(logPath, 'utf8');
        if (attempt < 3 && /address already in use/.test(log)) continue;
        throw new Error(`docker-registry did not start on ${url}:\n${log.slice(-2000)}`);
      }
      const tokenServer = token;
      const reg: TestRegistry = {
        host: `127.0.0.1:${port}`, url, auth,
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(tokenServer ? { tokenUrl: tokenServer.url } : {}),
        get tokenRequests() {
          return tokenServer?.count() ?? 0;
        },
        pid: child.pid!, dir, logPath,
        async stop() {
          if (!exited) {
            const gone = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 3000);
            await gone;
            clearTimeout(t);
          }
          if (tokenServer) await new Promise((r) => tokenServer.server.close(r));
          rmSync(dir, { recursive: true, force: true });
        },
      };
      return reg;
    }
  } catch (err) {
    if (token) await new Promise((r) => token!.server.close(r));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** GET requests for a blob in the registry's access log so far (e.g. to check a layer was fetched once). */
export function countBlobGets(reg: TestRegistry, digest: string): number {
  const log = readFileSync(reg.logPath, 'utf8');
  const needle = `"GET /v2/`;
  return log.split('\n').filter((l) => l.includes(needle) && l.includes(`/blobs/${digest}`)).length;
}

/** sha256 digest of a buffer, "sha256:<hex>". */
export function sha256Digest(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/**
 * `pier session-manager-plugin`: stands in for AWS's session-manager-plugin, so that
 * `aws ecs execute-command --endpoint-url <pier>` runs its command through Pier. The AWS CLI calls
 * ExecuteCommand, then runs the plugin with the session, the region, "StartSession", the profile,
 * the SSM target and the endpoint (awscli/customizations/ecs/executecommand.py); run with no
 * arguments it only checks that the plugin is there. Pier's session stream is its own, not SSM's:
 * this plugin speaks Pier's, and only to Pier (docs/exec.md).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SigningCredentials } from '../../api/auth/sign.js';
import { PierClient } from '../client/pier-client.js';
import { UsageError } from '../args.js';
import { attach, exitWith } from './exec.js';
import { bridgeSession } from './exec-session.js';

interface Session { sessionId: string; streamUrl: string; tokenValue: string }

export async function sessionManagerPlugin(argv: string[]): Promise<void> {
  if (argv.length === 0) {
    process.stdout.write('The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n');
    return;
  }
  const [sessionJson, region, action, profile, , endpoint] = argv;
  if (action !== 'StartSession' || !sessionJson || !region || !endpoint) {
    throw new UsageError('pier session-manager-plugin takes what the AWS CLI passes: SESSION_JSON REGION StartSession PROFILE TARGET_JSON ENDPOINT_URL');
  }
  const session = JSON.parse(sessionJson) as Session;
  if (!/^wss?:\/\/[^/]+\/_pier\/exec\//.test(session.streamUrl ?? '')) {
    throw new Error(`this session-manager-plugin speaks to Pier only, and ${session.streamUrl} is not a Pier session: use AWS's session-manager-plugin for AWS`);
  }
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const socket = await attach(new PierClient(endpoint, region, credentials(profile || undefined)), session, tty);
  const end = await bridgeSession(socket, { tty, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  if ('error' in end) throw new Error(end.error);
  await exitWith(end.exitCode);
}

/** The keys the AWS CLI signed with: its environment, else the profile in the shared credentials file. */
function credentials(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): SigningCredentials {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  const name = profile ?? env.AWS_PROFILE ?? 'default';
  const file = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch { /* no file: said below */ }
  const keys = profileKeys(text, name);
  if (!keys.aws_access_key_id || !keys.aws_secret_access_key) throw new Error(`no credentials for profile ${name} (in ${file} or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)`);
  return { accessKeyId: keys.aws_access_key_id, secretAccessKey: keys.aws_secret_access_key, ...(keys.aws_session_token ? { sessionToken: keys.aws_session_token } : {}) };
}

/** The `key = value` lines of `[name]` in an AWS credentials file. */
export function profileKeys(ini: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inProfile = false;
  for (const raw of ini.split('\n')) {
    const line = raw.trim();
    const section = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (section) inProfile = section[1] === name;
    else if (inProfile && line.includes('=') && !line.startsWith('#') && !line.startsWith(';')) {
      out[line.slice(0, line.indexOf('=')).trim()] = line.slice(line.indexOf('=') + 1).trim();
    }
  }
  return out;
}

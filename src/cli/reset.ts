/** `pier reset`: the admin call that wipes all state of a server started with --allow-reset. */
import { adminCall, errorMessage } from './admin-call.js';
import { parseFlags } from './args.js';

export async function resetRemote(argv: string[]): Promise<void> {
  const f = parseFlags(argv, { 'data-dir': 'string' });
  const { status, text } = await adminCall(f['data-dir'] as string | undefined, '/_pier/reset');
  if (status !== 200) throw new Error(`reset failed (${status}): ${errorMessage(text)}. Was the server started with --allow-reset?`);
  process.stdout.write('pier: state reset\n');
}

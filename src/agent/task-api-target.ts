/**
 * Where tasks reach Pier's API: the control plane's address as the agent knows it (its --server
 * URL), forwarded from 169.254.170.2 on the same port. Only an IPv4 address (or localhost) can be
 * a DNAT target; a server named by a DNS name, or on port 80 (the metadata endpoint's), leaves
 * tasks without the forward, and their SDKs without AWS_ENDPOINT_URL.
 */
import { isIPv4 } from 'node:net';

export function taskApiTarget(serverUrl: string): { address: string; port: number } | undefined {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:') return undefined;
  const address = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname;
  const port = url.port === '' ? 80 : Number(url.port);
  if (!isIPv4(address) || port === 80) return undefined;
  return { address, port };
}

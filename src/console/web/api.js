// Calls from the page to Pier. The session lives in an HttpOnly cookie the page cannot read; every
// call carries the session's CSRF token, and is answered by Pier's own API handlers as the
// signed-in principal. No secret is ever held here after sign-in.

let csrfToken = '';
let signedOut = () => {};

/** Called when Pier answers that the session is gone (expired, signed out, key rotated). */
export function onSignedOut(fn) {
  signedOut = fn;
}

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

async function errorOf(res) {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('xml')) {
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    return new ApiError(doc.querySelector('Code')?.textContent ?? 'Error', doc.querySelector('Message')?.textContent ?? text, res.status);
  }
  let body = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { message: text };
  }
  const type = String(body.__type ?? res.headers.get('x-amzn-errortype') ?? `HTTP ${res.status}`);
  return new ApiError(type.slice(type.lastIndexOf('#') + 1), body.message ?? body.Message ?? '', res.status);
}

async function send(path, init) {
  const res = await fetch(path, {
    ...init, credentials: 'same-origin', cache: 'no-store',
    headers: { 'x-pier-csrf': csrfToken, ...init.headers },
  });
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401) signedOut();
    throw err;
  }
  return res;
}

export async function signIn(accessKeyId, secretAccessKey) {
  const res = await send('/console/api/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId, secretAccessKey }),
  });
  const me = await res.json();
  csrfToken = me.csrfToken;
  return me;
}

/** The signed-in principal, or undefined when there is no session. */
export async function whoAmI() {
  const res = await fetch('/console/api/session', { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw await errorOf(res);
  const me = await res.json();
  if (!me.signedIn) return undefined;
  csrfToken = me.csrfToken;
  return me;
}

export async function signOut() {
  await send('/console/api/session', { method: 'DELETE' });
  csrfToken = '';
}

async function aws(service, target, input, jsonVersion = '1.1') {
  const res = await send(`/console/api/aws/${service}`, {
    method: 'POST',
    headers: { 'content-type': `application/x-amz-json-${jsonVersion}`, 'x-amz-target': target },
    body: JSON.stringify(input ?? {}),
  });
  return res.json();
}

export const ecs = (op, input) => aws('ecs', `AmazonEC2ContainerServiceV20141113.${op}`, input);
export const logs = (op, input) => aws('logs', `Logs_20140328.${op}`, input);
export const cloudwatch = (op, input) => aws('monitoring', `GraniteServiceVersion20100801.${op}`, input, '1.0');
export const costExplorer = (op, input) => aws('ce', `AWSInsightsIndexService.${op}`, input);

/** An EC2 Query call; the parsed XML answer. */
export async function ec2(action, params = {}) {
  const body = new URLSearchParams({ Action: action, Version: '2016-11-15', ...params });
  const res = await send('/console/api/aws/ec2', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
  });
  return new DOMParser().parseFromString(await res.text(), 'application/xml');
}

/** Pier's cost report (`pier costs --json`): { tasks, groups, total }. */
export async function pierCosts(input) {
  const res = await send('/console/api/pier/costs', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input),
  });
  return res.json();
}

/** Running tasks' latest CPU and memory readings. */
export async function taskMetrics(cluster) {
  const res = await send(`/console/api/task-metrics?cluster=${encodeURIComponent(cluster)}`, { method: 'GET' });
  return (await res.json()).tasks;
}

/** Every page of an ECS List* call. */
export async function listAll(op, input, key) {
  const out = [];
  let nextToken;
  do {
    const page = await ecs(op, { ...input, ...(nextToken ? { nextToken } : {}) });
    out.push(...(page[key] ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** DescribeTasks in batches of 100. */
export async function describeTasks(cluster, arns) {
  const out = [];
  for (let i = 0; i < arns.length; i += 100) {
    const page = await ecs('DescribeTasks', { cluster, tasks: arns.slice(i, i + 100) });
    out.push(...(page.tasks ?? []));
  }
  return out;
}

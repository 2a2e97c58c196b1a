// A task's log lines, followed live: each awslogs container's stream is read from its start, then
// polled for what comes next (CloudWatch Logs GetLogEvents with the forward token).
import { useEffect, useRef, useState } from 'preact/hooks';
import { logs } from '../api.js';
import { ErrorNote, html, nameOf } from '../html.js';

const KEEP_LINES = 1000;
const POLL_MS = 2000;

/** Where awslogs puts each container's lines: `prefix/container/task-id`, or the task id alone. */
export function streamsOf(taskArn, definition) {
  return (definition?.containerDefinitions ?? [])
    .filter((c) => c.logConfiguration?.logDriver === 'awslogs')
    .map((c) => {
      const o = c.logConfiguration.options ?? {};
      const prefix = o['awslogs-stream-prefix'];
      return { container: c.name, group: o['awslogs-group'], stream: prefix ? `${prefix}/${c.name}/${nameOf(taskArn)}` : nameOf(taskArn) };
    });
}

export function LiveLogs({ sources, follow }) {
  const [lines, setLines] = useState([]);
  const [error, setError] = useState(undefined);
  const box = useRef(null);
  const key = sources.map((s) => `${s.group}\n${s.stream}`).join('\n');
  useEffect(() => {
    let stopped = false;
    let timer;
    const tokens = new Map();
    setLines([]);
    const poll = async () => {
      try {
        const fresh = [];
        for (const s of sources) {
          for (let page = 0; page < 10; page += 1) {
            const token = tokens.get(s.stream);
            let out;
            try {
              out = await logs('GetLogEvents', { logGroupName: s.group, logStreamName: s.stream, startFromHead: true, ...(token ? { nextToken: token } : {}) });
            } catch (err) {
              if (err.code === 'ResourceNotFoundException') break; // the container has not written yet
              throw err;
            }
            fresh.push(...(out.events ?? []).map((e) => ({ ...e, container: s.container })));
            const done = out.nextForwardToken === token || !(out.events ?? []).length;
            tokens.set(s.stream, out.nextForwardToken);
            if (done) break;
          }
        }
        if (stopped) return;
        setError(undefined);
        if (fresh.length) {
          fresh.sort((a, b) => a.timestamp - b.timestamp);
          setLines((old) => [...old, ...fresh].slice(-KEEP_LINES));
        }
      } catch (err) {
        if (!stopped) setError(err);
      }
      if (!stopped && follow) timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, follow]);
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);
  if (sources.length === 0) return html`<p class="empty">No container sends its output to CloudWatch Logs (the awslogs log driver).</p>`;
  const several = sources.length > 1;
  return html`
    <${ErrorNote} error=${error} />
    <pre class="logs" ref=${box} aria-label="Log lines">${lines.length === 0 ? html`<span class="muted">No lines yet${follow ? ' (following)' : ''}.</span>` : lines.map((l) => html`<div class="line"><time>${new Date(l.timestamp).toISOString().slice(11, 23)}</time>${several ? html`<span class="src">${l.container}</span>` : null}${l.message}</div>`)}</pre>`;
}

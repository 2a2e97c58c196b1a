// Data that refreshes itself while its view is on screen.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/**
 * Runs `load` now and every `everyMs` while mounted (and again when `deps` change); `reload()`
 * refreshes at once, after an action. Keeps the last good data when a refresh fails.
 */
export function usePoll(load, everyMs, deps = []) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const generation = useRef(0);
  const run = useCallback(async () => {
    const mine = generation.current;
    try {
      const data = await load();
      if (mine === generation.current) setState({ data, error: undefined, loading: false });
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    generation.current += 1;
    setState({ data: undefined, error: undefined, loading: true });
    let timer;
    let stopped = false;
    const tick = async () => {
      // A hidden tab is not refreshed (its first load still happens), so idle tabs cost Pier nothing.
      if (!document.hidden || !timer) await run();
      if (!stopped && everyMs > 0) timer = setTimeout(tick, everyMs);
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [run]);
  return { ...state, reload: run };
}

/** Runs an action, remembering whether it is busy and how it failed. */
export function useAction(action, onDone) {
  const [state, setState] = useState({ busy: false, error: undefined });
  const run = async (...args) => {
    setState({ busy: true, error: undefined });
    try {
      const result = await action(...args);
      setState({ busy: false, error: undefined });
      onDone?.(result);
      return result;
    } catch (error) {
      setState({ busy: false, error });
      return undefined;
    }
  };
  return { ...state, run };
}

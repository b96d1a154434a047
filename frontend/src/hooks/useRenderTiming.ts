import { useLayoutEffect } from 'react';

// useRenderTiming records, with the Performance API, how long the browser took from having the
// data (dataUpdatedAt, a Date.now() timestamp) to committing the rows that show it:
// performance.measure(name, {detail: {rows}}). The e2e suite reads it for the 200-row run list.
export function useRenderTiming(name: string, dataUpdatedAt: number, rows: number) {
  useLayoutEffect(() => {
    if (!dataUpdatedAt || rows === 0 || typeof performance === 'undefined' || !performance.measure) return;
    const start = Math.max(0, dataUpdatedAt - performance.timeOrigin);
    const end = performance.now();
    try {
      performance.measure(name, { start, end, detail: { rows } });
    } catch {
      // Timing is best effort.
    }
  }, [name, dataUpdatedAt, rows]);
}

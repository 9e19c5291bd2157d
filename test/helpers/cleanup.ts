import { after } from 'node:test';

const cleanups: (() => Promise<unknown>)[] = [];

/**
 * Registers work to undo when the test file ends, run last-registered-first: workers stop
 * before the app closes, and the app closes before its database is dropped.
 */
export function onTestEnd(cleanup: () => Promise<unknown>): void {
  if (cleanups.length === 0) {
    after(async () => {
      while (cleanups.length > 0) await cleanups.pop()?.();
    });
  }
  cleanups.push(cleanup);
}

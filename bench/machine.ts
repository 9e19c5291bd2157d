/**
 * What a benchmark says of the machine it ran on. Other processes share it: the load average
 * before and after says how much of the machine they took while the figures were measured.
 */
import { cpus, loadavg } from 'node:os';

const loadNow = () => loadavg().map((n) => Math.round(n * 100) / 100);

/** Call before measuring; `describe()` after, for the result's `machine` and the printed line. */
export function machineWatch() {
  const loadBefore = loadNow();
  return {
    describe() {
      const machine = {
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadNow(),
      };
      console.log(
        `load average (1, 5, 15 min) before ${loadBefore.join(', ')}, after ${machine.loadAverageAfter.join(', ')}`,
      );
      return machine;
    },
  };
}

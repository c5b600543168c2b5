// The outbox benchmark's machine CPU window: it counts CPU that this process burned inside it (a
// machine-wide count includes every process, so at least ours), nothing from before it started,
// and its floor is that time spread over the cores.
import { cpus } from 'node:os';
import { startCpuWindow } from '../../../bench/lib/machine-cpu';
import { burnCpu as burn } from '../../support/burn-cpu';

test('a window counts the CPU burned inside it, and its floor is that over the cores', () => {
  burn(100); // before the window: must not count
  const end = startCpuWindow();
  burn(300);
  const w = end();
  expect(w.cores).toBe(cpus().length);
  // /proc/stat counts in 10 ms ticks per core: allow two ticks per core of rounding.
  expect(w.busyCpuSeconds).toBeGreaterThanOrEqual(0.3 - 0.02 * w.cores);
  expect(w.floorSeconds).toBeCloseTo(w.busyCpuSeconds / w.cores, 10);
});

test('an idle window is not charged what came before it', () => {
  burn(300);
  const w = startCpuWindow()();
  // Ended at once: other processes may tick in between, but not the 0.3 s burned before it.
  expect(w.busyCpuSeconds).toBeLessThan(0.3);
});

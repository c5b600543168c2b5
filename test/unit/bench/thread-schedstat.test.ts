// The outbox benchmark's producing-thread window: it parses the kernel's schedstat line and refuses
// anything else, counts the CPU this thread burned inside the window and nothing from before, says
// null (never a made-up zero) for a thread it cannot read, and finds the stack worker's node
// process in the group the pid file names, or says null when there is none.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSchedstat, stackWorkerPid, startThreadWindow } from '../../../bench/lib/thread-schedstat';
import { burnCpu as burn } from '../../support/burn-cpu';

const stateDirs: string[] = [];
afterAll(() => {
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

/** An empty state folder (what `.rebound` is to the stack), removed after the tests. */
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-schedstat-'));
  stateDirs.push(dir);
  return dir;
}

test('a schedstat line gives the time on a core and the time waiting, and nothing else is read as one', () => {
  expect(parseSchedstat('1302000000 64000000 3120\n')).toEqual({ runNs: 1_302_000_000, waitNs: 64_000_000 });
  for (const bad of ['', '12 34', '1 2 3 4', '1 -2 3', 'a b c']) {
    expect(() => parseSchedstat(bad)).toThrow(/not a schedstat line/);
  }
});

const linux = process.platform === 'linux' ? test : test.skip;

linux('a window on this thread counts the CPU burned inside it, not before it', () => {
  burn(100); // before the window: must not count
  const end = startThreadWindow(process.pid);
  burn(300);
  const w = end();
  expect(w).not.toBeNull();
  // The main thread burned 300 ms of CPU; the process's other threads (the garbage collector's)
  // are not in this thread's count, so it is at least most of it and not much more.
  expect(w!.cpuSeconds).toBeGreaterThanOrEqual(0.25);
  expect(w!.cpuSeconds).toBeLessThan(0.3 + 0.2);
  expect(w!.waitSeconds).toBeGreaterThanOrEqual(0);
});

test('a thread that cannot be read gives null, not zero', () => {
  // Pid 0 is never a process: /proc/0 does not exist.
  expect(startThreadWindow(0)()).toBeNull();
});

test('the stack worker is not found without a pid file, nor when its group is gone', () => {
  const state = stateDir();
  expect(stackWorkerPid(state)).toBeNull();
  mkdirSync(join(state, 'run'));
  // A pid that names no process group: the largest pid the kernel can hand out, plus one.
  writeFileSync(join(state, 'run', 'worker.pid'), '4194305\n');
  expect(stackWorkerPid(state)).toBeNull();
  writeFileSync(join(state, 'run', 'worker.pid'), 'not a pid\n');
  expect(stackWorkerPid(state)).toBeNull();
});

linux(
  "the stack worker is the largest process of the pid file's group, not its launcher",
  async () => {
    // Like `stack up`: a small launcher leads its own group and runs the real program as its child.
    const launcher = spawn(
      'sh',
      ['-c', `node -e "globalThis.x = Buffer.alloc(64 << 20, 1); setInterval(() => {}, 1000)" & wait`],
      { detached: true, stdio: 'ignore' },
    );
    const state = stateDir();
    mkdirSync(join(state, 'run'));
    writeFileSync(join(state, 'run', 'worker.pid'), `${launcher.pid}\n`);
    try {
      let found: number | null = null;
      for (let i = 0; i < 100 && (found === null || found === launcher.pid); i++) {
        await new Promise((r) => setTimeout(r, 100));
        found = stackWorkerPid(state);
      }
      expect(found).not.toBeNull();
      expect(found).not.toBe(launcher.pid);
      expect(readFileSync(`/proc/${found}/cmdline`, 'utf8')).toContain('Buffer.alloc');
    } finally {
      process.kill(-launcher.pid!, 'SIGKILL');
    }
  },
  20_000,
);

// The worker's memory bounds: the environment test and benchmark workers start with, and the
// stack's launcher setting the same two (a drift would make the RSS benchmark measure a worker
// that nobody runs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../shared/config';
import { REPO_ROOT } from '../../shared/paths';
import { WORKER_MALLOC_ARENAS, workerMemoryEnv } from '../../workers/worker-memory';

test('the old-space limit comes from REBOUND_WORKER_HEAP_MB, default 224 MiB, before the caller’s own flags', () => {
  expect(workerMemoryEnv(loadConfig({}), {})).toEqual({
    NODE_OPTIONS: '--max-old-space-size=224',
    MALLOC_ARENA_MAX: '2',
  });
  const config = loadConfig({ REBOUND_WORKER_HEAP_MB: '384' });
  expect(workerMemoryEnv(config, { NODE_OPTIONS: '--max-old-space-size=1024 --enable-source-maps' })).toEqual(
    {
      // Node applies the last of repeated flags: the operator's own 1024 wins.
      NODE_OPTIONS: '--max-old-space-size=384 --max-old-space-size=1024 --enable-source-maps',
      MALLOC_ARENA_MAX: '2',
    },
  );
  expect(workerMemoryEnv(config, { MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4');
});

test('a heap limit that is not a whole number of at least 128 MiB is refused naming the variable', () => {
  for (const bad of ['64', 'lots', '256.5']) {
    expect(() => loadConfig({ REBOUND_WORKER_HEAP_MB: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ REBOUND_WORKER_HEAP_MB: bad })).toThrow(/REBOUND_WORKER_HEAP_MB/);
  }
});

test('the stack’s worker launcher sets the same two bounds', () => {
  const launcher = readFileSync(join(REPO_ROOT, 'scripts/stack/services.d/10-worker.sh'), 'utf8');
  expect(launcher).toContain('--max-old-space-size=$REBOUND_WORKER_HEAP_MB');
  expect(launcher).toContain(`MALLOC_ARENA_MAX="\${MALLOC_ARENA_MAX:-${WORKER_MALLOC_ARENAS}}"`);
});

// A group's control record in the real Redis: an empty skip list written by the Lua script (whose
// cjson stores an empty table as `{}`) reads back as an empty array. Before the fix, readControl
// returned `{}` and the safe-mode playbook's workflow task failed on it forever (the chaos matrix's
// consumer-safe-mode-restart case after an earlier recovery had stopped the group).
import { randomUUID } from 'node:crypto';
import { readControl, writeControl } from '../../../consumer/control-store';
import { controlKey } from '../../../shared/consumer-control';
import { loadConfig } from '../../../shared/config';
import { createRedis } from '../../../workers/clients';

const redis = createRedis(loadConfig(), 'rebound-test-control-store');
const group = `t-control-${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  await redis.del(controlKey(group));
  await redis.quit();
});

test('an empty skip list survives the write script: readers get an array', async () => {
  const change = { mode: 'stopped' as const, skip: [], maxParallelism: 3, debug: false };
  const written = await writeControl(redis, group, change, 'test');
  expect(written.skip).toEqual([]);
  const read = await readControl(redis, group);
  expect(Array.isArray(read.skip)).toBe(true);
  expect(read).toMatchObject({ mode: 'stopped', skip: [], version: written.version });
  // A skip list with entries stays as it is.
  await writeControl(redis, group, { ...change, mode: 'safe', skip: ['t:0:5'] }, 'test');
  expect((await readControl(redis, group)).skip).toEqual(['t:0:5']);
});

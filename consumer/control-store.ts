// Reading and writing a group's control record in Redis. Writers bump the version atomically and
// publish on the group's channel, so runtimes react within a second; runtimes also poll, so a
// missed publish costs at most one poll interval.
import { type Redis } from 'ioredis';
import {
  DEFAULT_CONTROL,
  controlChannel,
  controlKey,
  type ControlChange,
  type ControlRecord,
} from '../shared/consumer-control';

/**
 * A stored control record as written by WRITE_SCRIPT. Redis's cjson encodes an empty Lua table
 * as an object, so an empty skip list is stored as `{}`: read back as is, it failed every reader
 * that iterates it (the safe-mode playbook's workflow task failed on `new Set({})` and the run hung
 * — found by the chaos matrix, issue 14). The skip list is always returned as an array.
 */
function parseControl(raw: string): ControlRecord {
  const record = { ...DEFAULT_CONTROL, ...(JSON.parse(raw) as Partial<ControlRecord>) };
  return { ...record, skip: Array.isArray(record.skip) ? record.skip : [] };
}

export async function readControl(redis: Redis, group: string): Promise<ControlRecord> {
  const raw = await redis.get(controlKey(group));
  if (!raw) return { ...DEFAULT_CONTROL };
  return parseControl(raw);
}

// Version bump and write in one Lua call: two writers can never produce the same version.
const WRITE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local version = 0
if current then version = cjson.decode(current)['version'] or 0 end
local record = cjson.decode(ARGV[1])
record['version'] = version + 1
local encoded = cjson.encode(record)
redis.call('SET', KEYS[1], encoded)
redis.call('PUBLISH', ARGV[2], tostring(version + 1))
return encoded`;

export async function writeControl(
  redis: Redis,
  group: string,
  change: ControlChange,
  updatedBy: string,
): Promise<ControlRecord> {
  const record = { ...change, updatedBy, updatedAt: new Date().toISOString() };
  const encoded = (await redis.eval(
    WRITE_SCRIPT,
    1,
    controlKey(group),
    JSON.stringify(record),
    controlChannel(group),
  )) as string;
  return parseControl(encoded);
}

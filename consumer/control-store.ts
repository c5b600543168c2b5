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

export async function readControl(redis: Redis, group: string): Promise<ControlRecord> {
  const raw = await redis.get(controlKey(group));
  if (!raw) return { ...DEFAULT_CONTROL };
  return { ...DEFAULT_CONTROL, ...(JSON.parse(raw) as Partial<ControlRecord>) };
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
  const written = JSON.parse(encoded) as ControlRecord;
  // cjson encodes an empty Lua table as an object: normalise the skip list back to an array.
  return { ...written, skip: Array.isArray(written.skip) ? written.skip : [] };
}

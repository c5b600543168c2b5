// The chaos kill cases' activity delay: off unless fault injection is enabled, bounded, and a
// wrong value is an error rather than silently no delay.
import {
  ACTIVITY_DELAY_ENV,
  MAX_ACTIVITY_DELAY_MS,
  activityDelayFromEnv,
  activityDelayInterceptors,
} from '../../../workers/test-activity-delay';
import { FAULT_INJECTION_ENABLED, FAULT_INJECTION_ENV } from '../../../activities/org/fault-injection';

const enabled = { [FAULT_INJECTION_ENV]: FAULT_INJECTION_ENABLED };

test('no delay without fault injection, even when the delay is set', () => {
  expect(activityDelayFromEnv({ [ACTIVITY_DELAY_ENV]: '400' })).toBe(0);
  expect(activityDelayFromEnv({ [FAULT_INJECTION_ENV]: 'yes', [ACTIVITY_DELAY_ENV]: '400' })).toBe(0);
});

test('the delay when fault injection is enabled; unset or empty is none', () => {
  expect(activityDelayFromEnv({ ...enabled, [ACTIVITY_DELAY_ENV]: '400' })).toBe(400);
  expect(activityDelayFromEnv({ ...enabled })).toBe(0);
  expect(activityDelayFromEnv({ ...enabled, [ACTIVITY_DELAY_ENV]: '' })).toBe(0);
});

test.each(['-1', '1.5', 'abc', '400ms', String(MAX_ACTIVITY_DELAY_MS + 1)])('"%s" is refused', (raw) => {
  expect(() => activityDelayFromEnv({ ...enabled, [ACTIVITY_DELAY_ENV]: raw })).toThrow(ACTIVITY_DELAY_ENV);
});

test('the interceptor waits before the activity runs, and passes its result through', async () => {
  const [factory] = activityDelayInterceptors(120);
  const inbound = factory({} as never).inbound!;
  const ran: number[] = [];
  const t0 = Date.now();
  const result = await inbound.execute!({ args: [], headers: {} }, () => {
    ran.push(Date.now() - t0);
    return Promise.resolve('done');
  });
  expect(result).toBe('done');
  expect(ran[0]).toBeGreaterThanOrEqual(110);
});

test('no interceptor for a zero delay', () => {
  expect(activityDelayInterceptors(0)).toEqual([]);
});

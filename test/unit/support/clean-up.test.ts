// cleanUp runs every step even after a failure, and its error names each failed step.
import { cleanUp } from '../../support/clean-up';

test('every step runs; the error names the failed ones with their messages', async () => {
  const ran: string[] = [];
  const failing = cleanUp({
    first: () => ran.push('first'),
    'stack up': () => {
      ran.push('stack up');
      return Promise.reject(new Error('postgres did not answer'));
    },
    last: async () => {
      await new Promise((r) => setTimeout(r, 5));
      ran.push('last');
    },
    thrower: () => {
      throw new TypeError('pool already ended');
    },
  });
  await expect(failing).rejects.toThrow(
    'clean-up failed in 2 step(s):\nstack up: postgres did not answer\nthrower: pool already ended',
  );
  expect(ran).toEqual(['first', 'stack up', 'last']);
});

test('resolves when every step succeeds', async () => {
  await expect(cleanUp({ a: () => undefined, b: () => Promise.resolve(1) })).resolves.toBeUndefined();
});

// Polling a real store or a workflow's status until a condition holds, for the tests that drive
// the real stack (nothing here fakes time).

/**
 * Calls `probe` every `everyMs` (ms) until it returns something other than undefined or false, and
 * resolves with that. Throws `timed out after … waiting for <what>` once `timeoutMs` (ms) passed.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

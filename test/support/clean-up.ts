// A test file's afterAll as a list of named steps, every one of which runs even when an earlier
// one failed (a stack part left stopped must still be started, a pool still be ended), and whose
// failure names the step: an afterAll error fails the file while every test in it passed, and
// without the step's name that says nothing of what to look at.

/**
 * Runs the steps in order, each awaited; collects failures instead of stopping at the first.
 * Throws one Error naming every step that failed, with its message, after all have run.
 */
export async function cleanUp(steps: Record<string, () => unknown>): Promise<void> {
  const failed: string[] = [];
  for (const [name, step] of Object.entries(steps)) {
    try {
      await step();
    } catch (err) {
      failed.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failed.length > 0)
    throw new Error(`clean-up failed in ${failed.length} step(s):\n${failed.join('\n')}`);
}

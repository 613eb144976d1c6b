/**
 * Waits until `done()` holds, looking every `everyMs`, for at most `withinMs`; the caller then asserts what it waited
 * for (a wait that runs out is the test's failure, with the caller's message, not a timeout here).
 */
export async function until(
  done: () => boolean | Promise<boolean>,
  withinMs: number,
  everyMs = 25,
): Promise<void> {
  for (const end = Date.now() + withinMs; !(await done()) && Date.now() < end;)
    await new Promise((r) => setTimeout(r, everyMs));
}

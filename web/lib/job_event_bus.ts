/**
 * Wakes a job's SSE streams the moment this process records an event for it, so progress shows without waiting
 * for the next poll. Streams still poll the database (other web machines apply callbacks too), so a missed wake-up
 * only costs one poll interval.
 */

/** In-process wake-ups keyed by job id. One per web process (held in AppDeps, not in a module). */
export class JobEventBus {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** Wakes every stream waiting on `jobId`. Call after the event's transaction committed. */
  notify(jobId: string): void {
    const waiters = this.#waiters.get(jobId);
    if (!waiters) return;
    this.#waiters.delete(jobId);
    for (const wake of waiters) wake();
  }

  /** Resolves on the next `notify(jobId)`, after `timeoutMs` [ms], or when `signal` aborts, whichever comes first. */
  wait(jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(jobId) ?? new Set();
      this.#waiters.set(jobId, waiters);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(jobId) === waiters) this.#waiters.delete(jobId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener("abort", done, { once: true });
      waiters.add(done);
    });
  }

  /** Number of jobs with waiting streams (for tests and metrics). */
  get size(): number {
    return this.#waiters.size;
  }
}

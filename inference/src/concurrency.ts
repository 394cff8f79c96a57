/**
 * A non-blocking semaphore: a job either gets a slot now or the caller answers 429 so QStash retries later
 * (queueing inside the process would hold deliveries that another machine could take).
 */

/** Releases a slot; calling it twice is harmless. */
export type Release = () => void;

/** Counts running jobs against a fixed limit and lets shutdown wait for them. */
export class Semaphore {
  #active = 0;
  #idleWaiters: Array<() => void> = [];

  /** @param limit how many holders at once (INFERENCE_CONCURRENCY). */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Semaphore limit must be >= 1, got ${limit}`);
    }
  }

  /** Holders now. */
  get active(): number {
    return this.#active;
  }

  /** A release function when a slot is free, otherwise null (at the limit). */
  tryAcquire(): Release | null {
    if (this.#active >= this.limit) return null;
    this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      if (this.#active === 0) {
        this.#idleWaiters.splice(0).forEach((resolve) => resolve());
      }
    };
  }

  /** Resolves true once nothing is held, or false after `timeoutMs` [ms] if something still is. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.#active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

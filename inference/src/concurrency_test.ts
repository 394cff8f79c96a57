import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Semaphore } from "./concurrency.ts";

describe("concurrency", () => {
  it("Semaphore - hands out up to limit slots, refuses more, frees on release (once)", async () => {
    const sem = new Semaphore(2);
    const a = sem.tryAcquire()!;
    const b = sem.tryAcquire()!;
    assert.equal(sem.tryAcquire(), null);
    a();
    a();
    assert.equal(sem.active, 1);
    const c = sem.tryAcquire();
    assert.ok(c);
    assert.equal(await sem.waitIdle(10), false);
    const idle = sem.waitIdle(1000);
    b();
    c();
    assert.equal(await idle, true);
    assert.throws(() => new Semaphore(0), /limit/);
  });
});

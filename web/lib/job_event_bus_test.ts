import assert from "node:assert/strict";
import { JobEventBus } from "./job_event_bus.ts";

Deno.test("job event bus - notify wakes only that job's waiters, at once", async () => {
  const bus = new JobEventBus();
  let woke = "";
  const a = bus.wait("a", 10_000).then(() => (woke += "a"));
  const b = bus.wait("b", 50).then(() => (woke += "b"));
  const started = performance.now();
  bus.notify("a");
  await a;
  assert.ok(performance.now() - started < 1000);
  assert.equal(woke, "a");
  await b; // times out on its own
  assert.equal(woke, "ab");
  assert.equal(bus.size, 0, "no waiter is left behind");
});

Deno.test("job event bus - an aborted wait resolves and leaves nothing behind", async () => {
  const bus = new JobEventBus();
  const abort = new AbortController();
  const waiting = bus.wait("a", 10_000, abort.signal);
  abort.abort();
  await waiting;
  assert.equal(bus.size, 0);
  bus.notify("a"); // nobody left to wake: no error
});

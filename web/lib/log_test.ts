import assert from "node:assert/strict";
import { batchedSink, createLogger } from "./log.ts";

function recorder() {
  const writes: string[] = [];
  return {
    writes,
    writeSync(p: Uint8Array) {
      writes.push(new TextDecoder().decode(p));
      return p.length;
    },
  };
}

Deno.test("log - a burst of lines reaches the output in one write on the next turn; errors at once", async () => {
  const out = recorder();
  const sink = batchedSink(out);
  const log = createLogger({ sink, service: "web" });
  log.info("one", { traceId: "t" });
  log.info("two");
  assert.equal(out.writes.length, 0, "nothing written synchronously");
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(out.writes.length, 1);
  const lines = out.writes[0].trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.msg, l.level, l.service]), [["one", "info", "web"], ["two", "info", "web"]]);
  assert.equal(lines[0].traceId, "t");

  log.info("three");
  log.error("boom", { error: new Error("bad") });
  assert.equal(out.writes.length, 2, "an error line flushes what is buffered at once");
  assert.match(out.writes[1], /"msg":"three"[\s\S]*"msg":"boom"[\s\S]*"message":"bad"/);
  sink.flush();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(out.writes.length, 2, "nothing left to write");
});

import assert from "node:assert/strict";
import { EICAR, startClamd } from "./clamd.ts";
import { parseReply, scanBytes, VirusScanError } from "../web/lib/virus_scan.ts";

function wavHeader(): Uint8Array {
  const header = new Uint8Array(44 + 4096);
  const view = new DataView(header.buffer);
  header.set(new TextEncoder().encode("RIFF"), 0);
  view.setUint32(4, header.length - 8, true);
  header.set(new TextEncoder().encode("WAVEfmt "), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, 22050, true);
  header.set(new TextEncoder().encode("data"), 36);
  view.setUint32(40, 4096, true);
  return header;
}

Deno.test("clamd - EICAR is detected, a WAV is clean, a stopped clamd is a clear error", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "clamd-test-" });
  const clamd = await startClamd({ port: 0, dataDir });
  try {
    const infected = await scanBytes(clamd.host, clamd.port, new TextEncoder().encode(EICAR));
    assert.deepEqual(infected, { clean: false, signature: "Eicar-Test-Signature.UNOFFICIAL" });
    assert.deepEqual(await scanBytes(clamd.host, clamd.port, wavHeader()), { clean: true });
    const big = new Uint8Array(300 * 1024).fill(7);
    big.set(new TextEncoder().encode(EICAR), 0);
    assert.equal((await scanBytes(clamd.host, clamd.port, big)).clean, false, "found across many chunks");
  } finally {
    await clamd.close();
  }
  await assert.rejects(
    () => scanBytes(clamd.host, clamd.port, wavHeader()),
    (err: Error) => err instanceof VirusScanError && /cannot reach clamd at 127\.0\.0\.1:\d+/.test(err.message),
  );
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("virus scan client - a clamd error reply is an error, not a verdict", () => {
  assert.throws(() => parseReply("INSTREAM size limit exceeded. ERROR"), /could not scan.*size limit/);
  assert.throws(() => parseReply(""), VirusScanError);
  assert.deepEqual(parseReply("stream: Win.Test.EICAR_HDB-1 FOUND"), {
    clean: false,
    signature: "Win.Test.EICAR_HDB-1",
  });
});

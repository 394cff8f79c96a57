/**
 * A local clamd for development and tests: Debian's clamd in the foreground with a generated config and a signature
 * database holding only the EICAR test signature (no freshclam, no network). It speaks the real clamd protocol,
 * so web/lib/virus_scan.ts runs unchanged; it detects nothing but EICAR.
 */
import { join } from "node:path";

/** Options of {@link startClamd}. */
export interface ClamdOptions {
  /** Port on 127.0.0.1; 0 picks a free port. Default 0. */
  port?: number;
  /** Where the config and signature DB are written. */
  dataDir: string;
  /** How long to wait for clamd to answer PING [ms]. Default 30000. */
  startTimeoutMs?: number;
}

/** A running clamd. */
export interface LocalClamd {
  host: string;
  port: number;
  /** Stops clamd and waits for it to exit. */
  close(): Promise<void>;
}

/** The 68-byte EICAR test file, the one thing this clamd detects. */
export const EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/** Uploads are up to 100 MiB (MAX_UPLOAD_BYTES); clamd's default stream limit is 25 MB. */
const STREAM_MAX_LENGTH = "120M";
const CLAMD_BIN = "/usr/sbin/clamd";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** An .ndb body signature (any file type, any offset) so EICAR is found however the file is named, also inside audio. */
function eicarNdb(): string {
  const hex = [...new TextEncoder().encode(EICAR)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `Eicar-Test-Signature:0:*:${hex}\n`;
}

async function writeConfig(dataDir: string, port: number): Promise<string> {
  const dbDir = join(dataDir, "db");
  const tmpDir = join(dataDir, "tmp");
  await Deno.mkdir(dbDir, { recursive: true });
  await Deno.mkdir(tmpDir, { recursive: true });
  await Deno.writeTextFile(join(dbDir, "eicar.ndb"), eicarNdb());
  const config = join(dataDir, "clamd.conf");
  await Deno.writeTextFile(
    config,
    [
      `DatabaseDirectory ${dbDir}`,
      `TemporaryDirectory ${tmpDir}`,
      `TCPSocket ${port}`,
      "TCPAddr 127.0.0.1",
      "Foreground yes",
      `StreamMaxLength ${STREAM_MAX_LENGTH}`,
      "LogTime no",
      "LogSyslog no",
      // Running as root in containers: keep the current user instead of switching to "clamav".
      ...(Deno.uid() === 0 ? ["User root"] : []),
      "",
    ].join("\n"),
  );
  return config;
}

async function ping(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(new TextEncoder().encode("zPING\0"));
      const buf = new Uint8Array(16);
      const n = await conn.read(buf);
      return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("PONG");
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

/** Starts clamd on 127.0.0.1 and waits until it answers PING. */
export async function startClamd(options: ClamdOptions): Promise<LocalClamd> {
  const port = options.port || freePort();
  const config = await writeConfig(options.dataDir, port);
  const child = new Deno.Command(CLAMD_BIN, {
    args: [`--config-file=${config}`],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const errText: string[] = [];
  const drained = (async () => {
    for (let r = await stderr.read(); !r.done; r = await stderr.read()) errText.push(r.value);
  })();
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  const close = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await drained;
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await ping(port))) {
    if (exited || Date.now() > deadline) {
      await close();
      const why = exited ? "exited" : "did not answer PING in time";
      throw new Error(`clamd ${why} on port ${port}: ${errText.join("").trim().slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host: "127.0.0.1", port, close };
}

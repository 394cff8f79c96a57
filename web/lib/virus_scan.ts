/**
 * A minimal clamd client: streams bytes with the INSTREAM command and reports whether a signature matched.
 * Used in production against a real clamd and in development against devstack/clamd.ts.
 */

/** The verdict for one scanned buffer. */
export interface ScanResult {
  clean: boolean;
  /** Name of the matched signature when not clean, e.g. `Eicar-Test-Signature`. */
  signature?: string;
}

/** Options of {@link scanBytes}. */
export interface ScanOptions {
  /** Give up after this long [ms]. Default 60000. */
  timeoutMs?: number;
}

/** clamd cannot be reached or answered something we do not understand; the upload must not be treated as clean. */
export class VirusScanError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "VirusScanError";
  }
}

/** Bytes per INSTREAM chunk; clamd accepts any size up to StreamMaxLength in total. */
const CHUNK_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

function chunkHeader(length: number): Uint8Array {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, length, false);
  return header;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Reads the NUL-terminated reply of a `z`-prefixed command. */
async function readReply(conn: Deno.Conn): Promise<string> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(1024);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    const chunk = buf.slice(0, n);
    const end = chunk.indexOf(0);
    parts.push(end >= 0 ? chunk.subarray(0, end) : chunk);
    if (end >= 0) break;
  }
  return new TextDecoder().decode(new Uint8Array(parts.flatMap((p) => [...p]))).trim();
}

/** Parses `stream: OK` / `stream: <name> FOUND` / `... ERROR`. */
export function parseReply(reply: string): ScanResult {
  if (/^stream: OK$/.test(reply)) return { clean: true };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found) return { clean: false, signature: found[1] };
  throw new VirusScanError(`clamd could not scan the file: ${reply || "empty reply"}`);
}

async function connect(host: string, port: number): Promise<Deno.Conn> {
  try {
    return await Deno.connect({ hostname: host, port });
  } catch (err) {
    throw new VirusScanError(
      `cannot reach clamd at ${host}:${port} (${
        (err as Error).message
      }); is clamd running and CLAMD_HOST/CLAMD_PORT right?`,
      { cause: err },
    );
  }
}

/**
 * Scans `bytes` with clamd's INSTREAM command.
 * @throws VirusScanError when clamd is unreachable, times out, or reports an error (e.g. size limit exceeded).
 */
export async function scanBytes(host: string, port: number, bytes: Uint8Array, options: ScanOptions = {}) {
  const conn = await connect(host, port);
  const timer = setTimeout(() => conn.close(), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let timedOut = true;
  try {
    await writeAll(conn, new TextEncoder().encode("zINSTREAM\0"));
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      const chunk = bytes.subarray(offset, offset + CHUNK_BYTES);
      await writeAll(conn, chunkHeader(chunk.length));
      await writeAll(conn, chunk);
    }
    await writeAll(conn, chunkHeader(0));
    const reply = await readReply(conn);
    timedOut = false;
    return parseReply(reply) satisfies ScanResult;
  } catch (err) {
    if (err instanceof VirusScanError) throw err;
    const why = timedOut ? "the connection failed or timed out" : "unexpected reply";
    throw new VirusScanError(`clamd scan failed: ${why} (${(err as Error).message})`, { cause: err });
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // Already closed by the timeout or by clamd after an error reply.
    }
  }
}

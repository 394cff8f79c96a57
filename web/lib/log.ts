/** JSON-lines logger (docs/CONTRACTS.md "Logs"): `{"ts","level","msg","service","traceId",...}` on stdout. */

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level; lines below the configured level are dropped. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Structured logger. `child` returns a logger whose lines all carry `fields` (e.g. a trace id). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Options of {@link createLogger}. `sink` receives each finished line (default: console.log). */
export interface LoggerOptions {
  level?: LogLevel;
  service?: string;
  sink?: (line: string) => void;
}

/** A sink that buffers lines and writes them with one `write` per turn of the event loop, plus `flush()`. */
export interface BatchedSink {
  (line: string): void;
  /** Writes what is buffered now (call before the process exits). */
  flush(): void;
}

/**
 * Batches log lines to `out` (default stdout): under load the access log writes one line per request, and one
 * synchronous write per line stalls the event loop whenever the log pipe is slow. Error lines flush at once, so
 * a crash right after one does not lose it.
 */
export function batchedSink(out: { writeSync(p: Uint8Array): number } = Deno.stdout): BatchedSink {
  const encoder = new TextEncoder();
  let lines: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (lines.length === 0) return;
    const bytes = encoder.encode(lines.join("\n") + "\n");
    lines = [];
    for (let at = 0; at < bytes.length;) at += out.writeSync(bytes.subarray(at));
  };
  const sink = (line: string) => {
    lines.push(line);
    if (line.includes('"level":"error"')) return flush();
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 0);
    }
  };
  return Object.assign(sink, { flush });
}

function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return { name: value.name, message: value.message, stack: value.stack, cause: serializeError(value.cause) };
}

/** Creates a logger writing one JSON object per line. Error values in fields are serialized with their stack. */
export function createLogger(options: LoggerOptions = {}, bound: Record<string, unknown> = {}): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const sink = options.sink ?? ((line: string) => console.log(line));
  const service = options.service ?? "web";
  const write = (level: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    const extra = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, serializeError(v)]));
    sink(JSON.stringify({ ts: new Date().toISOString(), level, msg, service, ...bound, ...extra }));
  };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

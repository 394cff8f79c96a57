/**
 * JSON-lines logger (docs/CONTRACTS.md "Logs and metrics"): one object per line on stdout with `ts`, `level`, `msg`,
 * `service: "inference"` and whatever fields the logger was bound to (`traceId`, `jobId`, ...).
 */
import type { StageLogger } from "./pipeline/types.ts";
import type { LogLevel } from "./env.ts";

const RANK: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
};

/** A structured logger; `child` binds fields (e.g. `{ traceId, jobId }`) to every line it writes. */
export interface Logger extends StageLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Lines below this level are dropped. Default "info". */
  level?: LogLevel;
  /** Fields on every line. */
  fields?: Record<string, unknown>;
  /** Where a finished line goes (without the newline). Default: stdout. */
  write?: (line: string) => void;
}

/** Errors do not serialise with JSON.stringify; keep what a reader needs. */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return value;
}

/** Creates a JSON-lines logger for the inference service. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = RANK[options.level ?? "info"];
  const bound = { service: "inference", ...options.fields };
  const write = options.write ??
    ((line: string) => process.stdout.write(line + "\n"));
  const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < min) return;
    const line: Record<string, unknown> = {
      ts: new Date().toISOString(),
      level,
      msg,
      ...bound,
    };
    for (const [k, v] of Object.entries(fields ?? {})) line[k] = plain(v);
    write(JSON.stringify(line));
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => createLogger({ ...options, fields: { ...options.fields, ...fields } }),
  };
}

/**
 * Launches the whole app as separate processes: the stand-ins (only for what env does not configure), migrations,
 * the island bundle, the web server (Deno) and the inference server (Node). Used by the start command and by the
 * end-to-end tests and the spine benchmark, so all three run the same thing.
 */
import { startDevstack } from "../devstack/mod.ts";
import { createSql } from "../web/db/client.ts";
import { migrateUp } from "../web/db/migrate.ts";

/** Default ports of the start command (docs/CONTRACTS.md). */
export const DEFAULT_WEB_PORT = 8000;
export const DEFAULT_INFERENCE_PORT = 8787;

export interface StackOptions {
  /** Where stand-ins keep their data (S3 objects, PGlite) [directory]. */
  dataDir: string;
  /** Environment to start from; whatever it configures is used instead of a stand-in. */
  env: Record<string, string | undefined>;
  /** 0 picks a free port. */
  webPort?: number;
  inferencePort?: number;
  /** Restart the inference process when it dies (the start command does; tests that kill it on purpose don't). */
  restartInference?: boolean;
  /** Where child processes write their logs; "inherit" prints them with a prefix. */
  logs?: "inherit" | { dir: string };
  /** Ports of the stand-ins (0 = free ports; default: the documented dev ports). */
  standInPorts?: "free" | "default";
}

export interface Stack {
  webUrl: string;
  inferenceUrl: string;
  /** The full environment both services run with. */
  env: Record<string, string>;
  /** Sends `signal` to the inference process and waits for it to exit. */
  killInference(signal?: Deno.Signal): Promise<void>;
  /** Starts the inference process again (after `killInference`) and waits until it is healthy. */
  startInference(): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = new URL("..", import.meta.url).pathname;

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function randomSecret(bytes = 24): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes)))).replace(/[+/=]/g, "x");
}

/** Polls `url` until it answers 200 or `timeoutMs` passes. */
export async function waitForHealthy(url: string, timeoutMs = 60_000, isAlive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (isAlive && !isAlive()) throw new Error(`${url}: the process exited before it became healthy`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs} ms (${lastError})`);
}

class ManagedProcess {
  #child: Deno.ChildProcess | null = null;
  #exited: Promise<Deno.CommandStatus> | null = null;
  #stopping = false;

  constructor(
    readonly name: string,
    readonly command: string,
    readonly args: string[],
    readonly cwd: string,
    readonly env: Record<string, string>,
    readonly logs: StackOptions["logs"],
    readonly restart: boolean,
  ) {}

  get alive(): boolean {
    return this.#child !== null;
  }

  async start(): Promise<void> {
    this.#stopping = false;
    const toFile = this.logs && this.logs !== "inherit";
    const child = new Deno.Command(this.command, {
      args: this.args,
      cwd: this.cwd,
      env: this.env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const sink = toFile
      ? await Deno.open(`${(this.logs as { dir: string }).dir}/${this.name}.log`, {
        create: true,
        append: true,
      })
      : null;
    const pump = async (stream: ReadableStream<Uint8Array>, out: typeof Deno.stdout) => {
      const prefix = new TextEncoder().encode(`[${this.name}] `);
      for await (const chunk of stream) {
        if (sink) await sink.write(chunk);
        else if (this.logs === "inherit") {
          await out.write(prefix);
          await out.write(chunk);
        }
      }
    };
    const pumps = Promise.all([pump(child.stdout, Deno.stdout), pump(child.stderr, Deno.stderr)]);
    this.#exited = child.status.then(async (status) => {
      await pumps.catch(() => {});
      sink?.close();
      this.#child = null;
      if (!this.#stopping && this.restart) {
        console.error(`[stack] ${this.name} exited (code ${status.code}); restarting`);
        setTimeout(() => this.start(), 500);
      }
      return status;
    });
  }

  async stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (!child) return;
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** Starts stand-ins, migrates, starts web and inference, and waits until both are healthy. */
export async function launchStack(options: StackOptions): Promise<Stack> {
  await Deno.mkdir(options.dataDir, { recursive: true });
  if (options.logs && options.logs !== "inherit") await Deno.mkdir(options.logs.dir, { recursive: true });
  const webPort = options.webPort === 0 ? freePort() : options.webPort ?? DEFAULT_WEB_PORT;
  const inferencePort = options.inferencePort === 0 ? freePort() : options.inferencePort ?? DEFAULT_INFERENCE_PORT;

  const devstack = await startDevstack({
    dataDir: options.dataDir,
    env: options.env,
    ports: options.standInPorts === "free"
      ? { redisBridge: 0, qstash: 0, s3: 0, postgres: 0, clamd: 0, smtp: 0, mailInbox: 0, oidc: 0 }
      : undefined,
  });
  const webUrl = `http://127.0.0.1:${webPort}`;
  const inferenceUrl = `http://127.0.0.1:${inferencePort}`;
  const env: Record<string, string> = {
    CALLBACK_SIGNING_KEYS: `dev1:${randomSecret()}`,
    SESSION_SECRET: randomSecret(32),
    ...devstack.env,
    ...Object.fromEntries(Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined)),
    PORT: String(webPort),
    INFERENCE_PORT: String(inferencePort),
    PUBLIC_URL: options.env.PUBLIC_URL ?? webUrl,
    INFERENCE_URL: options.env.INFERENCE_URL ?? inferenceUrl,
    INFERENCE_PUBLIC_URL: options.env.INFERENCE_PUBLIC_URL ?? options.env.INFERENCE_URL ?? inferenceUrl,
  };

  const sql = createSql(env.DATABASE_URL, { max: 1 });
  try {
    await migrateUp(sql);
  } finally {
    await sql.end();
  }

  const deno = Deno.execPath();
  const web = new ManagedProcess("web", deno, ["run", "-A", "web/main.ts"], ROOT, env, options.logs, false);
  const inference = new ManagedProcess(
    "inference",
    "node",
    ["--import", "tsx", "src/main.ts"],
    `${ROOT}inference`,
    env,
    options.logs,
    options.restartInference ?? false,
  );
  const stopAll = async () => {
    await Promise.all([web.stop(), inference.stop()]);
    await devstack.stop();
  };
  try {
    await Promise.all([web.start(), inference.start()]);
    await Promise.all([
      waitForHealthy(`${webUrl}/healthz`, 90_000, () => web.alive),
      waitForHealthy(`${inferenceUrl}/healthz`, 90_000, () => inference.alive),
    ]);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    webUrl,
    inferenceUrl,
    env,
    killInference: (signal = "SIGKILL") => inference.stop(signal),
    startInference: async () => {
      await inference.start();
      await waitForHealthy(`${inferenceUrl}/healthz`, 60_000, () => inference.alive);
    },
    stop: stopAll,
  };
}

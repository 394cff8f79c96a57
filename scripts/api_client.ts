/**
 * A small client of BeatSight's /api/v1, used by the demo seeder, the end-to-end tests and the spine benchmark.
 * It goes through the same steps a browser does: guest session, presigned upload, song registration, jobs.
 */

/** An API call that did not answer 2xx; carries the JSON error the API sent. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(readonly status: number, readonly body: unknown, what: string) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  }
}

export interface ApiClient {
  baseUrl: string;
  token: string;
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

/** Starts a guest session and returns a client that sends its bearer token. */
export async function guestClient(baseUrl: string): Promise<ApiClient> {
  const res = await fetch(`${baseUrl}/api/v1/sessions/guest`, { method: "POST" });
  const body = await res.json();
  if (!res.ok) throw new ApiError(res.status, body, "POST /api/v1/sessions/guest");
  return clientFor(baseUrl, body.token);
}

/** A client for an existing session token. */
export function clientFor(baseUrl: string, token: string): ApiClient {
  return {
    baseUrl,
    token,
    async call(method, path, body) {
      const res = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : null;
      if (!res.ok) throw new ApiError(res.status, parsed, `${method} /api/v1${path}`);
      return parsed;
    },
  };
}

export interface UploadedSong {
  songId: string;
  fingerprintJobId: string;
}

/** Presigned upload + registration: returns the new song and its fingerprint job. */
export async function uploadSong(
  api: ApiClient,
  bytes: Uint8Array,
  meta: { filename: string; contentType: string; title?: string; artist?: string },
): Promise<UploadedSong> {
  const upload = await api.call<{ uploadId: string; url: string; method: string; headers: Record<string, string> }>(
    "POST",
    "/uploads",
    { filename: meta.filename, contentType: meta.contentType, sizeBytes: bytes.byteLength },
  );
  const put = await fetch(upload.url, {
    method: upload.method,
    headers: upload.headers,
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  await put.body?.cancel();
  if (!put.ok) throw new ApiError(put.status, null, "PUT presigned upload");
  const registered = await api.call<{ song: { id: string }; job: { id: string } }>("POST", "/songs", {
    uploadId: upload.uploadId,
    title: meta.title,
    artist: meta.artist,
  });
  return { songId: registered.song.id, fingerprintJobId: registered.job.id };
}

export interface JobView {
  id: string;
  status: string;
  stage: string | null;
  error: string | null;
  [key: string]: unknown;
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

/** Polls a job every `pollMs` until it is terminal [timeoutMs]. */
export async function waitForJob(api: ApiClient, jobId: string, timeoutMs = 120_000, pollMs = 100): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const { job } = await api.call<{ job: JobView }>("GET", `/jobs/${jobId}`);
    if (TERMINAL.has(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} (${job.stage}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** One server-sent event. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Reads a job's SSE stream until it closes (the server ends it after a terminal event) [timeoutMs]. */
export async function readJobEvents(api: ApiClient, jobId: string, timeoutMs = 120_000): Promise<SseEvent[]> {
  const res = await fetch(`${api.baseUrl}/api/v1/jobs/${jobId}/events`, {
    headers: { authorization: `Bearer ${api.token}`, accept: "text/event-stream" },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok || !res.body) throw new ApiError(res.status, await res.text(), "GET events");
  const events: SseEvent[] = [];
  let buffer = "";
  for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: SseEvent = { event: "message", data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const [field, ...rest] = line.split(":");
        const value = rest.join(":").replace(/^ /, "");
        if (field === "event") event.event = value;
        else if (field === "data") event.data += (event.data ? "\n" : "") + value;
        else if (field === "id") event.id = value;
      }
      if (block.trim() && !block.startsWith(":")) events.push(event);
    }
  }
  return events;
}

/**
 * A local SMTP sink (smtp-server): accepts every message on `smtpPort`, keeps it in memory parsed (postal-mime),
 * and shows it over HTTP: `GET /messages` (JSON, newest last, for tests) and `GET /` (a dev inbox page). Stands in
 * for a real mail provider in dev (`npm start`) and tests; nothing is delivered anywhere.
 */
import PostalMime from "postal-mime";
// @ts-types="npm:@types/smtp-server@3.5.13"
import { SMTPServer } from "smtp-server";

/** A received message. */
export interface SinkMessage {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  receivedAt: string;
}

/** Options of {@link startSmtpSink}; 0 (default) picks free ports. */
export interface SmtpSinkOptions {
  smtpPort?: number;
  httpPort?: number;
  /** Messages kept before the oldest are dropped (default 500). */
  maxMessages?: number;
}

/** A running sink. */
export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  smtpUrl: string;
  /** `http://127.0.0.1:<port>`: the inbox page and `/messages`. */
  httpUrl: string;
  messages(): SinkMessage[];
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

function inboxPage(messages: SinkMessage[]): string {
  const rows = messages.slice().reverse().map((m) =>
    `<article><h2>${escapeHtml(m.subject)}</h2><p>To ${escapeHtml(m.to.join(", "))} · ${m.receivedAt}</p>` +
    `<pre>${escapeHtml(m.text)}</pre></article>`
  ).join("");
  return `<!DOCTYPE html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>Dev inbox</title><body style="font-family:sans-serif;max-width:48rem;margin:auto;padding:1rem">` +
    `<h1>Dev inbox (${messages.length})</h1>${rows || "<p>No mail yet.</p>"}</body></html>`;
}

/** Starts the sink on 127.0.0.1. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const stored: SinkMessage[] = [];
  const max = options.maxMessages ?? 500;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      stream.on("end", async () => {
        try {
          const email = await PostalMime.parse(new Blob(chunks as BlobPart[]));
          stored.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: email.from?.address ?? String(session.envelope.mailFrom && session.envelope.mailFrom.address),
            subject: email.subject ?? "",
            text: email.text ?? "",
            html: email.html ?? "",
            receivedAt: new Date().toISOString(),
          });
          if (stored.length > max) stored.splice(0, stored.length - max);
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.smtpPort ?? 0, "127.0.0.1", () => resolve());
  });
  const smtpPort = (server.server.address() as { port: number }).port;
  const http = Deno.serve({ hostname: "127.0.0.1", port: options.httpPort ?? 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/messages") return Response.json(stored);
    if (path === "/") return new Response(inboxPage(stored), { headers: { "content-type": "text/html" } });
    return new Response("Not found", { status: 404 });
  });
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    httpUrl: `http://127.0.0.1:${http.addr.port}`,
    messages: () => stored.slice(),
    async close() {
      await http.shutdown();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

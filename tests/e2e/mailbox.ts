/**
 * Reads the local SMTP sink's mailbox (devstack/smtp_sink.ts, `GET /messages`) the way a person reads theirs:
 * waits for the message to an address that matches what they expect.
 */
import { z } from "zod";

/** One caught message, as the sink's `GET /messages` lists it. */
export const sinkMessageSchema = z.object({
  to: z.union([z.string(), z.array(z.string())]),
  subject: z.string(),
  text: z.string(),
  html: z.string().nullish(),
});
export type SinkMessage = z.infer<typeof sinkMessageSchema>;

const recipients = (m: SinkMessage) => (Array.isArray(m.to) ? m.to : [m.to]).map((t) => t.toLowerCase());

/**
 * Polls `sinkUrl/messages` until a message to `to` whose text matches `pattern` arrives [timeoutMs].
 * @throws with the subjects that did arrive, when none matches in time.
 */
export async function readMailbox(sinkUrl: string, to: string, pattern: RegExp, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let seen: SinkMessage[] = [];
  while (Date.now() < deadline) {
    const res = await fetch(`${sinkUrl.replace(/\/$/, "")}/messages`);
    if (!res.ok) throw new Error(`GET ${sinkUrl}/messages: HTTP ${res.status} ${await res.text()}`);
    seen = z.array(sinkMessageSchema).parse(await res.json());
    const found = seen.find((m) => recipients(m).some((r) => r.includes(to.toLowerCase())) && pattern.test(m.text));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  const subjects = seen.map((m) => `${recipients(m).join(",")}: ${m.subject}`).join("\n") || "(none)";
  throw new Error(`no email to ${to} matching ${pattern} within ${timeoutMs} ms; the sink holds:\n${subjects}`);
}

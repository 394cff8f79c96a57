/**
 * Opaque keyset cursors: base64url of `{ id }` of the last row of a page. The query compares against that row's own
 * (created_at, id), so microsecond timestamps survive (a JS Date would round them to milliseconds).
 */
import { Buffer } from "node:buffer";
import { z } from "zod";
import { HttpError } from "./errors.ts";

const cursorSchema = z.object({ id: z.string().uuid() });

/** Encodes the position after row `id`. */
export function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ id })).toString("base64url");
}

/** Decodes a cursor from {@link encodeCursor}; a tampered or foreign one is a 400. */
export function decodeCursor(cursor: string): string {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))).id;
  } catch (error) {
    throw new HttpError(400, "The cursor is not valid.", {
      cause: error,
      hint: "Pass nextCursor from a previous page.",
    });
  }
}

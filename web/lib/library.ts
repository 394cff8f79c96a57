/**
 * A user's library: saved maps and notifications. `notifyJobTerminal` is called where a job reaches its terminal
 * status (job_callbacks.ts `complete`, jobs.ts `failLockedJob`), in the same transaction, so a notification exists
 * exactly when the job finished.
 */
import type { Db } from "../db/db_types.ts";
import type { Job } from "../db/jobs.ts";
import { findMap } from "../db/maps.ts";
import { insertNotification } from "../db/notifications.ts";
import { saveMap } from "../db/saved_maps.ts";
import { findReadableSong } from "../db/songs.ts";
import { NotFoundError } from "./errors.ts";

/** Records a notification for the job's owner: its map is ready, or it failed (with the reason). */
export async function notifyJobTerminal(tx: Db, job: Job, outcome: "succeeded" | "failed"): Promise<void> {
  const what = job.type === "generate_map" ? "drum map" : "song check";
  if (outcome === "succeeded") {
    // A finished fingerprint is only a step towards a map; only the map deserves a notification.
    if (job.type !== "generate_map") return;
    await insertNotification(tx, {
      userId: job.userId,
      kind: "job_succeeded",
      jobId: job.id,
      message: "Your drum map is ready.",
      url: `/songs/${job.songId}/map`,
    });
    return;
  }
  await insertNotification(tx, {
    userId: job.userId,
    kind: "job_failed",
    jobId: job.id,
    message: `The ${what} failed: ${job.error ?? "no reason given"}`,
    url: `/jobs/${job.id}`,
  });
}

/**
 * Saves `mapId` to the user's library when the user may read its song (their own, or in the catalogue).
 * @throws NotFoundError when the map does not exist or is not readable by the user.
 */
export async function saveReadableMap(db: Db, userId: string, mapId: string): Promise<void> {
  const map = await findMap(db, mapId);
  if (!map || map.status === "archived" || !(await findReadableSong(db, userId, map.songId))) {
    throw new NotFoundError("map");
  }
  await saveMap(db, userId, mapId);
}

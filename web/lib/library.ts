/**
 * A user's library: saved maps and notifications. `notifyJobTerminal` is called where a job reaches its terminal
 * status (job_callbacks.ts `complete`, jobs.ts `failLockedJob`), in the same transaction, so a notification exists
 * exactly when the job finished.
 */
import type { Db } from "../db/db_types.ts";
import { type Job, listUserJobs } from "../db/jobs.ts";
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

/** A job with the display title of its song, for the library's "recent jobs". */
export type JobWithTitle = Job & { songTitle: string };

/** The user's newest jobs with their songs' titles ("Title — Artist"), at most `limit`. */
export async function recentJobs(db: Db, userId: string, limit: number): Promise<JobWithTitle[]> {
  const jobs = (await listUserJobs(db, userId, { limit })).slice(0, limit);
  if (jobs.length === 0) return [];
  const songs = await db`select id, title, artist from songs where id = any(${jobs.map((j) => j.songId)}::uuid[])`;
  const titles = new Map(songs.map((s) => [s.id as string, displayTitle(s.title, s.artist)]));
  return jobs.map((j) => ({ ...j, songTitle: titles.get(j.songId) ?? "Untitled song" }));
}

function displayTitle(title: string | null, artist: string | null): string {
  const t = title?.trim() || "Untitled song";
  return artist?.trim() ? `${t} — ${artist.trim()}` : t;
}

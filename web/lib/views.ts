/** The JSON shapes the API returns; internal bookkeeping (seq numbers, timings) stays out of them. */
import type { Job } from "../db/jobs.ts";
import type { DrumMap, MapVersion } from "../db/maps.ts";
import type { Song } from "../db/songs.ts";

/** A job as the API shows it. */
export function jobView(job: Job) {
  return {
    id: job.id,
    songId: job.songId,
    type: job.type,
    status: job.status,
    stage: job.stage,
    progress: job.progress,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    resumeFrom: job.resumeFrom,
    error: job.error,
    result: job.result,
    traceId: job.traceId,
    heartbeatAt: job.heartbeatAt,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

/** A song as the API shows it. */
export function songView(song: Song) {
  return {
    id: song.id,
    title: song.title,
    artist: song.artist,
    status: song.status,
    bpm: song.bpm,
    durationSec: song.durationSec,
    fingerprintHash: song.fingerprintHash,
    canonicalMapId: song.canonicalMapId,
    createdAt: song.createdAt,
    updatedAt: song.updatedAt,
  };
}

/** A map version summary (no S3 key: the map JSON is served by the API). */
export function versionView(v: MapVersion) {
  return {
    id: v.id,
    version: v.version,
    jobId: v.jobId,
    noteCount: v.noteCount,
    bpm: v.bpm,
    durationSec: v.durationSec,
    modelVersion: v.modelVersion,
    createdAt: v.createdAt,
    archivedAt: v.archivedAt,
  };
}

/** A map as the API shows it. */
export function mapView(map: DrumMap) {
  return {
    id: map.id,
    songId: map.songId,
    status: map.status,
    currentVersionId: map.currentVersionId,
    createdAt: map.createdAt,
  };
}

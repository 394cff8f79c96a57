/**
 * Song intake (ARCHITECTURE.md flow 1): hand out a presigned PUT, then check what actually arrived on S3 (size,
 * magic bytes, virus scan) before a song and its fingerprint job are created. The browser's claims are re-checked
 * against the stored object because they are only claims.
 */
import { randomUUID } from "node:crypto";
import { findSongByUpload, insertSong, type Song } from "../db/songs.ts";
import { findUserUpload, insertUpload, markRejected, markUploaded, type Upload } from "../db/uploads.ts";
import type { Job } from "../db/jobs.ts";
import type { AppDeps } from "./app_env.ts";
import { ConflictError, HttpError, NotFoundError } from "./errors.ts";
import { createJob } from "./jobs.ts";
import { SNIFF_BYTES, sniffAudio } from "./audio_sniff.ts";
import { deleteObject, headObject, presignPut, readObject } from "./storage.ts";
import { scanBytes } from "./virus_scan.ts";

/** Content types a browser may declare for an upload. */
export const ALLOWED_CONTENT_TYPES = [
  "audio/mpeg",
  "audio/mp3",
  "audio/wav",
  "audio/x-wav",
  "audio/wave",
  "audio/flac",
  "audio/x-flac",
  "audio/ogg",
  "audio/mp4",
  "audio/x-m4a",
  "audio/aac",
] as const;

/** What intake needs from the app's dependencies. */
export type IntakeDeps = Pick<AppDeps, "sql" | "s3" | "config" | "log" | "qstash" | "metrics">;

/** A filename safe for an S3 key: no path, only [A-Za-z0-9._-], at most 100 characters. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base.normalize("NFKD").replace(/\p{M}+/gu, "").replace(/[^A-Za-z0-9._-]+/g, "-").replace(
    /^[-.]+|-+$/g,
    "",
  );
  return cleaned.slice(-100) || "audio";
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1_048_576) * 10) / 10} MB`;
}

function tooLarge(size: number, limit: number): HttpError {
  return new HttpError(413, `The file is ${megabytes(size)}; the limit is ${megabytes(limit)}.`, {
    hint: "Upload a shorter or more compressed file (e.g. MP3).",
  });
}

/** Input of {@link createUpload}: what the browser says about the file. */
export interface UploadRequest {
  filename: string;
  contentType: string;
  /** [bytes] */
  sizeBytes: number;
}

/** The presigned upload the browser performs: `method` to `url` with `headers`. */
export interface UploadTicket {
  uploadId: string;
  key: string;
  url: string;
  method: "PUT";
  headers: { "content-type": string };
}

/** Validates the declared file and returns a presigned PUT for `uploads/{userId}/{uploadId}/{safe-filename}`. */
export async function createUpload(deps: IntakeDeps, userId: string, req: UploadRequest): Promise<UploadTicket> {
  const contentType = req.contentType.split(";")[0].trim().toLowerCase();
  if (!(ALLOWED_CONTENT_TYPES as readonly string[]).includes(contentType)) {
    throw new HttpError(
      415,
      `"${req.contentType}" is not a supported audio type. Supported: ${ALLOWED_CONTENT_TYPES.join(", ")}.`,
    );
  }
  if (req.sizeBytes === 0) throw new HttpError(400, "The file is empty.");
  if (req.sizeBytes > deps.config.maxUploadBytes) throw tooLarge(req.sizeBytes, deps.config.maxUploadBytes);
  const uploadId = randomUUID();
  const key = `uploads/${userId}/${uploadId}/${safeFilename(req.filename)}`;
  await insertUpload(deps.sql, {
    id: uploadId,
    userId,
    s3Key: key,
    filename: req.filename,
    contentType,
    sizeBytes: req.sizeBytes,
  });
  const url = await presignPut(deps.s3, deps.config.s3Bucket, key, contentType);
  return { uploadId, key, url, method: "PUT", headers: { "content-type": contentType } };
}

/** Input of {@link registerSong}. */
export interface RegisterSongRequest {
  uploadId: string;
  title?: string;
  artist?: string;
}

async function reject(deps: IntakeDeps, upload: Upload, error: HttpError, deleteIt: boolean): Promise<never> {
  await markRejected(deps.sql, upload.id, error.message);
  if (deleteIt) await deleteObject(deps.s3, deps.config.s3Bucket, upload.s3Key);
  throw error;
}

/** Checks the stored object: exists, not empty, within the limit, audio by its magic bytes, and clean. */
async function checkObject(deps: IntakeDeps, upload: Upload): Promise<number> {
  const { config } = deps;
  const head = await headObject(deps.s3, config.s3Bucket, upload.s3Key);
  if (!head) {
    throw new ConflictError("The upload is not finished: no file has arrived yet.", {
      hint: "PUT the file to the presigned URL first, then register the song.",
    });
  }
  if (head.size === 0) await reject(deps, upload, new HttpError(400, "The file is empty."), true);
  if (head.size > config.maxUploadBytes) await reject(deps, upload, tooLarge(head.size, config.maxUploadBytes), true);
  const first = await readObject(deps.s3, config.s3Bucket, upload.s3Key, 0, Math.min(SNIFF_BYTES, head.size) - 1);
  if (!sniffAudio(first)) {
    const error = new HttpError(415, "The file is not an audio file.", {
      hint: "Upload WAV, MP3, FLAC, OGG or MP4/M4A audio.",
    });
    await reject(deps, upload, error, false);
  }
  if (config.clamdHost) {
    const bytes = await readObject(deps.s3, config.s3Bucket, upload.s3Key);
    // A scanner outage keeps the upload (pending) and asks the client to retry: nothing is lost.
    const scan = await scanBytes(config.clamdHost, config.clamdPort, bytes).catch((cause) => {
      deps.log.error("virus scanner unavailable", { uploadId: upload.id, error: cause });
      throw new HttpError(503, "The virus scanner is unavailable right now, so the file was not accepted yet.", {
        cause,
        expose: true,
        hint: "Your upload is kept; register it again in a minute.",
        headers: { "retry-after": "30" },
      });
    });
    if (!scan.clean) {
      deps.log.warn("upload infected", { uploadId: upload.id, signature: scan.signature });
      const error = new HttpError(422, `The file was rejected by the virus scanner (${scan.signature ?? "malware"}).`);
      await reject(deps, upload, error, true);
    }
  }
  return head.size;
}

/** Registers an uploaded file as a song and starts its fingerprint job. */
export async function registerSong(
  deps: IntakeDeps,
  userId: string,
  req: RegisterSongRequest,
  traceId: string,
): Promise<{ song: Song; job: Job }> {
  const upload = await findUserUpload(deps.sql, userId, req.uploadId);
  if (!upload) throw new NotFoundError("upload");
  if (upload.status === "rejected") throw new ConflictError(`This upload was rejected: ${upload.rejectReason}`);
  const existing = await findSongByUpload(deps.sql, upload.id);
  if (existing) throw new ConflictError(`This upload is already registered as song ${existing.id}.`);
  const size = await checkObject(deps, upload);
  await markUploaded(deps.sql, upload.id, size);
  const title = req.title?.trim() || (upload.filename ?? "Untitled").replace(/\.[^.]+$/, "");
  const song = await insertSong(deps.sql, {
    ownerId: userId,
    uploadId: upload.id,
    title,
    artist: req.artist?.trim() || null,
    status: "pending",
  });
  const { job } = await createJob(deps, userId, { type: "fingerprint", songId: song.id }, traceId);
  return { song: { ...song, status: job.status === "failed" ? "failed" : "fingerprinting" }, job };
}

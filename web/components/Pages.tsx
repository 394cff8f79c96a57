/**
 * The page bodies (server-only): each takes plain data and returns a full document via Layout. Routes
 * (web/routes/pages.tsx) load the data and call these; islands are used only where the page must react.
 */
import type { Job } from "../db/jobs.ts";
import type { MapVersion } from "../db/maps.ts";
import type { Song } from "../db/songs.ts";
import type { JobView } from "../islands/job_view.ts";
import { Island } from "../lib/islands.ts";
import { ErrorBox } from "./ErrorBox.tsx";
import { Layout } from "./Layout.tsx";
import { formatDuration } from "./MapSummary.tsx";

const songUrl = (id: string) => `/songs/${encodeURIComponent(id)}`;
const jobUrl = (id: string) => `/jobs/${encodeURIComponent(id)}`;

/** A song's display title. */
export function songTitle(song: Pick<Song, "title" | "artist">): string {
  const title = song.title?.trim() || "Untitled song";
  return song.artist?.trim() ? `${title} — ${song.artist.trim()}` : title;
}

/** `/`: the upload form. */
export function HomePage({ maxBytes }: { maxBytes: number }) {
  return (
    <Layout title="Upload a song">
      <h1>Turn a song into a drum chart</h1>
      <p class="lead">Upload a song. BeatSight finds its drums and drafts a chart you can play along to and fix.</p>
      <Island name="Uploader" props={{ maxBytes }} />
    </Layout>
  );
}

/** Data of {@link SongPage}. */
export interface SongPageProps {
  song: Song;
  fingerprintJob: Job | null;
  mapJob: Job | null;
  map: MapVersion | null;
}

const SONG_STATUS_TEXT: Record<Song["status"], string> = {
  pending: "Waiting to be checked…",
  fingerprinting: "Listening to the song (fingerprinting)…",
  ready: "Ready.",
  failed: "We could not read this file.",
};

/** `/songs/:id`: the song, its fingerprint job, and the way to its map. */
export function SongPage({ song, fingerprintJob, mapJob, map }: SongPageProps) {
  const waiting = song.status === "pending" || song.status === "fingerprinting";
  const mapRunning = mapJob && (mapJob.status === "queued" || mapJob.status === "running");
  return (
    <Layout title={songTitle(song)} refreshSec={waiting ? 3 : undefined}>
      <h1>{songTitle(song)}</h1>
      <section class="card stack">
        <p data-testid="song-status" data-status={song.status}>{SONG_STATUS_TEXT[song.status]}</p>
        {song.durationSec ? <p class="muted">Length {formatDuration(song.durationSec)}</p> : null}
        {fingerprintJob && (
          <p class="muted">
            Fingerprint job:{" "}
            <span data-testid="fingerprint-status" data-status={fingerprintJob.status}>
              {fingerprintJob.status}
            </span>{" "}
            (<a href={jobUrl(fingerprintJob.id)}>details</a>)
          </p>
        )}
        {song.status === "failed" && <ErrorBox message={fingerprintJob?.error ?? "The song could not be processed."} />}
      </section>
      {map && (
        <p>
          <a class="button primary" data-testid="open-map" href={`${songUrl(song.id)}/map`}>Open the drum map</a>
        </p>
      )}
      {!map && mapRunning && (
        <p>
          <a class="button primary" href={jobUrl(mapJob.id)}>Follow the drum map job</a>
        </p>
      )}
      {!map && !mapRunning && song.status === "ready" && <Island name="GenerateButton" props={{ songId: song.id }} />}
    </Layout>
  );
}

/** `/jobs/:id`: live progress of one job. */
export function JobPage({ job, song }: { job: JobView; song: Song }) {
  const what = job.type === "generate_map" ? "Drafting the drum map" : "Checking the song";
  return (
    <Layout title={what}>
      <h1>{what}</h1>
      <p>
        For <a href={songUrl(song.id)}>{songTitle(song)}</a>
      </p>
      <Island name="JobProgress" props={{ initial: job }} />
    </Layout>
  );
}

/** Any error as a page: the message (4xx) or a generic sentence (5xx). */
export function ErrorPage({ status, message }: { status: number; message: string }) {
  return (
    <Layout title={status === 404 ? "Not found" : "Error"}>
      <h1>{status === 404 ? "Not found" : "Something went wrong"}</h1>
      <ErrorBox message={message} />
      <p>
        <a href="/">Back to the start</a>
      </p>
    </Layout>
  );
}

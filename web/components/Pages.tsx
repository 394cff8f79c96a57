/**
 * The page bodies (server-only): each takes plain data and returns a full document via Layout. Routes
 * (web/routes/pages/*.tsx) load the data and call these; islands are used only where the page must react.
 */
import type { Job } from "../db/jobs.ts";
import type { DrumMap, MapVersion } from "../db/maps.ts";
import type { Song } from "../db/songs.ts";
import type { JobView } from "../islands/job_view.ts";
import { Island } from "../lib/islands.ts";
import type { Quota } from "../lib/quota.ts";
import type { CatalogueItem } from "../routes/api/catalogue.ts";
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

/** The first page of a catalogue search, as the home route loads it. */
export interface HomeSearch {
  q: string;
  verified: boolean;
  items: CatalogueItem[];
  nextCursor: string | null;
}

/** `/`: catalogue search (when `search` is given) and the upload form. */
export function HomePage({ maxBytes, search }: { maxBytes: number; search?: HomeSearch }) {
  return (
    <Layout title="Drum charts for any song">
      <h1>Turn a song into a drum chart</h1>
      <p class="lead">Find a song that already has a chart, or upload one and BeatSight drafts it for you.</p>
      {search && (
        <section class="card" aria-labelledby="search-h">
          <h2 id="search-h" class="h2">Find a song</h2>
          <Island name="SearchBox" props={{ ...search }} />
        </section>
      )}
      <section aria-labelledby="upload-h">
        <h2 id="upload-h" class="h2">Upload a song</h2>
        <Island name="Uploader" props={{ maxBytes }} />
      </section>
    </Layout>
  );
}

/** Data of {@link SongPage}. */
export interface SongPageProps {
  song: Song;
  fingerprintJob: Job | null;
  mapJob: Job | null;
  /** The song's current map (its own or the canonical verified one), if any. */
  map: { id: string; status: DrumMap["status"]; version: MapVersion } | null;
  /** Whether the visitor saved `map`. */
  saved: boolean;
  /** The visitor's AI runs this month; null when they cannot start a job here (not their song). */
  quota: Quota | null;
}

const SONG_STATUS_TEXT: Record<Song["status"], string> = {
  pending: "Waiting to be checked…",
  fingerprinting: "Listening to the song (fingerprinting)…",
  ready: "Ready.",
  failed: "We could not read this file.",
};

/** `/songs/:id`: the song, its fingerprint job, and then either its (verified) map or "Generate with AI". */
export function SongPage({ song, fingerprintJob, mapJob, map, saved, quota }: SongPageProps) {
  const waiting = song.status === "pending" || song.status === "fingerprinting";
  const mapRunning = mapJob && (mapJob.status === "queued" || mapJob.status === "running");
  const mapUrl = `${songUrl(song.id)}/map`;
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
      {map?.status === "verified" && (
        <section class="card stack" data-testid="verified-map-exists">
          <p>
            <span class="badge badge-verified">Verified</span>{" "}
            A verified drum map exists for this song: no AI run needed.
          </p>
          <a class="button primary" data-testid="open-map" href={mapUrl}>Open the verified map</a>
        </section>
      )}
      {map && map.status !== "verified" && (
        <p>
          <a class="button primary" data-testid="open-map" href={mapUrl}>Open the drum map</a>
        </p>
      )}
      {map && <Island name="SaveMapButton" props={{ mapId: map.id, songId: song.id, saved }} />}
      {!map && mapRunning && (
        <p>
          <a class="button primary" href={jobUrl(mapJob.id)}>Follow the drum map job</a>
        </p>
      )}
      {!map && !mapRunning && song.status === "ready" && quota && (
        <Island name="GenerateButton" props={{ songId: song.id, quota }} />
      )}
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

/**
 * `/songs/:id/map`: the map page body (server-only). The Player island plays the map against the song's audio;
 * the summary and the download links are the static part every visitor gets, with or without JavaScript.
 */
import type { BsmMap } from "../../inference/src/contracts/bsm.ts";
import type { MapVersion } from "../db/maps.ts";
import type { Song } from "../db/songs.ts";
import { Island } from "../lib/islands.ts";
import { ErrorBox } from "./ErrorBox.tsx";
import { Layout } from "./Layout.tsx";
import { MapSummary } from "./MapSummary.tsx";
import { songTitle } from "./Pages.tsx";

/** The player's stylesheet; only the map page needs it, so other pages do not download it. */
export const PLAYER_STYLESHEET_URL = "/static/player.css";

/** Data of {@link MapPage}; `map` is null when the stored document is missing or invalid (`problem` says why). */
export interface MapPageProps {
  song: Song;
  version: MapVersion;
  map: BsmMap | null;
  problem?: string;
  /** The map's review status, shown as a badge (default "unverified"). */
  status?: "verified" | "unverified";
  /** Props of the SaveMapButton island (save to library + offline); absent for visitors without a session. */
  save?: { mapId: string; songId: string; saved: boolean };
}

/** The map page: title, badge, player, summary and JSON. */
export function MapPage({ song, version, map, problem, status = "unverified", save }: MapPageProps) {
  const songUrl = `/songs/${encodeURIComponent(song.id)}`;
  return (
    <Layout title={`Drum map: ${songTitle(song)}`}>
      <link rel="stylesheet" href={PLAYER_STYLESHEET_URL} />
      <h1>Drum map</h1>
      <p>
        <a href={songUrl}>{songTitle(song)}</a> · version {version.version}
        {version.modelVersion ? ` · model ${version.modelVersion}` : ""}{" "}
        <span class={`badge badge-${status}`} data-testid="map-status" data-status={status}>
          {status === "verified" ? "Verified" : "Unverified (AI draft)"}
        </span>
      </p>
      <ErrorBox message={problem} />
      {save && <Island name="SaveMapButton" props={save} />}
      {map && <Island name="Player" props={{ songId: song.id, map }} />}
      {map && <MapSummary map={map} />}
    </Layout>
  );
}

/**
 * Seeds the demo: a generated drum groove uploaded through the real API, fingerprinted and transcribed by the real
 * inference server. Remembers what it made in the data dir so a restart does not seed it twice.
 */
import { renderDrumPattern } from "../inference/src/testing/synth.ts";
import { type ApiClient, clientFor, guestClient, uploadSong, waitForJob } from "./api_client.ts";

export interface DemoSeed {
  songId: string;
  token: string;
}

async function existingDemo(baseUrl: string, stateFile: string): Promise<DemoSeed | null> {
  try {
    const saved = JSON.parse(await Deno.readTextFile(stateFile)) as DemoSeed;
    await clientFor(baseUrl, saved.token).call("GET", `/songs/${saved.songId}`);
    return saved;
  } catch {
    return null;
  }
}

/** Uploads the demo groove and generates its map, unless an earlier start already did. */
export async function seedDemo(baseUrl: string, dataDir: string): Promise<DemoSeed> {
  const stateFile = `${dataDir}/demo.json`;
  const saved = await existingDemo(baseUrl, stateFile);
  if (saved) return saved;
  const api: ApiClient = await guestClient(baseUrl);
  const { wav } = renderDrumPattern({ bpm: 112, bars: 16, seed: 7 });
  const { songId, fingerprintJobId } = await uploadSong(api, wav, {
    filename: "demo-groove.wav",
    contentType: "audio/wav",
    title: "Demo groove (112 bpm rock beat)",
    artist: "BeatSight",
  });
  const fingerprint = await waitForJob(api, fingerprintJobId);
  if (fingerprint.status !== "succeeded") {
    throw new Error(`fingerprint job ${fingerprint.status}: ${fingerprint.error}`);
  }
  const { job } = await api.call<{ job: { id: string } }>("POST", "/jobs", { type: "generate_map", songId });
  const mapJob = await waitForJob(api, job.id);
  if (mapJob.status !== "succeeded") throw new Error(`map job ${mapJob.status}: ${mapJob.error}`);
  const seed = { songId, token: api.token };
  await Deno.writeTextFile(stateFile, JSON.stringify(seed));
  return seed;
}

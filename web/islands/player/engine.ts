/**
 * The player's browser side: the HTMLAudioElement is the clock, a requestAnimationFrame loop reads it, enforces the
 * A-B loop, feeds the metronome and draws the highway; the actions the buttons and shortcuts call live here too.
 * Browser-only: call {@link startEngine} from an effect, never during a server render.
 */
import type { BsmMap } from "../../../inference/src/contracts/bsm.ts";
import { drawHighway, type HighwayData, timeAtY } from "./highway.ts";
import type { PlayerAction } from "./keys.ts";
import { Metronome } from "./metronome.ts";
import { MAX_SPEED, MIN_SPEED, type PlayerState, SPEED_STEP } from "./state.ts";
import { beatLengthAt, clamp } from "./timeline.ts";

/** True in a browser; false during the server render, where the island shows its static fallback. */
export const IS_BROWSER = typeof document !== "undefined";
/** Arrow-key seek step [seconds]. */
export const SEEK_STEP_SEC = 5;
/** Longest the clock extrapolates between two audio time updates [seconds]. */
const MAX_EXTRAPOLATION_SEC = 0.1;

/** What {@link startEngine} needs. */
export interface EngineOptions {
  audio: HTMLAudioElement;
  canvas: HTMLCanvasElement;
  map: Pick<BsmMap, "tempo" | "timeSignature">;
  highway: HighwayData;
  state: PlayerState;
}

/** The actions of the player. */
export interface PlayerEngine {
  toggle(): void;
  seek(t: number): void;
  /** Seek to the time shown at `y` [CSS px] on the highway. */
  seekAtY(y: number): void;
  setSpeed(percent: number): void;
  run(action: PlayerAction): void;
  stop(): void;
}

/** Starts the animation loop over `audio` and returns the actions; `stop()` ends the loop and frees audio. */
export function startEngine({ audio, canvas, map, highway, state }: EngineOptions): PlayerEngine {
  const metronome = new Metronome(map.tempo.beats, map.tempo.downbeats);
  const ctx = canvas.getContext("2d");
  const size = { width: 0, height: 0, dirty: true };
  let lastMedia = -1;
  let lastPerf = 0;
  let drawn = NaN;
  let frame = 0;
  let countInToken = 0;

  const resize = () => {
    const rect = canvas.getBoundingClientRect();
    const dpr = globalThis.devicePixelRatio || 1;
    size.width = rect.width;
    size.height = rect.height;
    canvas.width = Math.max(1, Math.round(rect.width * dpr));
    canvas.height = Math.max(1, Math.round(rect.height * dpr));
    ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
    size.dirty = true;
  };
  const observer = new ResizeObserver(resize);
  observer.observe(canvas);

  const loopJump = (media: number): number => {
    const a = state.loopA.value;
    const b = state.loopB.value;
    if (audio.paused || a === null || b === null || (media < b && media >= a - 0.15)) return media;
    audio.currentTime = a;
    metronome.reset(a);
    return a;
  };

  const tick = (now: number) => {
    const media = loopJump(audio.currentTime);
    if (media !== lastMedia) [lastMedia, lastPerf] = [media, now];
    // currentTime advances in steps coarser than a frame in some browsers; extrapolate between steps.
    let t = audio.paused
      ? media
      : media + Math.min(((now - lastPerf) / 1000) * audio.playbackRate, MAX_EXTRAPOLATION_SEC);
    const [a, b] = [state.loopA.value, state.loopB.value];
    if (a !== null && b !== null) t = clamp(t, a, b);
    state.time.value = t;
    if (!audio.paused && state.metronome.value) metronome.tick(t, audio.playbackRate);
    if (ctx && (t !== drawn || size.dirty)) {
      drawHighway(ctx, highway, { width: size.width, height: size.height, time: t });
      canvas.dataset.scroll = t.toFixed(3);
      drawn = t;
      size.dirty = false;
    }
    frame = requestAnimationFrame(tick);
  };
  frame = requestAnimationFrame(tick);

  const seek = (t: number) => {
    const to = clamp(t, 0, state.duration.value || audio.duration || 0);
    audio.currentTime = to;
    lastMedia = to;
    lastPerf = performance.now();
    state.time.value = to;
    metronome.reset(to);
  };

  const play = async () => {
    state.error.value = null;
    if (state.metronome.value || state.countIn.value) metronome.unlock();
    if (state.countIn.value) {
      const token = ++countInToken;
      state.counting.value = true;
      const beats = Math.max(1, map.timeSignature[0]);
      await metronome.countIn(beats, beatLengthAt(map, audio.currentTime) / audio.playbackRate);
      state.counting.value = false;
      if (token !== countInToken) return; // paused during the count-in
    }
    metronome.reset(audio.currentTime);
    await audio.play().catch((error: Error) => {
      state.error.value = `The audio could not start: ${error.message}`;
    });
  };

  const pause = () => {
    countInToken++;
    state.counting.value = false;
    audio.pause();
  };

  const setSpeed = (percent: number) => {
    const p = clamp(Math.round(percent / SPEED_STEP) * SPEED_STEP, MIN_SPEED, MAX_SPEED);
    audio.preservesPitch = true;
    audio.playbackRate = p / 100;
    state.speed.value = p;
  };

  const setLoopB = () => {
    const t = state.time.value;
    const a = state.loopA.value ?? 0;
    if (t <= a + 0.05) {
      state.error.value = "Loop end B must come after loop start A. Move past A, then set B.";
      return;
    }
    state.loopA.value = a;
    state.loopB.value = t;
    state.error.value = null;
  };

  const actions: Record<PlayerAction, () => void> = {
    toggle: () => (audio.paused && !state.counting.value ? void play() : pause()),
    back: () => seek(state.time.value - SEEK_STEP_SEC),
    forward: () => seek(state.time.value + SEEK_STEP_SEC),
    loopA: () => {
      state.loopA.value = state.time.value;
      if (state.loopB.value !== null && state.loopB.value <= state.time.value) state.loopB.value = null;
    },
    loopB: setLoopB,
    loopClear: () => {
      state.loopA.value = null;
      state.loopB.value = null;
    },
    faster: () => setSpeed(state.speed.value + SPEED_STEP),
    slower: () => setSpeed(state.speed.value - SPEED_STEP),
    metronome: () => {
      state.metronome.value = !state.metronome.value;
      if (state.metronome.value) {
        metronome.unlock();
        metronome.reset(audio.currentTime);
      }
    },
  };

  const onPlay = () => (state.playing.value = true);
  const onPause = () => (state.playing.value = false);
  const onMeta = () => {
    if (Number.isFinite(audio.duration) && audio.duration > 0) state.duration.value = audio.duration;
  };
  const onError = () => (state.error.value = "The song's audio could not be loaded; the map still scrolls without it.");
  const events: [string, () => void][] = [["play", onPlay], ["pause", onPause], ["ended", onPause], [
    "loadedmetadata",
    onMeta,
  ], ["error", onError]];
  for (const [name, fn] of events) audio.addEventListener(name, fn);
  onMeta();
  if (audio.error) onError();

  return {
    toggle: actions.toggle,
    seek,
    seekAtY: (y) => seek(timeAtY({ width: size.width, height: size.height, time: state.time.value }, y)),
    setSpeed,
    run: (action) => actions[action](),
    stop() {
      cancelAnimationFrame(frame);
      observer.disconnect();
      for (const [name, fn] of events) audio.removeEventListener(name, fn);
      audio.pause();
      metronome.close();
    },
  };
}

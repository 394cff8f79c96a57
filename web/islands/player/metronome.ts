/**
 * Metronome and count-in clicks with Web Audio. Clicks are scheduled on the AudioContext clock a little ahead of
 * time (so a busy main thread cannot make them late) at the map's beat times, converted through the playback
 * rate; downbeats are accented. The AudioContext is created on the first user gesture, as browsers require.
 */
import { lowerBound } from "./timeline.ts";

/** How far ahead clicks are scheduled [seconds of wall time]; a frame or two of slack. */
export const SCHEDULE_AHEAD_SEC = 0.12;
const ACCENT_HZ = 1760;
const BEAT_HZ = 1175;
const CLICK_SEC = 0.04;

/** Clicks for the player; one per page, closed when the island unmounts. */
export class Metronome {
  #ctx: AudioContext | null = null;
  #next = 0;
  #lastMedia = -1;
  #beats: readonly number[];
  #downbeats: Set<number>;

  constructor(beats: readonly number[], downbeats: readonly number[]) {
    this.#beats = beats;
    this.#downbeats = new Set(downbeats);
  }

  /** The AudioContext, created (or resumed) now; call from a click or key handler. */
  unlock(): AudioContext {
    this.#ctx ??= new AudioContext();
    if (this.#ctx.state === "suspended") void this.#ctx.resume();
    return this.#ctx;
  }

  /** One click at `at` [AudioContext seconds]. */
  #click(ctx: AudioContext, at: number, accent: boolean): void {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = accent ? ACCENT_HZ : BEAT_HZ;
    gain.gain.setValueAtTime(accent ? 0.6 : 0.35, at);
    gain.gain.exponentialRampToValueAtTime(0.001, at + CLICK_SEC);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + CLICK_SEC + 0.01);
  }

  /** Forget what was scheduled, e.g. after a seek or a loop jump to `mediaTime` [seconds]. */
  reset(mediaTime: number): void {
    this.#next = lowerBound(this.#beats, mediaTime);
    this.#lastMedia = mediaTime;
  }

  /**
   * Schedules the beats due within {@link SCHEDULE_AHEAD_SEC}; call every frame while playing with the metronome on.
   * @param mediaTime audio time now [seconds]
   * @param rate playback rate (1 = normal): a beat `d` seconds of audio away sounds `d / rate` seconds from now.
   */
  tick(mediaTime: number, rate: number): void {
    const ctx = this.#ctx;
    if (!ctx) return;
    // A jump (seek, loop) the caller did not report: start over from the new place.
    if (mediaTime < this.#lastMedia - 0.05 || mediaTime > this.#lastMedia + 1) this.reset(mediaTime);
    this.#lastMedia = mediaTime;
    const now = ctx.currentTime;
    while (this.#next < this.#beats.length) {
      const beat = this.#beats[this.#next];
      const wait = (beat - mediaTime) / rate;
      if (wait > SCHEDULE_AHEAD_SEC) break;
      if (wait > -0.02) this.#click(ctx, now + Math.max(0, wait), this.#downbeats.has(beat));
      this.#next++;
    }
  }

  /**
   * Plays `count` clicks `beatSec` [seconds] apart (the first accented) and resolves when the bar is over, which is
   * when playback should start.
   */
  countIn(count: number, beatSec: number): Promise<void> {
    const ctx = this.unlock();
    const start = ctx.currentTime + 0.05;
    for (let i = 0; i < count; i++) this.#click(ctx, start + i * beatSec, i === 0);
    return new Promise((resolve) => setTimeout(resolve, (0.05 + count * beatSec) * 1000));
  }

  /** Releases the audio device. */
  close(): void {
    void this.#ctx?.close();
    this.#ctx = null;
  }
}

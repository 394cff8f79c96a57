/**
 * The player's state as signals, made per island instance (never module-level: the module is shared by every
 * server render). Components read only the slow-changing ones; the per-frame `time` is bound straight to DOM
 * attributes so a frame never re-renders the island.
 */
import { computed, type ReadonlySignal, type Signal, signal } from "@preact/signals";
import { formatClock } from "./timeline.ts";

/** Playback speed limits [percent]. */
export const MIN_SPEED = 50;
export const MAX_SPEED = 150;
export const SPEED_STEP = 5;

/** Everything the controls show. */
export interface PlayerState {
  /** True once hydrated in a browser with audio to play; controls are disabled before. */
  ready: Signal<boolean>;
  playing: Signal<boolean>;
  /** The count-in bar is clicking; playback starts when it ends. */
  counting: Signal<boolean>;
  /** Audio time [seconds], updated every animation frame. */
  time: Signal<number>;
  /** [seconds] the song's length (the map's, then the audio's once known). */
  duration: Signal<number>;
  /** Playback speed [percent]. */
  speed: Signal<number>;
  /** Loop start / end [seconds], null when unset. */
  loopA: Signal<number | null>;
  loopB: Signal<number | null>;
  metronome: Signal<boolean>;
  countIn: Signal<boolean>;
  error: Signal<string | null>;
  /** `time` with millisecond precision, for `data-current-time` and `data-scroll`. */
  timeAttr: ReadonlySignal<string>;
  /** "1:05 / 3:51" */
  clock: ReadonlySignal<string>;
  /** "a-b" [seconds] when both loop points are set, else null. */
  loopAttr: ReadonlySignal<string | null>;
  /** What the aria-live region says. */
  status: ReadonlySignal<string>;
}

/** Fresh state for a song `durationSec` [seconds] long. */
export function createPlayerState(durationSec: number): PlayerState {
  const time = signal(0);
  const duration = signal(durationSec);
  const playing = signal(false);
  const counting = signal(false);
  const loopA = signal<number | null>(null);
  const loopB = signal<number | null>(null);
  return {
    ready: signal(false),
    playing,
    counting,
    time,
    duration,
    speed: signal(100),
    loopA,
    loopB,
    metronome: signal(false),
    countIn: signal(false),
    error: signal(null),
    timeAttr: computed(() => time.value.toFixed(3)),
    clock: computed(() => `${formatClock(time.value)} / ${formatClock(duration.value)}`),
    loopAttr: computed(() =>
      loopA.value !== null && loopB.value !== null ? `${loopA.value.toFixed(3)}-${loopB.value.toFixed(3)}` : null
    ),
    status: computed(() => (counting.value ? "Count-in…" : playing.value ? "Playing" : "Paused")),
  };
}

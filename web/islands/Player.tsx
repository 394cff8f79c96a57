/**
 * The map player: the song's audio drives a scrolling drum highway (canvas) and the drum staff, with play/pause,
 * seek, speed, A-B loop, count-in, metronome, keyboard shortcuts and downloads. On the server (and before
 * hydration) it renders the staff, the legend and working download links with the controls disabled.
 */
import { useComputed } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import type { BsmMap } from "../../inference/src/contracts/bsm.ts";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { useHydrated } from "./hooks.ts";
import { type PlayerEngine, startEngine } from "./player/engine.ts";
import { prepareHighway } from "./player/highway.ts";
import { actionFor, SHORTCUT_HELP } from "./player/keys.ts";
import { lanesIn } from "./player/lanes.ts";
import { layoutNotation, Notation } from "./player/notation.tsx";
import { createPlayerState, MAX_SPEED, MIN_SPEED, SPEED_STEP } from "./player/state.ts";
import { barIndexAt } from "./player/timeline.ts";

/** Props of {@link Player}. */
export interface PlayerProps {
  songId: string;
  map: BsmMap;
}

/** The player island (`data-testid="player"`). */
export default function Player({ songId, map }: PlayerProps) {
  useHydrated();
  const state = useMemo(() => createPlayerState(map.durationSec), [map]);
  const layout = useMemo(() => layoutNotation(map), [map]);
  const bar = useComputed(() => barIndexAt(layout.bars, state.time.value));
  const engine = useRef<PlayerEngine | null>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const base = `/api/v1/songs/${encodeURIComponent(songId)}`;

  useEffect(() => {
    if (!audio.current || !canvas.current) return;
    const e = startEngine({ audio: audio.current, canvas: canvas.current, map, highway: prepareHighway(map), state });
    engine.current = e;
    state.ready.value = true;
    const onKey = (ev: KeyboardEvent) => {
      const action = actionFor(ev);
      if (!action) return;
      ev.preventDefault();
      e.run(action);
    };
    globalThis.addEventListener("keydown", onKey);
    return () => {
      globalThis.removeEventListener("keydown", onKey);
      e.stop();
      engine.current = null;
    };
  }, [map, state]);

  const off = !state.ready.value;
  const run = (action: Parameters<PlayerEngine["run"]>[0]) => () => engine.current?.run(action);
  const loop = state.loopAttr.value;
  return (
    <section
      class="player card"
      data-testid="player"
      data-state={state.playing.value ? "playing" : "paused"}
      data-current-time={state.timeAttr}
      data-loop={loop ?? undefined}
      aria-label="Drum map player"
    >
      <audio ref={audio} src={`${base}/audio`} preload="auto" />
      <div class="player-stage">
        <canvas
          ref={canvas}
          class="highway"
          data-testid="highway"
          data-scroll="0.000"
          role="img"
          aria-label="Drum highway: notes fall onto the line as they are played. Click to seek."
          onClick={(e) => engine.current?.seekAtY(e.offsetY)}
        />
        <ul class="lane-legend" data-testid="lane-legend" aria-label="Lane colours">
          {lanesIn(map.notes).map((l) => (
            <li key={l.lane}>
              <span class="swatch" style={{ background: l.color }} aria-hidden="true" />
              {l.label}
            </li>
          ))}
        </ul>
      </div>
      <div class="player-row">
        <button
          type="button"
          class="button primary play"
          data-testid="player-play"
          disabled={off}
          aria-label={state.playing.value || state.counting.value ? "Pause" : "Play"}
          onClick={() => engine.current?.toggle()}
        >
          {state.playing.value || state.counting.value ? "❚❚ Pause" : "▶ Play"}
        </button>
        <span class="player-clock" aria-hidden="true">{state.clock}</span>
        <span class="player-status" aria-live="polite" data-testid="player-status">{state.status}</span>
      </div>
      <label class="player-field">
        <span>Position</span>
        <input
          type="range"
          data-testid="player-seek"
          min="0"
          max={state.duration.value}
          step="0.01"
          value={state.timeAttr}
          disabled={off}
          aria-valuetext={state.clock}
          onInput={(e) => engine.current?.seek(Number(e.currentTarget.value))}
        />
      </label>
      <label class="player-field">
        <span>Speed {state.speed.value}%</span>
        <input
          type="range"
          data-testid="player-speed"
          min={MIN_SPEED}
          max={MAX_SPEED}
          step={SPEED_STEP}
          value={state.speed.value}
          disabled={off}
          onInput={(e) => engine.current?.setSpeed(Number(e.currentTarget.value))}
        />
      </label>
      <div class="player-row" role="group" aria-label="Loop and clicks">
        <button type="button" class="button" data-testid="loop-a" disabled={off} onClick={run("loopA")}>
          Loop A{state.loopA.value !== null ? ` ${state.loopA.value.toFixed(1)}s` : ""}
        </button>
        <button type="button" class="button" data-testid="loop-b" disabled={off} onClick={run("loopB")}>
          Loop B{state.loopB.value !== null ? ` ${state.loopB.value.toFixed(1)}s` : ""}
        </button>
        <button
          type="button"
          class="button"
          data-testid="loop-clear"
          disabled={off || !loop}
          onClick={run("loopClear")}
        >
          Clear loop
        </button>
        <button
          type="button"
          class="button"
          data-testid="metronome-toggle"
          aria-pressed={state.metronome.value}
          disabled={off}
          onClick={run("metronome")}
        >
          Metronome
        </button>
        <button
          type="button"
          class="button"
          data-testid="count-in-toggle"
          aria-pressed={state.countIn.value}
          disabled={off}
          onClick={() => (state.countIn.value = !state.countIn.value)}
        >
          Count-in
        </button>
      </div>
      <ErrorBox message={state.error.value} />
      <Notation layout={layout} bar={bar} onSeek={(t) => engine.current?.seek(t)} />
      <div class="player-row">
        <a class="button" href={`${base}/map.bsm`} download data-testid="download-bsm">Download .bsm</a>
        <a class="button" href={`${base}/map.mid`} download data-testid="download-midi">Download MIDI</a>
      </div>
      <p class="muted player-help">{SHORTCUT_HELP}</p>
    </section>
  );
}

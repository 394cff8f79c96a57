/**
 * A small drum-staff renderer (SVG, no library): five lines, note heads at the drum-set key positions (x heads for
 * cymbals and hi-hats, an "o" over open hi-hats), stems up for hands and down for feet, bar lines from the
 * downbeats, the current bar highlighted and scrolled into view. It renders on the server too, so the page shows
 * the notation before (or without) JavaScript.
 */
import type { Signal } from "@preact/signals";
import { useSignalEffect } from "@preact/signals";
import { useMemo, useRef } from "preact/hooks";
import type { BsmMap } from "../../../inference/src/contracts/bsm.ts";
import { laneStyle } from "./lanes.ts";
import { type Bar, barIndexAt, barsOf } from "./timeline.ts";

/** Width of one bar [px]; the staff scrolls sideways, so bars keep one readable width on every screen. */
export const BAR_WIDTH = 176;
/** Distance between staff lines [px]. */
export const LINE_GAP = 8;
const TOP = 28;
const HEIGHT = 96;
const PAD = 12;

/** One placed note head. */
export interface Head {
  x: number;
  y: number;
  step: number;
  xHead: boolean;
  foot: boolean;
  open: boolean;
}

/** Where everything goes on the staff. */
export interface NotationLayout {
  width: number;
  height: number;
  bars: (Bar & { x: number })[];
  heads: Head[];
}

/** y [px] of a staff step (0 = bottom line, 8 = top line). */
export const stepY = (step: number) => TOP + ((8 - step) * LINE_GAP) / 2;

/** Places bars and note heads for `map`: each note at its time's fraction of its bar. */
export function layoutNotation(map: Pick<BsmMap, "tempo" | "timeSignature" | "durationSec" | "notes">): NotationLayout {
  const bars = barsOf(map).map((b, i) => ({ ...b, x: i * BAR_WIDTH }));
  const heads = map.notes.map((n) => {
    const bar = bars[barIndexAt(bars, n.time)];
    const frac = Math.min(1, Math.max(0, (n.time - bar.start) / (bar.end - bar.start)));
    const style = laneStyle(n.lane);
    return {
      x: bar.x + PAD + frac * (BAR_WIDTH - 2 * PAD),
      y: stepY(style.staffStep),
      step: style.staffStep,
      xHead: style.xHead,
      foot: style.foot,
      open: n.lane === "hihat_open",
    };
  });
  return { width: bars.length * BAR_WIDTH, height: HEIGHT, bars, heads };
}

function NoteHead({ h }: { h: Head }) {
  const stem = h.foot
    ? <line x1={h.x - 4} y1={h.y} x2={h.x - 4} y2={h.y + 26} />
    : <line x1={h.x + 4} y1={h.y} x2={h.x + 4} y2={h.y - 26} />;
  const ledger = h.step >= 10 || h.step <= -2
    ? <line x1={h.x - 7} y1={stepY(h.step >= 10 ? 10 : -2)} x2={h.x + 7} y2={stepY(h.step >= 10 ? 10 : -2)} />
    : null;
  const head = h.xHead
    ? <path d={`M${h.x - 4} ${h.y - 4}l8 8m0-8l-8 8`} stroke-width="1.6" />
    : <ellipse cx={h.x} cy={h.y} rx="4.6" ry="3.4" transform={`rotate(-20 ${h.x} ${h.y})`} class="nh" />;
  return (
    <g>
      {ledger}
      {stem}
      {head}
      {h.open && <circle cx={h.x} cy={stepY(13)} r="3" fill="none" />}
    </g>
  );
}

function Staff({ layout }: { layout: NotationLayout }) {
  return (
    <g stroke="currentColor" fill="currentColor">
      {[0, 2, 4, 6, 8].map((s) => (
        <line
          key={s}
          x1="0"
          x2={layout.width}
          y1={stepY(s)}
          y2={stepY(s)}
          stroke-width="1"
        />
      ))}
      {layout.bars.map((b, i) => (
        <g key={i}>
          <line x1={b.x} x2={b.x} y1={stepY(8)} y2={stepY(0)} stroke-width="1.5" />
          <text x={b.x + 3} y={stepY(12) - 4} font-size="10" stroke="none">{i + 1}</text>
        </g>
      ))}
      {layout.heads.map((h, i) => <NoteHead key={i} h={h} />)}
    </g>
  );
}

/** Props of {@link Notation}. */
export interface NotationProps {
  layout: NotationLayout;
  /** Index of the bar being played. */
  bar: Signal<number>;
  /** Seek to a time [seconds] (clicking a bar); absent on the server. */
  onSeek?: (t: number) => void;
}

/** The scrolling staff with the current bar highlighted (`data-bar` = its 1-based number). */
export function Notation({ layout, bar, onSeek }: NotationProps) {
  const box = useRef<HTMLDivElement>(null);
  // The staff never changes while the player runs: build its vnodes once so bar changes only move the highlight.
  const staff = useMemo(() => <Staff layout={layout} />, [layout]);
  const current = layout.bars[bar.value] ?? layout.bars[0];
  useSignalEffect(() => {
    const b = layout.bars[bar.value];
    const el = box.current;
    if (!b || !el || typeof el.scrollTo !== "function") return;
    if (b.x < el.scrollLeft || b.x + BAR_WIDTH > el.scrollLeft + el.clientWidth) {
      el.scrollTo({ left: Math.max(0, b.x - el.clientWidth * 0.2), behavior: "smooth" });
    }
  });
  const click = (e: MouseEvent) => {
    const el = box.current;
    if (!onSeek || !el) return;
    const x = e.clientX - el.getBoundingClientRect().left + el.scrollLeft;
    const hit = layout.bars.find((b) => x >= b.x && x < b.x + BAR_WIDTH);
    if (hit) onSeek(hit.start);
  };
  return (
    <div class="notation" data-testid="notation" data-bar={String(bar.value + 1)} ref={box} tabIndex={0}>
      <svg
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`Drum notation, ${layout.bars.length} bars; bar ${bar.value + 1} is playing`}
        onClick={click}
      >
        {current && <rect class="bar-now" x={current.x} y="0" width={BAR_WIDTH} height={layout.height} />}
        {staff}
      </svg>
    </div>
  );
}

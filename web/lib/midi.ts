/**
 * .bsm drum map -> Standard MIDI File (format 0, one track, General MIDI drums on channel 10). The tempo map
 * follows `tempo.beats`: every beat is one quarter note and gets its own tempo event, so each note's tick lands at
 * its real time in seconds when a sequencer plays the file back.
 */
import type { BsmMap } from "../../inference/src/contracts/bsm.ts";

/** Ticks per quarter note (the header's division). */
export const MIDI_PPQ = 480;
/** Note length [ticks] (a 32nd note): drum samples ring on their own, the off only keeps players tidy. */
export const DRUM_NOTE_TICKS = MIDI_PPQ / 8;
/** Channel 10 (0-based 9), the General MIDI percussion channel. */
export const DRUM_CHANNEL = 9;

/** .bsm lane -> General MIDI percussion key. Lanes not listed here are left out of the file. */
export const GM_DRUM_NOTES: Readonly<Record<string, number>> = {
  kick: 36,
  snare: 38,
  hihat_closed: 42,
  hihat_pedal: 44,
  hihat_open: 46,
  tom_high: 50,
  tom_mid: 47,
  tom_floor: 43,
  crash: 49,
  ride: 51,
};

/** Largest tempo a set-tempo event holds [microseconds per quarter] (24 bits). */
const MAX_TEMPO_US = 0xffffff;
/** Default tempo when a map has no usable bpm [bpm]. */
const FALLBACK_BPM = 120;

/** A stretch of time with one tempo: `ticks` ticks from `startTick`, spanning `startSec` for `tempoUs` per quarter. */
interface TempoSegment {
  startSec: number;
  startTick: number;
  /** [microseconds per quarter note] */
  tempoUs: number;
}

interface MidiEvent {
  tick: number;
  /** Sort key within one tick: tempo (0) before note-offs (1) before note-ons (2). */
  order: number;
  bytes: number[];
}

const clampTempo = (us: number) => Math.min(MAX_TEMPO_US, Math.max(1, Math.round(us)));

/** Strictly increasing beat times, dropping duplicates and out-of-order entries a tracker may emit. */
function cleanBeats(beats: readonly number[]): number[] {
  const out: number[] = [];
  for (const b of beats) if (Number.isFinite(b) && b >= 0 && (out.length === 0 || b > out[out.length - 1])) out.push(b);
  return out;
}

/**
 * The tempo map: a lead-in from 0 s to the first beat at the map's bpm, one quarter note per beat interval, then
 * the last interval's tempo held to the end. Each segment's tick count is a whole number and its tempo is chosen
 * so that the segment lasts exactly its real duration (to the microsecond).
 */
export function tempoSegments(map: Pick<BsmMap, "tempo">): TempoSegment[] {
  const beats = cleanBeats(map.tempo.beats);
  const nominal = clampTempo(60e6 / (map.tempo.bpm > 0 ? map.tempo.bpm : FALLBACK_BPM));
  const segments: TempoSegment[] = [];
  let tick = 0;
  const push = (startSec: number, endSec: number, tempoUs: number) => {
    const ticks = Math.max(1, Math.round(((endSec - startSec) * 1e6 / tempoUs) * MIDI_PPQ));
    segments.push({ startSec, startTick: tick, tempoUs: clampTempo(((endSec - startSec) * 1e6 * MIDI_PPQ) / ticks) });
    tick += ticks;
  };
  if (beats.length === 0) return [{ startSec: 0, startTick: 0, tempoUs: nominal }];
  if (beats[0] > 0) push(0, beats[0], nominal);
  for (let i = 0; i + 1 < beats.length; i++) push(beats[i], beats[i + 1], clampTempo((beats[i + 1] - beats[i]) * 1e6));
  const last = segments.length > 0 && beats.length > 1 ? segments[segments.length - 1].tempoUs : nominal;
  segments.push({ startSec: beats[beats.length - 1], startTick: tick, tempoUs: last });
  return segments;
}

/** The tick of `timeSec` under `segments` (sorted by start). */
export function secondsToTick(segments: readonly TempoSegment[], timeSec: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid].startSec <= timeSec) lo = mid;
    else hi = mid - 1;
  }
  const s = segments[lo];
  return Math.max(0, Math.round(s.startTick + ((timeSec - s.startSec) * 1e6 / s.tempoUs) * MIDI_PPQ));
}

/** A MIDI variable-length quantity. */
export function vlq(value: number): number[] {
  const out = [value & 0x7f];
  for (let v = value >>> 7; v > 0; v >>>= 7) out.unshift((v & 0x7f) | 0x80);
  return out;
}

const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const ascii = (s: string) => [...s].map((ch) => ch.charCodeAt(0) & 0x7f);

function noteEvents(map: Pick<BsmMap, "notes">, segments: readonly TempoSegment[]): MidiEvent[] {
  const byKey = new Map<number, { tick: number; velocity: number }[]>();
  for (const note of map.notes) {
    const key = GM_DRUM_NOTES[note.lane];
    if (key === undefined) continue;
    const list = byKey.get(key) ?? [];
    list.push({ tick: secondsToTick(segments, note.time), velocity: Math.min(127, Math.max(1, note.velocity)) });
    byKey.set(key, list);
  }
  const events: MidiEvent[] = [];
  for (const [key, hits] of byKey) {
    hits.sort((a, b) => a.tick - b.tick);
    hits.forEach((hit, i) => {
      // Two hits of one key on the same tick would be one sound; keep the first.
      if (i > 0 && hits[i - 1].tick === hit.tick) return;
      let j = i + 1;
      while (j < hits.length && hits[j].tick === hit.tick) j++;
      const next = j < hits.length ? hits[j].tick : Infinity;
      const off = Math.min(hit.tick + DRUM_NOTE_TICKS, next);
      events.push({ tick: hit.tick, order: 2, bytes: [0x90 | DRUM_CHANNEL, key, hit.velocity] });
      events.push({ tick: off, order: 1, bytes: [0x80 | DRUM_CHANNEL, key, 0] });
    });
  }
  return events;
}

function metaEvents(map: Pick<BsmMap, "timeSignature">, segments: readonly TempoSegment[], name: string) {
  const [num, den] = map.timeSignature;
  const events: MidiEvent[] = [
    { tick: 0, order: 0, bytes: [0xff, 0x03, ...vlq(ascii(name).length), ...ascii(name)] },
    // Denominator as a power of two; 24 MIDI clocks per click and 8 32nds per quarter are the usual values.
    { tick: 0, order: 0, bytes: [0xff, 0x58, 4, num & 0xff, Math.max(0, Math.round(Math.log2(den))), 24, 8] },
  ];
  for (const s of segments) {
    const t = s.tempoUs;
    events.push({ tick: s.startTick, order: 0, bytes: [0xff, 0x51, 3, (t >> 16) & 0xff, (t >> 8) & 0xff, t & 0xff] });
  }
  return events;
}

/** Options of {@link bsmToMidi}. */
export interface BsmToMidiOptions {
  /** Track name meta event (ASCII, other characters become "?"), default "BeatSight drums". */
  trackName?: string;
}

/**
 * Encodes `map` as a Standard MIDI File, format 0, {@link MIDI_PPQ} ticks per quarter note, notes on channel 10
 * with {@link GM_DRUM_NOTES}. Lanes without a General MIDI key are skipped.
 */
export function bsmToMidi(
  map: Pick<BsmMap, "tempo" | "timeSignature" | "notes">,
  options: BsmToMidiOptions = {},
): Uint8Array {
  const name = (options.trackName ?? "BeatSight drums").replace(/[^\x20-\x7e]/g, "?").slice(0, 120);
  const segments = tempoSegments(map);
  const events = [...metaEvents(map, segments, name), ...noteEvents(map, segments)];
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  const track: number[] = [];
  let prev = 0;
  for (const e of events) {
    track.push(...vlq(e.tick - prev), ...e.bytes);
    prev = e.tick;
  }
  track.push(0, 0xff, 0x2f, 0);
  const header = [...ascii("MThd"), ...u32(6), 0, 0, 0, 1, (MIDI_PPQ >> 8) & 0xff, MIDI_PPQ & 0xff];
  return new Uint8Array([...header, ...ascii("MTrk"), ...u32(track.length), ...track]);
}

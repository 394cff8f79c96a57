/** A .bsm map at a glance: tempo, time signature, length and notes per lane. Server-only. */
import { type BsmMap, LANES } from "../../inference/src/contracts/bsm.ts";

/** Notes per lane, known lanes first in their standard order, then any later additions. */
export function countNotesByLane(map: BsmMap): [lane: string, count: number][] {
  const counts = new Map<string, number>();
  for (const note of map.notes) counts.set(note.lane, (counts.get(note.lane) ?? 0) + 1);
  const known = LANES.filter((l) => counts.has(l));
  const extra = [...counts.keys()].filter((l) => !(LANES as readonly string[]).includes(l)).sort();
  return [...known, ...extra].map((lane) => [lane, counts.get(lane)!]);
}

/** `seconds` as m:ss. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The summary table of `map`. */
export function MapSummary({ map }: { map: BsmMap }) {
  const lanes = countNotesByLane(map);
  return (
    <section class="card stack" data-testid="map-summary">
      <dl class="facts">
        <dt>Tempo</dt>
        <dd data-testid="map-bpm">{map.tempo.bpm.toFixed(1)} bpm</dd>
        <dt>Time signature</dt>
        <dd data-testid="map-time-signature">{map.timeSignature.join("/")}</dd>
        <dt>Length</dt>
        <dd>{formatDuration(map.durationSec)}</dd>
        <dt>Notes</dt>
        <dd data-testid="map-note-count">{map.notes.length}</dd>
      </dl>
      <table class="lanes">
        <caption>Notes per lane</caption>
        <thead>
          <tr>
            <th scope="col">Lane</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          {lanes.map(([lane, count]) => (
            <tr key={lane} data-testid={`lane-${lane}`}>
              <th scope="row">{lane.replace(/_/g, " ")}</th>
              <td>{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * Fixed-width tables of evaluation reports for the terminal: per lane, per drum source, and the false positives'
 * causes.
 */
import { MAX_BPM, MIN_BPM } from "../pipeline/beats.ts";
import { AUDIBLE_CHANGE, GHOST_VELOCITY, type Report } from "./evaluate.ts";

/** A fixed-width table of per-source reports: tracks, the headline lanes' F and the beat figures. */
export function formatSourceTable(bySource: Record<string, Report>): string {
  const pct = (x: number) => (x * 100).toFixed(1).padStart(10);
  const columns = [
    "kick",
    "snare",
    "snare-gh",
    "snare-aud",
    "hihat_all",
    "tom (all)",
    "beat",
    "downbeat",
  ];
  const rows = Object.entries(bySource).map(([source, r]) => {
    const toms = ["tom_high", "tom_mid", "tom_floor"].map((l) => r.lanes[l]);
    const support = toms.reduce((a, t) => a + t.support, 0);
    const tomF = support
      ? toms.reduce((a, t) => a + t.f * t.support, 0) / support
      : NaN;
    return `${source.padEnd(26)} ${String(r.tracks).padStart(6)}` +
      [
        r.lanes.kick.f,
        r.lanes.snare.f,
        r.lanes.snare.fWithoutGhosts,
        r.lanes.snare.fWithoutInaudible ?? NaN,
        r.lanes.hihat_all.f,
        tomF,
        r.beatF,
        r.downbeatF,
      ]
        .map((f) => Number.isNaN(f) ? "-".padStart(10) : pct(f)).join("");
  });
  return [
    `${"source".padEnd(26)} ${"tracks".padStart(6)}` +
    columns.map((c) => c.padStart(10)).join("") +
    "   (F %; snare-gh: ghost notes as don't-care; snare-aud: inaudible ones; toms: support-weighted mean of the three)",
    ...rows,
  ].join("\n");
}

/** A fixed-width table of a report, for the terminal. */
export function formatReport(name: string, r: Report): string {
  const pct = (x: number) => (x * 100).toFixed(1).padStart(6);
  const rows = Object.entries(r.lanes).map(([lane, s]) =>
    `${lane.padEnd(14)} ${pct(s.f)} ${pct(s.precision)} ${pct(s.recall)} ${
      String(s.support).padStart(7)
    }` +
    (s.ghosts
      ? ` ${String(s.ghosts).padStart(7)} ${pct(s.ghostRecall)} ${
        pct(s.fWithoutGhosts)
      } ${String(s.inaudible).padStart(7)} ${
        s.fWithoutInaudible === null
          ? "-".padStart(6)
          : pct(s.fWithoutInaudible)
      }`
      : "")
  );
  return [
    `model ${name}: ${r.tracks} tracks`,
    `${"lane".padEnd(14)} ${"F%".padStart(6)} ${"P%".padStart(6)} ${
      "R%".padStart(6)
    } ${"onsets".padStart(7)}` +
    ` ${"ghosts".padStart(7)} ${"ghostR%".padStart(6)} ${"F-gh%".padStart(6)} ${
      "inaud".padStart(7)
    } ${"F-aud%".padStart(6)}` +
    `  (ghost = velocity < ${GHOST_VELOCITY}; F-gh: F with ghost notes as don't-care; inaud: ghost notes` +
    ` that change no log-mel band by ${AUDIBLE_CHANGE} (about 1 dB); F-aud: F with those as don't-care)`,
    ...rows,
    `beat F ${pct(r.beatF)}   downbeat F ${pct(r.downbeatF)}   tempo Acc1 ${
      pct(r.acc1)
    }   Acc2 ${pct(r.acc2)}`,
    `tempo Acc1 on the ${r.tracksInRange} tracks inside the tracker's ${MIN_BPM}-${MAX_BPM} bpm range ${
      pct(r.acc1InRange)
    }`,
    formatMeters(r),
  ].join("\n");
}

/** "meter right on 58 of 64 tracks: 4/4 54/54, 3/4 3/5, ...": the map's beats per bar against the song's. */
export function formatMeters(r: Report): string {
  const entries = Object.entries(r.meters).sort((a, b) =>
    b[1].tracks - a[1].tracks || a[0].localeCompare(b[0])
  );
  const right = entries.reduce((a, [, m]) => a + m.right, 0);
  return `meter right on ${right} of ${r.tracks} tracks: ` +
    entries.map(([name, m]) => `${name} ${m.right}/${m.tracks}`).join(", ");
}

/** One lane's causes (a Report.falseOnsets or Report.misses entry): their total and the `top` commonest, each
 * worded by `phrase`. */
function causeSummary(
  causes: Record<string, number> | undefined,
  top: number,
  phrase = (n: number, cause: string) => `${n} on ${cause}`,
): { total: number; commonest: string } {
  const sorted = Object.entries(causes ?? {}).sort((a, b) => b[1] - a[1]);
  return {
    total: sorted.reduce((a, [, n]) => a + n, 0),
    commonest: sorted.slice(0, top).map(([c, n]) => phrase(n, c)).join(", "),
  };
}

/** Per lane, its false positives and their `top` commonest causes (Report.falseOnsets), one line each. */
export function formatFalseOnsets(
  r: Report,
  lanes: readonly string[],
  top = 5,
): string {
  return lanes.map((lane) => {
    const { total, commonest } = causeSummary(r.falseOnsets[lane], top);
    return `false ${lane} (${total}): ${commonest}`;
  }).join("\n");
}

/**
 * Per lane, one line per source: its false positives and what sounded at the commonest of them. Pooled causes
 * hide which kit a confusion belongs to (a room kit's boomy snare, a kit whose kick is a tom).
 */
export function formatFalseOnsetsBySource(
  bySource: Record<string, Report>,
  lanes: readonly string[],
  top = 3,
): string {
  const width = Math.max(6, ...Object.keys(bySource).map((s) => s.length));
  return lanes.map((lane) =>
    [
      `false ${lane} by source:`,
      ...Object.entries(bySource).map(([source, r]) => {
        const { total, commonest } = causeSummary(
          r.falseOnsets[lane],
          top,
        );
        return `  ${source.padEnd(width)} ${String(total).padStart(5)}` +
          (total ? `: ${commonest}` : "");
      }),
    ].join("\n")
  ).join("\n");
}

/** Per lane, its missed strokes and where they were lost (Report.misses, ghost notes apart), one line each. */
export function formatMisses(r: Report, lanes: readonly string[]): string {
  return lanes.map((lane) => {
    const { total, commonest } = causeSummary(
      r.misses[lane],
      Infinity,
      (n, cause) => `${n} ${cause}`,
    );
    return `missed ${lane} (${total})` + (total ? `: ${commonest}` : "");
  }).join("\n");
}

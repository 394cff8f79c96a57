/** Keyboard shortcuts of the player: which key does what, and the help line that lists them. */

/** What a shortcut does. */
export type PlayerAction =
  | "toggle"
  | "back"
  | "forward"
  | "loopA"
  | "loopB"
  | "loopClear"
  | "faster"
  | "slower"
  | "metronome";

const KEYS: Record<string, PlayerAction> = {
  " ": "toggle",
  ArrowLeft: "back",
  ArrowRight: "forward",
  "[": "loopA",
  "]": "loopB",
  l: "loopClear",
  L: "loopClear",
  "+": "faster",
  "=": "faster",
  "-": "slower",
  _: "slower",
  m: "metronome",
  M: "metronome",
};

/** The help line shown under the controls. */
export const SHORTCUT_HELP =
  "Keys: Space play/pause · ← → seek 5 s · [ ] set loop A/B · L clear loop · + − speed · M metronome";

/** What the elements in focus already do with a key themselves, so the shortcut must not also fire. */
function handledByTarget(key: string, target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  if (el.tagName === "INPUT") {
    const type = (el as HTMLInputElement).type;
    // A focused range slider moves with the arrows; text fields take every key.
    return type === "range" ? key.startsWith("Arrow") : true;
  }
  // Buttons and links activate on Space/Enter natively.
  return (el.tagName === "BUTTON" || el.tagName === "A") && key === " ";
}

/** The action for a keydown, or null when the key is not a shortcut here (or a modifier is held). */
export function actionFor(
  e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "target">,
): PlayerAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const action = KEYS[e.key];
  if (!action || handledByTarget(e.key, e.target)) return null;
  return action;
}

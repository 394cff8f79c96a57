/**
 * The island props codec, shared by the server (encode) and the browser runtime (decode).
 *
 * Format (after Fresh's jsonify): one JSON array `[rootRef, slot1, slot2, ...]`. A ref is a slot index (>= 1) or
 * a negative constant for values JSON cannot hold. Slots are strings, booleans, finite numbers, null, arrays of
 * refs, objects of key -> ref, or tags `["Tag", ...]` (an array whose first item is a string, which a plain array
 * slot never is because it only holds numbers). Every object gets one slot however often it is referenced, so a
 * signal handed to two islands comes back as one signal, and cycles survive.
 */
import { type Signal, signal } from "@preact/signals";

const UNDEFINED = -1;
const NAN = -2;
const POS_INF = -3;
const NEG_INF = -4;
const NEG_ZERO = -5;

/** Thrown for a value that cannot cross to the browser (a function, a class instance, JSX, a symbol). */
export class IslandPropsError extends Error {
  override name = "IslandPropsError";
}

type Slot = string | number | boolean | null | number[] | Record<string, number> | [string, ...unknown[]];

/** Duck-type check so the server and the bundle need not share one `Signal` class instance. */
function isSignal(value: object): value is Signal<unknown> {
  const v = value as { peek?: unknown; subscribe?: unknown; brand?: unknown };
  return typeof v.peek === "function" && typeof v.subscribe === "function" && "value" in value;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Encodes `value` to the codec's JSON text (not yet safe to inline in HTML: see {@link escapeForScript}).
 * `label` names the value in error messages (e.g. `island "Uploader" props`).
 * @throws IslandPropsError for functions, symbols, class instances and JSX, naming the path of the bad value.
 */
export function encodeProps(value: unknown, label = "props"): string {
  const slots: Slot[] = [0];
  const seen = new Map<object, number>();

  const add = (slot: Slot): number => slots.push(slot) - 1;

  const ref = (v: unknown, path: string): number => {
    switch (typeof v) {
      case "undefined":
        return UNDEFINED;
      case "number":
        if (Number.isNaN(v)) return NAN;
        if (v === Infinity) return POS_INF;
        if (v === -Infinity) return NEG_INF;
        if (Object.is(v, -0)) return NEG_ZERO;
        return add(v);
      case "string":
      case "boolean":
        return add(v);
      case "bigint":
        return add(["BigInt", v.toString()]);
      case "function":
        throw new IslandPropsError(
          `${label}: ${path} is a function; functions cannot be sent to the browser. ` +
            "Define the handler inside the island instead.",
        );
      case "symbol":
        throw new IslandPropsError(`${label}: ${path} is a symbol, which cannot be serialized.`);
    }
    if (v === null) return add(null);
    const known = seen.get(v as object);
    if (known !== undefined) return known;
    return encodeObject(v as object, path);
  };

  const encodeObject = (v: object, path: string): number => {
    // Reserve the slot before encoding children so cycles and shared references point back to it.
    const index = add(null);
    seen.set(v, index);
    slots[index] = objectSlot(v, path, ref);
    return index;
  };

  slots[0] = ref(value, "props");
  return JSON.stringify(slots);
}

function objectSlot(v: object, path: string, ref: (v: unknown, path: string) => number): Slot {
  if (Array.isArray(v)) return v.map((item, i) => ref(item, `${path}[${i}]`));
  if (v instanceof Date) return ["Date", Number.isNaN(v.getTime()) ? null : v.toISOString()];
  if (v instanceof URL) return ["URL", v.href];
  if (v instanceof Uint8Array) return ["Uint8Array", toBase64(v)];
  if (v instanceof Map) {
    const out: [string, ...number[]] = ["Map"];
    let i = 0;
    for (const [k, val] of v) {
      out.push(ref(k, `${path}<key ${i}>`), ref(val, `${path}<value ${i}>`));
      i++;
    }
    return out;
  }
  if (v instanceof Set) return ["Set", ...[...v].map((item, i) => ref(item, `${path}<item ${i}>`))];
  if (isSignal(v)) return ["Signal", ref(v.peek(), `${path}.value`)];
  if (!isPlainObject(v)) {
    const name = (v as { constructor?: { name?: string } }).constructor?.name ?? "unknown";
    throw new IslandPropsError(
      `${path} is a ${name} instance; only plain objects, arrays, Date, URL, Map, Set, ` +
        "Uint8Array and signals can be sent to the browser.",
    );
  }
  // Preact vnodes are plain objects with an own `constructor: undefined` (Preact's JSON-injection guard).
  if (Object.hasOwn(v, "constructor") && (v as { constructor?: unknown }).constructor === undefined && "type" in v) {
    throw new IslandPropsError(`${path} is JSX; pass data to the island and render it there.`);
  }
  const out: Record<string, number> = {};
  for (const [key, item] of Object.entries(v)) out[key] = ref(item, `${path}.${key}`);
  return out;
}

/**
 * Decodes text made by {@link encodeProps}. Signals come back as fresh `@preact/signals` signals, one per encoded
 * signal, so islands that were given the same signal share it.
 * @throws SyntaxError / IslandPropsError on malformed input.
 */
export function decodeProps(text: string): unknown {
  const slots = JSON.parse(text) as unknown[];
  if (!Array.isArray(slots) || typeof slots[0] !== "number") throw new IslandPropsError("Malformed island props.");
  const done = new Map<number, unknown>();

  const revive = (r: number): unknown => {
    if (r < 0) return [undefined, undefined, NaN, Infinity, -Infinity, -0][-r];
    if (done.has(r)) return done.get(r);
    const slot = slots[r];
    if (slot === null || typeof slot !== "object") return slot;
    if (Array.isArray(slot) && typeof slot[0] === "string") return reviveTag(r, slot as [string, ...unknown[]]);
    if (Array.isArray(slot)) {
      const arr: unknown[] = [];
      done.set(r, arr);
      for (const item of slot as number[]) arr.push(revive(item));
      return arr;
    }
    const obj: Record<string, unknown> = {};
    done.set(r, obj);
    for (const [k, item] of Object.entries(slot as Record<string, number>)) obj[k] = revive(item);
    return obj;
  };

  const reviveTag = (r: number, [tag, ...rest]: [string, ...unknown[]]): unknown => {
    switch (tag) {
      case "Date":
        return new Date(rest[0] === null ? NaN : String(rest[0]));
      case "URL":
        return new URL(String(rest[0]));
      case "BigInt":
        return BigInt(String(rest[0]));
      case "Uint8Array":
        return fromBase64(String(rest[0]));
      case "Map": {
        const map = new Map();
        done.set(r, map);
        for (let i = 0; i < rest.length; i += 2) map.set(revive(rest[i] as number), revive(rest[i + 1] as number));
        return map;
      }
      case "Set": {
        const set = new Set();
        done.set(r, set);
        for (const item of rest) set.add(revive(item as number));
        return set;
      }
      case "Signal": {
        const s = signal<unknown>(undefined);
        done.set(r, s);
        s.value = revive(rest[0] as number);
        return s;
      }
    }
    throw new IslandPropsError(`Unknown island props tag "${tag}".`);
  };

  return revive(slots[0]);
}

/**
 * Makes JSON text safe inside `<script type="application/json">`: `<` becomes `\u003c` (so neither `</script>`
 * nor `<!--` can end or confuse the element) and U+2028/U+2029 are escaped for old JS parsers. JSON.parse reads
 * the result back unchanged.
 */
export function escapeForScript(json: string): string {
  return json.replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

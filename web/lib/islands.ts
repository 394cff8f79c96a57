/**
 * Server side of the islands design (Fresh's): `<Island name="Uploader" props={...} />` renders the island's
 * component into the page and wraps it in a `<bs-island>` marker; `renderPage` (render.tsx) then inlines every
 * island's props once, and the client runtime (islands/runtime/client.ts) hydrates each marker.
 */
import { type ComponentChild, type ComponentType, createContext, h } from "preact";
import { useContext } from "preact/hooks";
import { encodeProps } from "../islands/runtime/codec.ts";

export { decodeProps, encodeProps, escapeForScript, IslandPropsError } from "../islands/runtime/codec.ts";

/** Island name -> component. Names are the file names under web/islands/ (PascalCase). */
// deno-lint-ignore no-explicit-any -- each island has its own props type; the registry holds them all.
export type IslandRegistry = Record<string, ComponentType<any>>;

/** Where the browser loads the built code from (see web/build.ts). */
export interface IslandAssets {
  /** Island name -> URL of its hashed ES module, e.g. `/static/build/Uploader-4F2KQ7ZB.js`. */
  manifest: Record<string, string>;
  /** URL of the client runtime module. */
  runtime: string;
}

/** One island instance found while rendering a page. */
export interface IslandInstance {
  name: string;
  props: Record<string, unknown>;
}

/** Per-render state: the islands a page uses, in document order. Created by `renderPage`, never module-level. */
export interface IslandRenderState {
  registry: IslandRegistry;
  islands: IslandInstance[];
}

/** Set by `renderPage`; `inside` is true while rendering an island's own tree. */
export const IslandContext = createContext<{ state: IslandRenderState | null; inside: boolean }>({
  state: null,
  inside: false,
});

/** The marker element's tag. `display: contents` (see static/app.css) keeps it out of layout. */
export const ISLAND_TAG = "bs-island";

/** Id of the `<script type="application/json">` holding all island props of a page. */
export const ISLANDS_DATA_ID = "bs-islands";

/** Props of {@link Island}. */
export interface IslandProps<P> {
  /** The island's registry name (its file name under web/islands/). */
  name: string;
  /** Serializable props: primitives, plain objects/arrays, Date, URL, Map, Set, Uint8Array, signals. */
  props?: P;
}

/**
 * Renders an island: its component on the server, inside a marker the client runtime hydrates.
 * @throws Error when rendered outside `renderPage`, for an unknown name, or (IslandPropsError) for props that
 *   cannot be sent to the browser, such as a function.
 */
export function Island<P extends Record<string, unknown>>({ name, props }: IslandProps<P>): ComponentChild {
  const { state, inside } = useContext(IslandContext);
  if (!state) throw new Error(`<Island name="${name}"> must be rendered through renderPage() (web/lib/render.tsx).`);
  const Component = state.registry[name];
  if (!Component) {
    throw new Error(`Unknown island "${name}". Known islands: ${Object.keys(state.registry).join(", ") || "none"}.`);
  }
  const islandProps = (props ?? {}) as Record<string, unknown>;
  // An island inside an island is just a component: the outer one hydrates the whole tree.
  if (inside) return h(Component, islandProps);
  // Fail now, naming the island, rather than later when the whole page payload is encoded.
  encodeProps(islandProps, `island "${name}" props`);
  const index = state.islands.push({ name, props: islandProps }) - 1;
  return h(
    IslandContext.Provider,
    { value: { state, inside: true } },
    h(ISLAND_TAG, { "data-island": name, "data-index": String(index) }, h(Component, islandProps)),
  );
}

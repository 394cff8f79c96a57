/**
 * Server-side page rendering: Preact -> HTML with preact-render-to-string, plus the islands payload. A page that
 * renders no island ships no script at all.
 */
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import {
  encodeProps,
  escapeForScript,
  type IslandAssets,
  IslandContext,
  type IslandRegistry,
  type IslandRenderState,
  ISLANDS_DATA_ID,
} from "./islands.ts";

/** Options of {@link renderPage}. */
export interface RenderPageOptions {
  /** Built island URLs (web/build.ts `buildIslands` / `islandAssets`). */
  assets: IslandAssets;
  /** Island components by name (default: none, so any `<Island>` fails loudly). */
  registry?: IslandRegistry;
}

/** What the browser runtime reads from the islands `<script type="application/json">`. */
export interface IslandsPayload {
  /** Island name -> module URL, only for islands on this page. */
  urls: Record<string, string>;
  /** Props per marker, by its `data-index`. */
  props: Record<string, unknown>[];
}

/**
 * Renders a full HTML document. `page` should render `<html>...<body>...</body></html>` (components/Layout.tsx);
 * the islands scripts go just before `</body>`.
 * @throws when an island is unknown, has no built module, or has props that cannot be serialized.
 */
export function renderPage(page: ComponentChildren, options: RenderPageOptions): string {
  const state: IslandRenderState = { registry: options.registry ?? {}, islands: [] };
  const html = renderToString(
    <IslandContext.Provider value={{ state, inside: false }}>{page}</IslandContext.Provider>,
  );
  return "<!DOCTYPE html>" + injectBeforeBodyEnd(html, islandScripts(state, options.assets));
}

/** The scripts a page needs for its islands; "" when it has none. */
export function islandScripts(state: IslandRenderState, assets: IslandAssets): string {
  if (state.islands.length === 0) return "";
  const urls: Record<string, string> = {};
  for (const { name } of state.islands) {
    const url = assets.manifest[name];
    if (!url) throw new Error(`Island "${name}" has no built module; is web/islands/${name}.tsx in the build?`);
    urls[name] = url;
  }
  // One payload for all islands so a signal given to two islands is encoded once and shared after revival.
  const payload: IslandsPayload = { urls, props: state.islands.map((i) => i.props) };
  const json = escapeForScript(encodeProps(payload, "islands payload"));
  const preloads = Object.values(urls).map((u) => `<link rel="modulepreload" href="${attr(u)}">`).join("");
  return `${preloads}<script type="application/json" id="${ISLANDS_DATA_ID}">${json}</script>` +
    `<script type="module" src="${attr(assets.runtime)}"></script>`;
}

function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

function injectBeforeBodyEnd(html: string, snippet: string): string {
  if (!snippet) return html;
  const at = html.lastIndexOf("</body>");
  return at < 0 ? html + snippet : html.slice(0, at) + snippet + html.slice(at);
}

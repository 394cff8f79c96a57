/**
 * The browser runtime: reads the page's islands payload, loads each island's module and hydrates its marker.
 * Loaded as `<script type="module">` only on pages that render islands.
 */
import { h, hydrate } from "preact";
import { decodeProps } from "./codec.ts";

/** Shape written by renderPage (web/lib/render.tsx); kept local so the bundle has no server imports. */
interface IslandsPayload {
  urls: Record<string, string>;
  props: Record<string, unknown>[];
}

async function main(): Promise<void> {
  const data = document.getElementById("bs-islands");
  if (!data?.textContent) return;
  const payload = decodeProps(data.textContent) as IslandsPayload;
  const markers = Array.from(document.querySelectorAll<HTMLElement>("bs-island[data-island]"));
  // Load all modules in parallel, then hydrate in document order.
  const modules = await Promise.all(markers.map((el) => import(payload.urls[el.dataset.island ?? ""])));
  markers.forEach((el, i) => {
    const props = payload.props[Number(el.dataset.index)] ?? {};
    hydrate(h(modules[i].default, props), el);
    el.dataset.hydrated = "1";
  });
  // Each island marks the page ready in its own effect (islands/hooks.ts), which runs after hydration.
}

main().catch((err) => {
  // Leave the server-rendered HTML usable and say why it is not interactive.
  console.error("BeatSight islands failed to start:", err);
  document.documentElement.dataset.islandsError = String(err?.message ?? err);
});

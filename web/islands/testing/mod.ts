/** Test-only islands (not in the app build: discovery only takes PascalCase files directly in web/islands/). */
import { join } from "node:path";
import { ISLANDS_DIR } from "../../build.ts";

/** Island name -> source, for `buildIslands({ islands: TEST_ISLANDS })`. */
export const TEST_ISLANDS: Record<string, string> = {
  CountButton: join(ISLANDS_DIR, "testing", "CountButton.tsx"),
  CountView: join(ISLANDS_DIR, "testing", "CountView.tsx"),
};

/** Chromium flags for browser tests in a sandbox-less CI container. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Test-only islands (not in the app build: discovery only takes PascalCase files directly in web/islands/). */
import { join } from "node:path";
import { ISLANDS_DIR } from "../../build.ts";

/** Island name -> source, for `buildIslands({ islands: TEST_ISLANDS })`. */
export const TEST_ISLANDS: Record<string, string> = {
  CountButton: join(ISLANDS_DIR, "testing", "CountButton.tsx"),
  CountView: join(ISLANDS_DIR, "testing", "CountView.tsx"),
};

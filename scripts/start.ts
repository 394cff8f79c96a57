/**
 * `deno task start`: the whole app on embedded defaults — stand-ins for whatever env does not configure, web on
 * http://127.0.0.1:8000 (PORT), inference on 8787 (INFERENCE_PORT), and a seeded demo song with its AI drum map.
 */
import { DEFAULT_INFERENCE_PORT, DEFAULT_WEB_PORT, launchStack } from "./stack.ts";
import { seedDemo } from "./seed_demo.ts";

const env = Deno.env.toObject();
const dataDir = env.BEATSIGHT_DATA_DIR ?? new URL("../.data", import.meta.url).pathname;
const stack = await launchStack({
  dataDir,
  env,
  webPort: Number(env.PORT ?? DEFAULT_WEB_PORT),
  inferencePort: Number(env.INFERENCE_PORT ?? DEFAULT_INFERENCE_PORT),
  restartInference: true,
  logs: "inherit",
});
console.error(`[stack] web:       ${stack.webUrl}`);
console.error(`[stack] inference: ${stack.inferenceUrl}`);
if (stack.env.MAIL_INBOX_URL) {
  console.error(`[stack] mail inbox: ${stack.env.MAIL_INBOX_URL} (verification and reset emails)`);
}
if (stack.env.OIDC_ISSUER) console.error(`[stack] OIDC issuer: ${stack.env.OIDC_ISSUER} ("Sign in with" on /signin)`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.error("[stack] stopping…");
  await stack.stop();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);

try {
  const demo = await seedDemo(stack.webUrl, dataDir);
  console.error(
    `[stack] demo song: ${stack.webUrl}/songs/${demo.songId}  (map: ${stack.webUrl}/songs/${demo.songId}/map)`,
  );
} catch (err) {
  console.error(`[stack] could not seed the demo song: ${(err as Error).message}`);
}
console.error(`[stack] ready: open ${stack.webUrl} (Ctrl-C stops everything)`);

import assert from "node:assert/strict";
import { discoverIslands } from "../build.ts";
import { APP_ISLANDS } from "./mod.ts";

Deno.test("APP_ISLANDS - names every island file the build finds, and nothing else", async () => {
  assert.deepEqual(Object.keys(APP_ISLANDS).sort(), Object.keys(await discoverIslands()).sort());
  for (const [name, component] of Object.entries(APP_ISLANDS)) assert.equal(component.name, name);
});

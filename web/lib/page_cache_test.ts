import assert from "node:assert/strict";
import { cutToken, PageCache, withToken } from "./page_cache.ts";

Deno.test("page cache - a page cut around its token is rebuilt with another token, byte for byte", () => {
  const html = `<meta content="TOKEN-A"><p>ünïcode</p><input value="TOKEN-A">`;
  const page = cutToken(html, "TOKEN-A");
  assert.equal(page.parts.length, 3);
  assert.equal(new TextDecoder().decode(withToken(page, "tok-B")), html.replaceAll("TOKEN-A", "tok-B"));
  assert.equal(new TextDecoder().decode(withToken(cutToken("<p>no token</p>", ""), "x")), "<p>no token</p>");
});

Deno.test("page cache - entries expire after the TTL and the oldest goes first when full", () => {
  let now = 0;
  const cache = new PageCache(1000, 2, () => now);
  const page = cutToken("<p>a</p>", "");
  cache.set("/a", page);
  cache.set("/b", page);
  cache.set("/c", page);
  assert.equal(cache.get("/a"), undefined, "evicted");
  assert.equal(cache.get("/b"), page);
  now = 1000;
  assert.equal(cache.get("/b"), undefined, "expired");
  assert.equal(new PageCache(0).size, 0);
  const off = new PageCache(0);
  off.set("/a", page);
  assert.equal(off.get("/a"), undefined, "a TTL of 0 keeps nothing");
});

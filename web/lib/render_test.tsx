import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { decodeProps, Island } from "./islands.ts";
import { type IslandsPayload, renderPage } from "./render.tsx";

const assets = {
  manifest: { Shout: "/static/build/Shout-AAAAAAAA.js" },
  runtime: "/static/build/runtime-BBBBBBBB.js",
};
const Shout = ({ text }: { text: string }) => <b>{text.toUpperCase()}</b>;

Deno.test("renderPage - a page without islands ships no script tag", () => {
  const html = renderPage(
    <html>
      <body>
        <h1>Plain</h1>
      </body>
    </html>,
    { assets, registry: { Shout } },
  );
  assert.ok(html.startsWith("<!DOCTYPE html><html>"));
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /modulepreload/);
});

Deno.test("renderPage - one payload for all islands, hostile strings stay inside it", () => {
  const shared = signal(1);
  const html = renderPage(
    <html>
      <body>
        <Island name="Shout" props={{ text: "</script><script>alert(1)</script>", n: shared }} />
        <p>between</p>
        <Island name="Shout" props={{ text: "two", n: shared }} />
      </body>
    </html>,
    { assets, registry: { Shout } },
  );
  assert.equal(html.match(/<script/g)?.length, 2, "one JSON payload + one runtime module");
  assert.equal(html.match(/rel="modulepreload"/g)?.length, 1);
  const json = /<script type="application\/json" id="bs-islands">(.*?)<\/script>/s.exec(html)?.[1];
  assert.ok(json);
  const payload = decodeProps(json) as IslandsPayload;
  assert.deepEqual(payload.urls, { Shout: assets.manifest.Shout });
  assert.equal(payload.props.length, 2);
  assert.equal(payload.props[0].text, "</script><script>alert(1)</script>");
  assert.equal(payload.props[0].n, payload.props[1].n, "the shared signal is one signal after revival");
  // The server render escaped the text in the HTML itself.
  assert.match(html, /<b>&lt;\/SCRIPT>&lt;SCRIPT>ALERT\(1\)&lt;\/SCRIPT><\/b>/);
});

Deno.test("renderPage - an island nested in an island is not a second marker", () => {
  const Outer = () => (
    <div>
      <Island name="Shout" props={{ text: "inner" }} />
    </div>
  );
  const html = renderPage(
    <body>
      <Island name="Outer" />
    </body>,
    {
      assets: { ...assets, manifest: { ...assets.manifest, Outer: "/static/build/Outer-CCCCCCCC.js" } },
      registry: { Shout, Outer },
    },
  );
  assert.equal(html.match(/<bs-island/g)?.length, 1);
  assert.match(html, /<b>INNER<\/b>/);
});

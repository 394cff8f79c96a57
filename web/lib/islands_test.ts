import assert from "node:assert/strict";
import { computed, type Signal, signal } from "@preact/signals";
import { h } from "preact";
import { decodeProps, encodeProps, escapeForScript, Island, IslandPropsError } from "./islands.ts";
import { renderPage } from "./render.tsx";

Deno.test("islands codec - round trips primitives, objects, Date, URL, Map, Set, Uint8Array", () => {
  const value = {
    s: "héllo \u2028 </script>",
    n: 1.5,
    zero: -0,
    nan: NaN,
    inf: -Infinity,
    u: undefined,
    nul: null,
    b: false,
    big: 12345678901234567890n,
    arr: [1, "two", [3]],
    date: new Date("2024-05-06T07:08:09.010Z"),
    url: new URL("https://example.com/a?b=c#d"),
    map: new Map<unknown, unknown>([["k", 1], [2, { deep: true }]]),
    set: new Set(["a", "b"]),
    bytes: new Uint8Array([0, 1, 254, 255]),
  };
  const back = decodeProps(encodeProps(value)) as typeof value;
  assert.deepEqual(back, value);
  assert.ok(Object.is(back.zero, -0));
  assert.ok(back.date instanceof Date && back.url instanceof URL && back.bytes instanceof Uint8Array);
  assert.ok("u" in back && back.u === undefined);
});

Deno.test("islands codec - a signal revives as a signal, shared references stay shared", () => {
  const count = signal(3);
  const shared = { label: "x" };
  const back = decodeProps(encodeProps({ a: count, b: count, c: shared, d: shared })) as {
    a: Signal<number>;
    b: Signal<number>;
    c: object;
    d: object;
  };
  assert.equal(back.a.value, 3);
  assert.equal(back.a, back.b, "one signal in, one signal out");
  assert.equal(back.c, back.d);
  back.a.value = 7;
  assert.equal(back.b.value, 7);
});

Deno.test("islands codec - a computed is sent as its current value and signals may hold objects", () => {
  const base = signal({ n: 2 });
  const double = computed(() => base.value.n * 2);
  const back = decodeProps(encodeProps({ base, double })) as { base: Signal<{ n: number }>; double: Signal<number> };
  assert.deepEqual(back.base.value, { n: 2 });
  assert.equal(back.double.value, 4);
});

Deno.test("islands codec - cycles survive", () => {
  const node: { self?: unknown; list: unknown[] } = { list: [] };
  node.self = node;
  node.list.push(node);
  const back = decodeProps(encodeProps(node)) as typeof node;
  assert.equal(back.self, back);
  assert.equal(back.list[0], back);
});

Deno.test("islands codec - functions, class instances and JSX are rejected with the path", () => {
  assert.throws(() => encodeProps({ handlers: { onClick: () => 1 } }, 'island "X" props'), (err: Error) => {
    assert.ok(err instanceof IslandPropsError);
    assert.match(err.message, /island "X" props: props\.handlers\.onClick is a function/);
    return true;
  });
  class Thing {}
  assert.throws(() => encodeProps({ t: new Thing() }), /props\.t is a Thing instance/);
  assert.throws(() => encodeProps({ child: h("b", null, "x") }), /props\.child is JSX/);
  assert.throws(() => encodeProps({ s: Symbol("x") }), /symbol/);
});

Deno.test("islands codec - escaping keeps </script>, <!-- and U+2028/9 out of the inlined text", () => {
  const evil = { s: "</script><script>alert(1)</script><!-- \u2028\u2029" };
  const text = escapeForScript(encodeProps(evil));
  assert.doesNotMatch(text, /</);
  assert.doesNotMatch(text, /[\u2028\u2029]/);
  assert.deepEqual(decodeProps(text), evil);
});

Deno.test("islands codec - malformed input fails clearly", () => {
  assert.throws(() => decodeProps('{"a":1}'), IslandPropsError);
  assert.throws(() => decodeProps('[1,["Nope"]]'), /Unknown island props tag "Nope"/);
});

const Counter = ({ start }: { start: number }) => h("span", { class: "count" }, String(start));
const assets = {
  manifest: { Counter: "/static/build/Counter-AAAAAAAA.js" },
  runtime: "/static/build/runtime-BBBBBBBB.js",
};

Deno.test("Island - renders the component inside a marker and registers its props", () => {
  const page = h("html", null, h("body", null, h(Island, { name: "Counter", props: { start: 5 } })));
  const html = renderPage(page, { assets, registry: { Counter } });
  assert.match(html, /<bs-island data-island="Counter" data-index="0"><span class="count">5<\/span><\/bs-island>/);
  assert.match(
    html,
    /<script type="application\/json" id="bs-islands">.*<\/script><script type="module" src="\/static\/build\/runtime-BBBBBBBB.js"><\/script><\/body>/,
  );
});

Deno.test("Island - a function prop fails the render naming the island", () => {
  const page = h("body", null, h(Island, { name: "Counter", props: { start: 1, onClick: () => {} } }));
  assert.throws(
    () => renderPage(page, { assets, registry: { Counter } }),
    /island "Counter" props: props\.onClick is a function/,
  );
});

Deno.test("Island - an unknown island or one outside renderPage fails loudly", () => {
  assert.throws(
    () => renderPage(h(Island, { name: "Nope" }), { assets, registry: { Counter } }),
    /Unknown island "Nope"/,
  );
  assert.throws(
    () =>
      renderPage(h(Island, { name: "Counter", props: { start: 1 } }), {
        assets: { manifest: {}, runtime: "/r.js" },
        registry: { Counter },
      }),
    /no built module/,
  );
});

/**
 * A micro-cache for pages as anonymous visitors see them (the catalogue's song and map pages): a rendered page is
 * reused for a few seconds, so a popular map costs one render per TTL instead of one per visitor. Signed-in visitors
 * always get a fresh render (their pages carry their own state). The page's CSRF token is the only per-visitor
 * part of an anonymous page; it is stored as a placeholder and filled in per response.
 */

/** Stands in for the visitor's CSRF token inside a cached page. */
export const CSRF_PLACEHOLDER = "\u0000csrf\u0000";

interface Entry {
  html: string;
  expiresAt: number;
}

/** Rendered pages by path, each kept `ttlMs` [ms], at most `maxEntries` (oldest dropped). One per web process. */
export class PageCache {
  readonly #entries = new Map<string, Entry>();
  constructor(readonly ttlMs: number, readonly maxEntries = 512, readonly now: () => number = Date.now) {}

  /** The cached page for `key`, or undefined when absent or expired. */
  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.html;
  }

  set(key: string, html: string): void {
    if (this.ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { html, expiresAt: this.now() + this.ttlMs });
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }
}

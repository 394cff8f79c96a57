/**
 * A micro-cache for pages as anonymous visitors see them (the catalogue's song and map pages): a rendered page is
 * reused for a few seconds, so a popular map costs one render per TTL instead of one per visitor. Signed-in visitors
 * always get a fresh render (their pages carry their own state). The page's CSRF token is the only per-visitor
 * part of an anonymous page: the page is kept as UTF-8 bytes split around it, and a hit only copies the parts and
 * the visitor's token into one buffer (no re-encoding, no search through the page).
 */

/** A cached page: its bytes with the CSRF token cut out at every place it appeared. */
export interface CachedPage {
  parts: Uint8Array[];
  /** Total bytes of the parts. */
  size: number;
}

interface Entry {
  page: CachedPage;
  expiresAt: number;
}

const encoder = new TextEncoder();

/** Splits `html` around every occurrence of `token` (no token: one part). */
export function cutToken(html: string, token: string): CachedPage {
  const parts = (token ? html.split(token) : [html]).map((p) => encoder.encode(p));
  return { parts, size: parts.reduce((n, p) => n + p.length, 0) };
}

/** The page's bytes with `token` put back where it was cut out. */
export function withToken(page: CachedPage, token: string): Uint8Array<ArrayBuffer> {
  const tokenBytes = encoder.encode(token);
  const out = new Uint8Array(page.size + tokenBytes.length * (page.parts.length - 1));
  let at = 0;
  page.parts.forEach((part, i) => {
    if (i > 0) {
      out.set(tokenBytes, at);
      at += tokenBytes.length;
    }
    out.set(part, at);
    at += part.length;
  });
  return out;
}

/** Rendered pages by path, each kept `ttlMs` [ms], at most `maxEntries` (oldest dropped). One per web process. */
export class PageCache {
  readonly #entries = new Map<string, Entry>();
  constructor(readonly ttlMs: number, readonly maxEntries = 512, readonly now: () => number = Date.now) {}

  /** The cached page for `key`, or undefined when absent or expired. */
  get(key: string): CachedPage | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.page;
  }

  set(key: string, page: CachedPage): void {
    if (this.ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { page, expiresAt: this.now() + this.ttlMs });
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * The catalogue search: a plain GET form (works without JavaScript) and the result list. Shared by the server
 * render of the home page and the SearchBox island, which re-renders the list as the visitor types.
 */
import type { CatalogueItem } from "../routes/api/catalogue.ts";

/** `seconds` as m:ss (kept here, not imported from MapSummary, so the island bundle stays free of the .bsm schema). */
function mmss(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Props of {@link SearchForm}. */
export interface SearchFormProps {
  q: string;
  verified: boolean;
  /** Called on every keystroke / toggle by the island; absent on the server. */
  onChange?: (q: string, verified: boolean) => void;
}

/** `GET /?q=&verified=1`: the search field, the verified filter and a submit button for no-JS visitors. */
export function SearchForm({ q, verified, onChange }: SearchFormProps) {
  return (
    <form
      method="get"
      action="/"
      role="search"
      class="search"
      onSubmit={onChange ? (e) => e.preventDefault() : undefined}
    >
      <label class="field" for="catalogue-q">Search songs by title or artist</label>
      <div class="search-row">
        <input
          id="catalogue-q"
          type="search"
          name="q"
          value={q}
          maxLength={100}
          autoComplete="off"
          data-testid="search-input"
          onInput={onChange && ((e) => onChange(e.currentTarget.value, verified))}
        />
        <button type="submit" class="button">Search</button>
      </div>
      <label class="check">
        <input
          type="checkbox"
          name="verified"
          value="1"
          checked={verified}
          data-testid="verified-filter"
          onChange={onChange && ((e) => onChange(q, e.currentTarget.checked))}
        />
        Only verified maps
      </label>
    </form>
  );
}

/** Props of {@link CatalogueResults}. */
export interface CatalogueResultsProps {
  items: CatalogueItem[];
  /** Link to the next page, or null on the last. */
  nextHref: string | null;
  q: string;
}

/** The result list (`search-results`), with a verified badge per song and a "More" link for the next page. */
export function CatalogueResults({ items, nextHref, q }: CatalogueResultsProps) {
  return (
    <section aria-live="polite" data-testid="search-results" data-count={items.length}>
      {items.length === 0
        ? <p class="muted">{q ? `No songs match “${q}” yet. Upload it below and be the first.` : "No maps yet."}</p>
        : (
          <ul class="results">
            {items.map((item) => (
              <li key={item.id}>
                <a class="result" href={item.url} data-testid="search-result">
                  <span class="result-title">{item.title || "Untitled song"}</span>
                  <span class="muted">
                    {item.artist || "Unknown artist"}
                    {item.durationSec ? ` · ${mmss(item.durationSec)}` : ""}
                    {item.bpm ? ` · ${Math.round(item.bpm)} bpm` : ""}
                  </span>
                  {item.verified ? <span class="badge badge-verified">Verified</span> : null}
                </a>
              </li>
            ))}
          </ul>
        )}
      {nextHref ? <a class="button" href={nextHref} data-testid="search-more">More results</a> : null}
    </section>
  );
}

/** The home URL of a search (and page), as the no-JS form would produce it. */
export function searchHref(q: string, verified: boolean, cursor?: string | null): string {
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  if (verified) params.set("verified", "1");
  if (cursor) params.set("cursor", cursor);
  const query = params.toString();
  return query ? `/?${query}` : "/";
}

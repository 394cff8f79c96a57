/**
 * As-you-type catalogue search. The server renders the same form and results (components/Catalogue.tsx), so the
 * search works without JavaScript; hydrated, each keystroke (debounced) asks `GET /api/v1/songs` and the list and
 * the address bar follow. Out-of-order answers are dropped.
 */
import { useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import { CatalogueResults, SearchForm, searchHref } from "../components/Catalogue.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import type { CatalogueItem } from "../routes/api/catalogue.ts";
import { api, errorText } from "./api.ts";
import { useHydrated } from "./hooks.ts";

/** Wait after the last keystroke before searching [ms]. */
export const SEARCH_DEBOUNCE_MS = 200;

/** Props of {@link SearchBox}: the server's first page. */
export interface SearchBoxProps {
  q: string;
  verified: boolean;
  items: CatalogueItem[];
  nextCursor: string | null;
}

/** The search form and its live results. */
export default function SearchBox(props: SearchBoxProps) {
  useHydrated();
  const q = useSignal(props.q);
  const verified = useSignal(props.verified);
  const items = useSignal(props.items);
  const nextCursor = useSignal(props.nextCursor);
  const error = useSignal<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(0);

  const search = async (text: string, onlyVerified: boolean) => {
    const ticket = ++latest.current;
    const params = new URLSearchParams({ q: text, verified: onlyVerified ? "1" : "0" });
    try {
      const page = await api<{ items: CatalogueItem[]; nextCursor: string | null }>(`/api/v1/songs?${params}`);
      if (ticket !== latest.current) return;
      items.value = page.items;
      nextCursor.value = page.nextCursor;
      error.value = null;
      history.replaceState(null, "", searchHref(text.trim(), onlyVerified));
    } catch (err) {
      if (ticket === latest.current) error.value = errorText(err);
    }
  };

  const onChange = (text: string, onlyVerified: boolean) => {
    q.value = text;
    verified.value = onlyVerified;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => search(text, onlyVerified), SEARCH_DEBOUNCE_MS);
  };

  return (
    <div class="stack">
      <SearchForm q={q.value} verified={verified.value} onChange={onChange} />
      <ErrorBox message={error.value} />
      <CatalogueResults
        items={items.value}
        q={q.value.trim()}
        nextHref={nextCursor.value ? searchHref(q.value.trim(), verified.value, nextCursor.value) : null}
      />
    </div>
  );
}

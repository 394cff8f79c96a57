/** The public catalogue: songs that have a map (docs: songs join the catalogue once they have one). */
import type { Db } from "./db_types.ts";
import { type Song, toSong } from "./songs.ts";

/** A catalogue entry: the song plus whether a verified map exists for it. */
export interface CatalogueEntry {
  song: Song;
  verified: boolean;
}

/** Filters and page of {@link searchCatalogue}. */
export interface CatalogueQuery {
  /** Case-insensitive substring of "title artist"; empty lists everything. */
  q?: string;
  /** Only songs with a verified map (their own or canonical). */
  verified?: boolean;
  limit: number;
  /** Id of the last song of the previous page (keyset on created_at desc, id desc). */
  afterId?: string | null;
}

/** Escapes LIKE wildcards so a search for "50%" means the characters, not a pattern. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => "\\" + c);
}

/** One page of the catalogue, newest first; fetches `limit + 1` so the caller knows whether more follow. */
export async function searchCatalogue(db: Db, query: CatalogueQuery): Promise<CatalogueEntry[]> {
  const q = query.q?.trim().toLowerCase() ?? "";
  const rows = await db`
    select s.*, (s.canonical_map_id is not null or exists (
        select 1 from maps v where v.song_id = s.id and v.status = 'verified')) as verified
    from songs s
    where exists (select 1 from maps m where m.song_id = s.id and m.status <> 'archived'
                  and m.current_version_id is not null)
      ${q ? db`and s.search_text like ${"%" + likeEscape(q) + "%"}` : db``}
      ${
    query.verified
      ? db`and (s.canonical_map_id is not null
              or exists (select 1 from maps v where v.song_id = s.id and v.status = 'verified'))`
      : db``
  }
      ${
    query.afterId ? db`and (s.created_at, s.id) < (select created_at, id from songs where id = ${query.afterId})` : db``
  }
    order by s.created_at desc, s.id desc limit ${query.limit + 1}`;
  return rows.map((r) => ({ song: toSong(r), verified: r.verified }));
}

/** The pages sub-app lives in web/routes/pages/ (one file per page); this module keeps the old import path working. */
export { GUEST_NAME, IMMUTABLE_CACHE, pages, SHORT_CACHE, STATIC_DIR, toJobView } from "./pages/index.ts";

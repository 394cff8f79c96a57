/** The page shell: document head, site header, main column, footer. Server-only. */
import type { ComponentChildren } from "preact";
import { useContext } from "preact/hooks";
import { Island, IslandContext } from "../lib/islands.ts";
import { AccountMenu, CsrfMeta } from "./auth/AccountMenu.tsx";

/** Props of {@link Layout}. */
export interface LayoutProps {
  /** Page title; " · BeatSight" is appended. */
  title: string;
  children: ComponentChildren;
  /** Reload the page every this many [seconds] (for states that change without an island), off by default. */
  refreshSec?: number;
}

/** The web app manifest (web/routes/pages/pwa.ts). */
export const MANIFEST_URL = "/manifest.webmanifest";
/** Browser UI colour; the manifest uses the same. */
export const THEME_COLOR = "#1d4ed8";

/**
 * The ServiceWorker island, only when the page already loads islands: rendered last in the body, it sees every
 * island the page rendered before it, so a page without islands keeps shipping no JavaScript at all.
 */
function ServiceWorkerRegistration() {
  const { state } = useContext(IslandContext);
  return state && state.islands.length > 0 ? <Island name="ServiceWorker" /> : null;
}

/** Stylesheet URL; small and unhashed, so served with a short cache lifetime. */
export const STYLESHEET_URL = "/static/app.css";

/** A full HTML document around `children`. */
export function Layout({ title, children, refreshSec }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {refreshSec ? <meta http-equiv="refresh" content={String(refreshSec)} /> : null}
        <title>{`${title} · BeatSight`}</title>
        <link rel="stylesheet" href={STYLESHEET_URL} />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="manifest" href={MANIFEST_URL} />
        <link rel="apple-touch-icon" href="/static/icons/icon-192.png" />
        <meta name="theme-color" content={THEME_COLOR} />
        <CsrfMeta />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site-header">
          <a class="brand" href="/">BeatSight</a>
          <nav class="site-nav" aria-label="Site">
            <a href="/">Search</a>
            <a href="/library">Library</a>
          </nav>
          <AccountMenu />
        </header>
        <main id="main" class="page">{children}</main>
        <footer class="site-footer muted">AI-drafted drum charts, fixed by drummers.</footer>
        <ServiceWorkerRegistration />
      </body>
    </html>
  );
}

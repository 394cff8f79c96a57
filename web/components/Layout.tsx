/** The page shell: document head, site header, main column, footer. Server-only. */
import type { ComponentChildren } from "preact";
import { AccountMenu, CsrfMeta } from "./auth/AccountMenu.tsx";

/** Props of {@link Layout}. */
export interface LayoutProps {
  /** Page title; " · BeatSight" is appended. */
  title: string;
  children: ComponentChildren;
  /** Reload the page every this many [seconds] (for states that change without an island), off by default. */
  refreshSec?: number;
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
        <CsrfMeta />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site-header">
          <a class="brand" href="/">BeatSight</a>
          <AccountMenu />
        </header>
        <main id="main" class="page">{children}</main>
        <footer class="site-footer muted">AI-drafted drum charts, fixed by drummers.</footer>
      </body>
    </html>
  );
}

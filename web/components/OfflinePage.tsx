/** `/offline`: what the service worker shows for a page it cannot fetch and has not cached. Server-only. */
import { Layout } from "./Layout.tsx";

/** The offline fallback page. */
export function OfflinePage() {
  return (
    <Layout title="Offline">
      <h1>You are offline</h1>
      <p data-testid="offline">
        This page is not saved on this device. Maps you saved to your <a href="/library">library</a>{" "}
        open without a connection; everything else comes back when you are online again.
      </p>
    </Layout>
  );
}

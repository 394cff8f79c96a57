/**
 * The app's islands by name, for server rendering (`renderPage({ registry: APP_ISLANDS })`). The build finds the
 * same files by name (web/build.ts discoverIslands); web/islands/islands_registry_test.ts keeps the two in step.
 */
import type { IslandRegistry } from "../lib/islands.ts";
import GenerateButton from "./GenerateButton.tsx";
import JobProgress from "./JobProgress.tsx";
import Notifications from "./Notifications.tsx";
import Player from "./Player.tsx";
import SaveMapButton from "./SaveMapButton.tsx";
import SearchBox from "./SearchBox.tsx";
import ServiceWorker from "./ServiceWorker.tsx";
import Uploader from "./Uploader.tsx";

/** Island name (file name) -> component. */
export const APP_ISLANDS: IslandRegistry = {
  GenerateButton,
  JobProgress,
  Notifications,
  Player,
  SaveMapButton,
  SearchBox,
  ServiceWorker,
  Uploader,
};

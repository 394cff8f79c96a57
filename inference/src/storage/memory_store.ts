/**
 * An `ArtifactStore` in process memory: for tests and for one-off local runs where S3 is not wanted.
 * Bytes are copied in and out so callers cannot change stored artifacts by mutating their buffers.
 */
import type { ArtifactStore } from "../pipeline/types.ts";

/** A stored object. */
export interface MemoryObject {
  bytes: Uint8Array;
  contentType: string;
}

/** Map-backed artifact store; `get` of a missing key throws `ArtifactNotFoundError`. */
export class MemoryStore implements ArtifactStore {
  readonly objects = new Map<string, MemoryObject>();

  put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    this.objects.set(key, { bytes: bytes.slice(), contentType });
    return Promise.resolve();
  }

  get(key: string): Promise<Uint8Array> {
    const found = this.objects.get(key);
    if (!found) return Promise.reject(new ArtifactNotFoundError(key));
    return Promise.resolve(found.bytes.slice());
  }

  exists(key: string): Promise<boolean> {
    return Promise.resolve(this.objects.has(key));
  }
}

/** The artifact a stage needs is not in the store (an earlier stage did not run, or it was deleted). */
export class ArtifactNotFoundError extends Error {
  override name = "ArtifactNotFoundError";
  constructor(readonly key: string) {
    super(
      `Artifact "${key}" is not in the store; re-run the stage that writes it.`,
    );
  }
}

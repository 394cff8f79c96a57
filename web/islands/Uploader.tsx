/**
 * Upload a song: pick or drop an audio file, check it here (type, size), get a presigned PUT from the API, send
 * the bytes straight to S3 with XHR (for real progress events), register the song, then open its page.
 */
import { useSignal } from "@preact/signals";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { ProgressBar } from "../components/ProgressBar.tsx";
import { api, ApiError } from "./api.ts";
import { useApiAction, useHydrated } from "./hooks.ts";
import { checkAudioFile } from "./upload_check.ts";

/** Props of {@link Uploader}. */
export interface UploaderProps {
  /** Largest accepted file [bytes] (MAX_UPLOAD_BYTES). */
  maxBytes: number;
}

interface PresignedUpload {
  uploadId: string;
  url: string;
  method: "PUT";
  headers: Record<string, string>;
}

/** PUTs `file` to a presigned URL, reporting progress 0..100 [percent]. */
function putWithProgress(target: PresignedUpload, file: File, onProgress: (pct: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    for (const [name, value] of Object.entries(target.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(new ApiError(xhr.status, `The file store refused the upload (${xhr.status}). Please try again.`));
    xhr.onerror = () => reject(new ApiError(0, "The upload was interrupted. Check your connection and try again."));
    xhr.send(file);
  });
}

/** The upload form. */
export default function Uploader({ maxBytes }: UploaderProps) {
  useHydrated();
  const file = useSignal<File | null>(null);
  const { busy, error, run } = useApiAction();
  const progress = useSignal<number | null>(null);
  const dragging = useSignal(false);
  const title = useSignal("");
  const artist = useSignal("");

  const choose = (picked: File | undefined | null) => {
    if (!picked) return;
    const problem = checkAudioFile(picked, maxBytes);
    error.value = problem;
    file.value = problem ? null : picked;
    if (!problem && !title.value) title.value = picked.name.replace(/\.[^.]+$/, "");
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const chosen = file.value;
    if (!chosen) return void (error.value = "Choose an audio file first.");
    progress.value = 0;
    const ok = await run(async () => {
      const contentType = chosen.type || "application/octet-stream";
      const target = await api<PresignedUpload>("/api/v1/uploads", {
        body: { filename: chosen.name, contentType, sizeBytes: chosen.size },
      });
      await putWithProgress(target, chosen, (pct) => (progress.value = pct));
      const { song } = await api<{ song: { id: string } }>("/api/v1/songs", {
        body: {
          uploadId: target.uploadId,
          title: title.value.trim() || undefined,
          artist: artist.value.trim() || undefined,
        },
      });
      location.assign(`/songs/${encodeURIComponent(song.id)}`);
    });
    if (!ok) progress.value = null;
  };

  return (
    <form class="card stack" onSubmit={submit} noValidate>
      <label
        class={dragging.value ? "dropzone dragging" : "dropzone"}
        onDragOver={(e) => {
          e.preventDefault();
          dragging.value = true;
        }}
        onDragLeave={() => (dragging.value = false)}
        onDrop={(e) => {
          e.preventDefault();
          dragging.value = false;
          choose(e.dataTransfer?.files[0]);
        }}
      >
        <span class="dropzone-title">{file.value ? file.value.name : "Drop a song here, or choose a file"}</span>
        <span class="muted">MP3, WAV, FLAC, OGG, M4A or AAC, up to {Math.floor(maxBytes / 1048576)} MB</span>
        <input
          type="file"
          accept="audio/*,.mp3,.wav,.flac,.ogg,.oga,.m4a,.aac"
          data-testid="upload-file"
          disabled={busy.value}
          onChange={(e) => choose((e.currentTarget as HTMLInputElement).files?.[0])}
        />
      </label>
      <label class="field">
        Title <span class="muted">(optional)</span>
        <input
          type="text"
          name="title"
          maxLength={200}
          value={title}
          onInput={(e) => (title.value = e.currentTarget.value)}
        />
      </label>
      <label class="field">
        Artist <span class="muted">(optional)</span>
        <input
          type="text"
          name="artist"
          maxLength={200}
          value={artist}
          onInput={(e) => (artist.value = e.currentTarget.value)}
        />
      </label>
      {progress.value !== null && (
        <ProgressBar label="Upload progress" percent={progress.value} testId="upload-progress" />
      )}
      <ErrorBox message={error.value} />
      <button type="submit" class="button primary" disabled={busy.value || !file.value} data-testid="upload-submit">
        {busy.value ? "Uploading…" : "Upload and analyse"}
      </button>
    </form>
  );
}

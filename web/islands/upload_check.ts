/** Client-side checks of a chosen file, so obvious mistakes are caught before any byte is sent. */

/** File name endings the site accepts (the server sniffs the content again). */
export const AUDIO_EXTENSIONS = ["mp3", "wav", "flac", "ogg", "oga", "m4a", "aac"] as const;

/**
 * Why `file` cannot be uploaded, or null when it looks fine.
 * @param maxBytes largest accepted size [bytes]
 */
export function checkAudioFile(file: { name: string; type: string; size: number }, maxBytes: number): string | null {
  const ext = file.name.includes(".") ? file.name.split(".").pop()!.toLowerCase() : "";
  const typeOk = file.type.startsWith("audio/") || (AUDIO_EXTENSIONS as readonly string[]).includes(ext);
  if (!typeOk) {
    return `"${file.name}" does not look like an audio file. Choose an MP3, WAV, FLAC, OGG, M4A or AAC file.`;
  }
  if (file.size === 0) return `"${file.name}" is empty.`;
  if (file.size > maxBytes) {
    return `"${file.name}" is ${formatMb(file.size)}; the limit is ${formatMb(maxBytes)}.`;
  }
  return null;
}

/** `bytes` as "12.3 MB" (MiB, as the limit is set). */
export function formatMb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

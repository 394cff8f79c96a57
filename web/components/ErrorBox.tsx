/** The one way errors are shown on a page or in an island (`data-testid="error"`, announced to screen readers). */

/** Props of {@link ErrorBox}. */
export interface ErrorBoxProps {
  /** The message; nothing renders when empty. */
  message: string | null | undefined;
}

/** A visible, assertive alert with the message, or nothing. */
export function ErrorBox({ message }: ErrorBoxProps) {
  if (!message) return null;
  return (
    <div class="error" role="alert" data-testid="error">
      {message}
    </div>
  );
}

/** The account emails: text and HTML bodies with one link each. */
import type { Mail } from "../mailer.ts";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function linkMail(to: string, subject: string, intro: string, action: string, link: string, outro: string): Mail {
  return {
    to,
    subject,
    text: `${intro}\n\n${action}:\n${link}\n\n${outro}\n\n— BeatSight`,
    html: `<p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>` +
      `<p>${escapeHtml(outro)}</p><p>— BeatSight</p>`,
  };
}

/** "Confirm your email" with the verification link, valid `hours`. */
export function verificationMail(to: string, name: string, link: string, hours: number): Mail {
  return linkMail(
    to,
    "Confirm your email for BeatSight",
    `Hi ${name}, welcome to BeatSight. Please confirm this is your email address.`,
    "Confirm my email",
    link,
    `The link works once and expires in ${hours} hours. If you did not sign up, ignore this email.`,
  );
}

/** "Reset your password" with the reset link, valid `minutes`. */
export function resetMail(to: string, link: string, minutes: number): Mail {
  return linkMail(
    to,
    "Reset your BeatSight password",
    "Someone (hopefully you) asked to reset the password of this BeatSight account.",
    "Choose a new password",
    link,
    `The link works once and expires in ${minutes} minutes. If you did not ask, ignore this email: ` +
      "your password stays as it is.",
  );
}

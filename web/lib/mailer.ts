/**
 * Outgoing mail: nodemailer over SMTP_URL (a real provider in production, devstack/smtp_sink.ts locally), from
 * MAIL_FROM. One transport per config, reused across requests (nodemailer pools nothing unless told; that is fine
 * at our volume).
 */
// @ts-types="npm:@types/nodemailer@8.0.2"
import nodemailer from "nodemailer";
import type { WebConfig } from "./config.ts";

/** One message: a plain-text body and an HTML body saying the same. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends mail. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

const transports = new WeakMap<WebConfig, Mailer>();

/** The mailer for `config` (SMTP_URL, MAIL_FROM), created on first use. */
export function mailerFor(config: WebConfig): Mailer {
  let mailer = transports.get(config);
  if (!mailer) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    mailer = {
      async send(mail) {
        await transport.sendMail({ from: config.mailFrom, ...mail });
      },
    };
    transports.set(config, mailer);
  }
  return mailer;
}

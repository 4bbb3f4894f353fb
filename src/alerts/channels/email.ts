// E-mail through the installation's SMTP server (DMARC_SMTP_URL, or DMARC_SMTP_HOST and the others), sent with
// nodemailer as HTML and plain text (a summary's link: a link in the HTML, its fact line in the text). The
// channel's configuration holds only recipients (no secret); the SMTP password is the installation's and never
// leaves the configuration.
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { PermanentDeliveryError, defineChannel, type SmtpSettings } from './define.js';
import { absoluteLink, factsOf, leadOf, titleOf, type Notification } from './message.js';

const address = z.email('must be an e-mail address').max(254);
const config = z
  .object({
    to: z.union([address.transform((a) => [a]), z.array(address).min(1).max(50)]),
  })
  .strict();
export type EmailConfig = z.infer<typeof config>;

/** Text as HTML (digests reuse it). */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const COLORS = { info: '#2563eb', warning: '#d97706', critical: '#dc2626' } as const;

/** The subject, plain text and HTML of a notification. */
export function emailContent(n: Notification): { subject: string; text: string; html: string } {
  const title = titleOf(n);
  const facts = factsOf(n);
  const text = [
    title,
    '',
    leadOf(n),
    '',
    ...facts.map((f) => `${f.label}: ${f.value}`),
    '',
    '-- DMARC report platform',
  ].join('\n');
  const rows = facts
    .map(
      (f) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`,
    )
    .join('');
  const color = n.event === 'resolved' ? '#16a34a' : COLORS[n.severity];
  const link = absoluteLink(n);
  const open = link ? `<p><a href="${escapeHtml(link)}">Open these alerts</a></p>` : '';
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2 style="color:${color}">${escapeHtml(title)}</h2><p>${escapeHtml(leadOf(n))}</p>` +
    `<table>${rows}</table>${open}<p style="color:#666">DMARC report platform</p></body></html>`;
  return { subject: title, text, html };
}

/** nodemailer's transport options for the installation's SMTP server (digests reuse them). */
export function transportOptions(smtp: SmtpSettings, timeoutMs: number) {
  const timeouts = { connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs };
  if (smtp.url) return { url: smtp.url, ...timeouts };
  return {
    host: smtp.host ?? undefined,
    port: smtp.port ?? (smtp.secure ? 465 : 587),
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    ...timeouts,
  };
}

/** The From address: DMARC_SMTP_FROM, else one at the SMTP host. */
export function fromOf(smtp: SmtpSettings): string {
  if (smtp.from) return smtp.from;
  const host = smtp.host ?? (smtp.url ? new URL(smtp.url).hostname : 'localhost');
  return `DMARC alerts <dmarc@${host}>`;
}

export const emailChannel = defineChannel<EmailConfig>()({
  name: 'email',
  title: 'E-mail (SMTP)',
  config,
  maskConfig: (c) => ({ to: c.to }),
  secrets: () => [],
  targetUrl: () => null,
  send: async (settings, c, n) => {
    const smtp = settings.smtp;
    if (!smtp) throw new PermanentDeliveryError('no SMTP server is configured (DMARC_SMTP_URL or DMARC_SMTP_HOST)');
    const transport = nodemailer.createTransport(transportOptions(smtp, settings.timeoutMs));
    try {
      const { subject, text, html } = emailContent(n);
      await transport.sendMail({ from: fromOf(smtp), to: c.to, subject, text, html });
    } finally {
      transport.close();
    }
  },
});

// Sending digests. A scheduled run (runDigest) sends the most recent due period to each recipient that has not
// had it: it claims the recipient's run row first (digest_runs' unique key), so two schedulers or workers never
// both send it, records the outcome, and a failed send is tried again by the next runs up to MAX_ATTEMPTS times.
// "Send now" (sendDigestNow) sends the last complete period to every recipient at once, whatever was sent
// before, and records nothing in digest_runs (so the scheduled send of that period still happens).
import nodemailer from 'nodemailer';
import { fromOf, transportOptions } from '../../alerts/channels/email.js';
import type { SmtpSettings } from '../../alerts/channels/define.js';
import { scrub } from '../../alerts/channels/index.js';
import type { Queryable } from '../../store/database.js';
import { claimRun, finishRun, type Digest, type DigestRun } from '../../store/digests.js';
import { getOrg } from '../../store/organizations.js';
import { renderReport } from '../pdf/report.js';
import { digestData } from './content.js';
import { duePeriod, lastCompletePeriod, type DigestPeriod } from './period.js';
import { digestEmail, type DigestEmail } from './render.js';

/** Sends of one (digest, period, recipient) before it is given up. */
export const MAX_ATTEMPTS = 3;
/** A run left 'sending' this long was cut off (its process died): it may be claimed again. */
export const STALE_CLAIM_MS = 60 * 60_000;

export interface DigestSettings {
  /** null: no SMTP server configured. */
  smtp: SmtpSettings | null;
  timeoutMs: number;
}

export interface Attachment {
  filename: string;
  content: Buffer;
  contentType: 'application/pdf';
}

export interface PreparedDigest {
  period: DigestPeriod;
  email: DigestEmail;
  attachments: Attachment[];
}

/** The e-mail (and the PDF reports, when the digest attaches them) of one digest for one period. */
export async function prepareDigest(db: Queryable, digest: Digest, period: DigestPeriod): Promise<PreparedDigest> {
  const org = await getOrg(db, digest.orgId);
  const orgName = org?.name ?? '';
  const data = await digestData(db, { orgName, digest, period });
  const attachments: Attachment[] = [];
  if (digest.attachPdf) {
    // the same document as GET /api/export/report.pdf for the period: one for all domains, or one per domain
    for (const domain of digest.domains.length === 0 ? [undefined] : digest.domains) {
      const r = await renderReport(db, {
        orgName,
        filter: {
          orgId: digest.orgId,
          ...(domain !== undefined ? { domain } : {}),
          from: period.start,
          to: period.end,
        },
      });
      attachments.push({ filename: r.fileName, content: r.pdf, contentType: 'application/pdf' });
    }
  }
  const email = digestEmail(data, attachments.length > 0 ? attachments.map((a) => a.filename).join(', ') : null);
  return { period, email, attachments };
}

/** An error as a recipient's outcome may show it: no SMTP password or URL, one line, bounded. */
export function safeError(err: unknown, smtp: SmtpSettings | null): string {
  const text = err instanceof Error ? err.message : String(err);
  return scrub('email', {}, text.replace(/\s+/g, ' '), [smtp?.password, smtp?.url]).slice(0, 300);
}

async function withTransport<T>(
  s: DigestSettings,
  use: (send: (to: string, p: PreparedDigest) => Promise<void>) => Promise<T>,
) {
  const smtp = s.smtp;
  if (!smtp) throw new Error('no SMTP server is configured');
  const transport = nodemailer.createTransport(transportOptions(smtp, s.timeoutMs));
  try {
    return await use(async (to, p) => {
      await transport.sendMail({
        from: fromOf(smtp),
        to,
        subject: p.email.subject,
        text: p.email.text,
        html: p.email.html,
        attachments: p.attachments,
      });
    });
  } finally {
    transport.close();
  }
}

export interface RecipientOutcome {
  recipient: string;
  status: 'sent' | 'failed';
  error: string | null;
}

export interface RunOutcome {
  digestId: number;
  period: DigestPeriod;
  /** The recipients this run claimed (the others had it, or another sender has it now). */
  outcomes: RecipientOutcome[];
}

/** The scheduled send of one digest at `now`: the due period to each recipient that has not had it. */
export async function runDigest(db: Queryable, s: DigestSettings, digest: Digest, now: Date): Promise<RunOutcome> {
  const period = duePeriod(digest.cadence, digest.timeZone, digest.sendHour, now);
  const claimed: DigestRun[] = [];
  for (const recipient of digest.recipients) {
    const run = await claimRun(
      db,
      { orgId: digest.orgId, digestId: digest.id, periodStart: period.start, periodEnd: period.end, recipient },
      { at: now, maxAttempts: MAX_ATTEMPTS, staleBefore: new Date(now.getTime() - STALE_CLAIM_MS) },
    );
    if (run) claimed.push(run);
  }
  if (claimed.length === 0) return { digestId: digest.id, period, outcomes: [] };
  let prepared: PreparedDigest;
  try {
    prepared = await prepareDigest(db, digest, period);
  } catch (err) {
    // the claims are released as failures (the next run tries them again); the caller logs the error
    for (const run of claimed) {
      await finishRun(db, digest.orgId, run.id, { status: 'failed', error: 'the digest could not be prepared' });
    }
    throw err;
  }
  const outcomes: RecipientOutcome[] = [];
  if (!s.smtp) {
    for (const run of claimed) {
      const error = 'no SMTP server is configured (DMARC_SMTP_URL or DMARC_SMTP_HOST)';
      await finishRun(db, digest.orgId, run.id, { status: 'failed', error });
      outcomes.push({ recipient: run.recipient, status: 'failed', error });
    }
    return { digestId: digest.id, period, outcomes };
  }
  await withTransport(s, async (send) => {
    for (const run of claimed) {
      try {
        await send(run.recipient, prepared);
        await finishRun(db, digest.orgId, run.id, { status: 'sent', at: now });
        outcomes.push({ recipient: run.recipient, status: 'sent', error: null });
      } catch (err) {
        const error = safeError(err, s.smtp);
        await finishRun(db, digest.orgId, run.id, { status: 'failed', error });
        outcomes.push({ recipient: run.recipient, status: 'failed', error });
      }
    }
  });
  return { digestId: digest.id, period, outcomes };
}

/** "Send now": the last complete period to every recipient, whatever was sent before; nothing recorded. */
export async function sendDigestNow(db: Queryable, s: DigestSettings, digest: Digest, now: Date): Promise<RunOutcome> {
  const period = lastCompletePeriod(digest.cadence, digest.timeZone, now);
  const prepared = await prepareDigest(db, digest, period);
  const outcomes: RecipientOutcome[] = [];
  await withTransport(s, async (send) => {
    for (const recipient of digest.recipients) {
      try {
        await send(recipient, prepared);
        outcomes.push({ recipient, status: 'sent', error: null });
      } catch (err) {
        outcomes.push({ recipient, status: 'failed', error: safeError(err, s.smtp) });
      }
    }
  });
  return { digestId: digest.id, period, outcomes };
}

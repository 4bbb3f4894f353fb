// The DMARC_CONFIG file's mailboxes other than IMAP: `graph: [...]` (Microsoft 365 through Microsoft Graph),
// `gmail: [...]` (Google Workspace through the Gmail API) and `maildir: [...]` (a local Maildir or plain folder an
// MTA delivers reports to). Each entry is validated here and given its defaults; secrets are never inline in the
// file: they come from files (`...File`) or from environment variables (`...Env`, the variable's name), read when
// the mailbox is fetched so that a rotated secret needs no restart.
import { z } from 'zod';

function orgSlug() {
  return z
    .string()
    .regex(
      /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
      'must be an organisation slug (lower-case letters, digits, hyphens)',
    );
}

const httpUrl = (example: string) =>
  z.string().refine((t) => {
    try {
      return ['http:', 'https:'].includes(new URL(t).protocol);
    } catch {
      return false;
    }
  }, `expected an http(s) URL such as ${example}`);

/** A secret: the path of a file holding it, or the name of an environment variable holding it. */
const secretFields = <K extends string>(key: K) =>
  ({
    [`${key}File`]: z.string().min(1).optional(),
    [`${key}Env`]: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable')
      .optional(),
  }) as Record<`${K}File` | `${K}Env`, z.ZodOptional<z.ZodString>>;

/** Where a secret is read from (never the secret itself). */
export type SecretSource = { file: string } | { env: string };

function secretOf(file: string | undefined, env: string | undefined): SecretSource | null {
  if (file !== undefined) return { file };
  if (env !== undefined) return { env };
  return null;
}

function exactlyOne(ctx: z.RefinementCtx, what: string, ...given: unknown[]): void {
  if (given.filter((x) => x !== undefined).length !== 1) ctx.addIssue({ code: 'custom', message: what });
}

const common = {
  name: z.string().min(1).max(100).optional(),
  org: orgSlug().optional(),
  /** Messages listed per page and imported per round (moved after each round). */
  batchSize: z.number().int().min(1).max(500).optional(),
};

// ---- Microsoft Graph ----

const graphFields = z.strictObject({
  ...common,
  /** Directory (tenant) id or domain. */
  tenant: z.string().regex(/^[A-Za-z0-9.-]{1,100}$/, 'must be a tenant id or domain'),
  clientId: z.string().min(1).max(100),
  ...secretFields('clientSecret'),
  /** Certificate credential: the private key (PEM) and its certificate (PEM, for the x5t thumbprint). */
  certificate: z.strictObject({ keyFile: z.string().min(1), certFile: z.string().min(1) }).optional(),
  /** The mailbox: user principal name or id. */
  user: z.string().min(1).max(320),
  folder: z.string().min(1).optional(),
  processedFolder: z.string().min(1).optional(),
  invalidFolder: z.string().min(1).optional(),
  markRead: z.boolean().optional(),
  delta: z.boolean().optional(),
  authority: httpUrl('https://login.microsoftonline.us').optional(),
  graphUrl: httpUrl('https://graph.microsoft.us/v1.0').optional(),
});

export const graphEntry = graphFields
  .superRefine((e, ctx) => {
    exactlyOne(
      ctx,
      'give exactly one credential: clientSecretFile, clientSecretEnv or certificate',
      e.clientSecretFile,
      e.clientSecretEnv,
      e.certificate,
    );
    const folder = e.folder ?? 'Inbox';
    if (!e.markRead && (e.processedFolder ?? 'DMARC/Processed') === folder)
      ctx.addIssue({
        code: 'custom',
        message: 'the processed folder must differ from the folder read (or set markRead)',
      });
    if ((e.invalidFolder ?? 'DMARC/Invalid') === folder)
      ctx.addIssue({ code: 'custom', message: 'the invalid folder must differ from the folder read' });
  })
  .transform((e) => ({
    type: 'graph' as const,
    name: e.name ?? `graph:${e.user}`,
    org: e.org ?? 'default',
    batchSize: e.batchSize ?? 20,
    tenant: e.tenant,
    clientId: e.clientId,
    credential: e.certificate
      ? { kind: 'certificate' as const, keyFile: e.certificate.keyFile, certFile: e.certificate.certFile }
      : { kind: 'secret' as const, secret: secretOf(e.clientSecretFile, e.clientSecretEnv)! },
    user: e.user,
    /** Folder read ('/' separates levels; a well-known name such as Inbox works too). */
    folder: e.folder ?? 'Inbox',
    processedFolder: e.processedFolder ?? 'DMARC/Processed',
    invalidFolder: e.invalidFolder ?? 'DMARC/Invalid',
    /** Mark processed messages read and leave them in the folder (only unread ones are read). */
    markRead: e.markRead ?? false,
    /**
     * List the folder with a delta query (only the changes since the last complete run); false: list the whole
     * folder every run, for a tenant whose policy forbids delta queries.
     */
    delta: e.delta ?? true,
    /** The identity platform (national clouds: https://login.microsoftonline.us, https://login.chinacloudapi.cn). */
    authority: (e.authority ?? 'https://login.microsoftonline.com').replace(/\/+$/, ''),
    graphUrl: (e.graphUrl ?? 'https://graph.microsoft.com/v1.0').replace(/\/+$/, ''),
  }));

// ---- Gmail API ----

const gmailFields = z.strictObject({
  ...common,
  /** The mailbox (the user impersonated by a service account). */
  user: z.string().min(1).max(320),
  /** A service account's key (JSON, with domain-wide delegation for the user). */
  serviceAccountKeyFile: z.string().min(1).optional(),
  /** An OAuth client and a refresh token of the user. */
  oauth: z
    .strictObject({
      clientId: z.string().min(1),
      ...secretFields('clientSecret'),
      ...secretFields('refreshToken'),
    })
    .optional(),
  label: z.string().min(1).optional(),
  processedLabel: z.string().min(1).optional(),
  invalidLabel: z.string().min(1).optional(),
  tokenUrl: httpUrl('https://oauth2.googleapis.com/token').optional(),
  apiUrl: httpUrl('https://gmail.googleapis.com').optional(),
});

export const gmailEntry = gmailFields
  .superRefine((e, ctx) => {
    exactlyOne(ctx, 'give exactly one of serviceAccountKeyFile or oauth', e.serviceAccountKeyFile, e.oauth);
    if (e.oauth) {
      exactlyOne(
        ctx,
        'oauth needs clientSecretFile or clientSecretEnv',
        e.oauth.clientSecretFile,
        e.oauth.clientSecretEnv,
      );
      exactlyOne(
        ctx,
        'oauth needs refreshTokenFile or refreshTokenEnv',
        e.oauth.refreshTokenFile,
        e.oauth.refreshTokenEnv,
      );
    }
    const label = e.label ?? 'INBOX';
    if ((e.processedLabel ?? 'DMARC/Processed') === label || (e.invalidLabel ?? 'DMARC/Invalid') === label)
      ctx.addIssue({ code: 'custom', message: 'the processed and invalid labels must differ from the label read' });
  })
  .transform((e) => ({
    type: 'gmail' as const,
    name: e.name ?? `gmail:${e.user}`,
    org: e.org ?? 'default',
    batchSize: e.batchSize ?? 20,
    user: e.user,
    credential: e.oauth
      ? {
          kind: 'refresh-token' as const,
          clientId: e.oauth.clientId,
          clientSecret: secretOf(e.oauth.clientSecretFile, e.oauth.clientSecretEnv)!,
          refreshToken: secretOf(e.oauth.refreshTokenFile, e.oauth.refreshTokenEnv)!,
        }
      : { kind: 'service-account' as const, keyFile: e.serviceAccountKeyFile! },
    /** Label read (a name; system labels such as INBOX by their id). */
    label: e.label ?? 'INBOX',
    /** Processed messages get this label and lose the one read. */
    processedLabel: e.processedLabel ?? 'DMARC/Processed',
    invalidLabel: e.invalidLabel ?? 'DMARC/Invalid',
    tokenUrl: e.tokenUrl ?? 'https://oauth2.googleapis.com/token',
    apiUrl: (e.apiUrl ?? 'https://gmail.googleapis.com').replace(/\/+$/, ''),
  }));

// ---- local Maildir / folder ----

export const MAILDIR_FORMATS = ['maildir', 'folder'] as const;

const maildirFields = z.strictObject({
  ...common,
  path: z.string().min(1),
  /** maildir: new messages in new/, processed ones moved to cur/; folder: every file in the folder. */
  format: z.enum(MAILDIR_FORMATS).optional(),
  processedFolder: z.string().min(1).optional(),
  invalidFolder: z.string().min(1).optional(),
  watch: z.boolean().optional(),
});

const folderName = (t: string) => !t.includes('/') && !t.includes('\\') && t !== '.' && t !== '..';

export const maildirEntry = maildirFields
  .superRefine((e, ctx) => {
    for (const f of [e.processedFolder, e.invalidFolder]) {
      if (f !== undefined && !folderName(f))
        ctx.addIssue({ code: 'custom', message: `'${f}' must be a folder name inside the path, not a path` });
    }
  })
  .transform((e) => {
    const format = e.format ?? 'maildir';
    return {
      type: 'maildir' as const,
      name: e.name ?? `maildir:${e.path}`,
      org: e.org ?? 'default',
      batchSize: e.batchSize ?? 20,
      path: e.path,
      format,
      /** folder format: processed files go to this subfolder (maildir: to cur/, flagged seen). */
      processedFolder: e.processedFolder ?? (format === 'maildir' ? null : 'processed'),
      /** Files without a readable report go to this subfolder (maildir: a Maildir++ folder). */
      invalidFolder: e.invalidFolder ?? (format === 'maildir' ? '.Invalid' : 'invalid'),
      /** Watch the folder and fetch within a second of a new file (in the scheduler process). */
      watch: e.watch ?? true,
    };
  });

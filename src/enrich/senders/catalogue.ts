// The sender catalogue: catalogue.json (data, reviewed like code) read and checked once, at module load. A
// catalogue that breaks a rule (a malformed domain, two services claiming one pattern without saying so, a
// service with nothing but an ASN) stops the process at start-up with every problem listed, rather than
// identifying senders wrongly later.
import { z } from 'zod';
import { AppError } from '../../model/errors.js';
import raw from './catalogue.json' with { type: 'json' };
import { isDomainName } from './domain-name.js';

export const SENDER_TYPES = [
  'mailbox_provider',
  'transactional',
  'marketing',
  'crm_saas',
  'security_gateway',
  'hosting_isp',
] as const;
export type SenderType = (typeof SENDER_TYPES)[number];

/** The kinds of pattern a service claims; `selector` is a DKIM selector (s=), matched exactly. */
export const PATTERN_KINDS = ['ptr', 'dkim', 'selector', 'spf', 'asn'] as const;
export type PatternKind = (typeof PATTERN_KINDS)[number];

const domain = z.string().refine((d) => d === d.toLowerCase() && isDomainName(d), {
  error: (issue) => `not a lower-case domain name: '${String(issue.input)}'`,
});
const selector = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
  error: (issue) => `not a lower-case DKIM selector: '${String(issue.input)}'`,
});
const asn = z.number().int().min(1).max(4_294_967_295);

const serviceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'id: a lower-case slug (letters, digits, inner hyphens)'),
  name: z.string().trim().min(1).max(80),
  type: z.enum(SENDER_TYPES),
  ptr: z.array(domain).default([]),
  dkim: z.array(domain).default([]),
  selectors: z.array(selector).default([]),
  spf: z.array(domain).default([]),
  asns: z.array(asn).default([]),
  note: z.string().optional(),
  /**
   * How to make this service's mail align for a customer's domain, where known: `dkim` (sign with the customer's
   * domain), `spf` (a return-path under it). `{domain}` stands for the customer's domain. Advice only: not used
   * by identification (and not part of the catalogue version).
   */
  fix: z
    .strictObject({
      dkim: z.string().trim().min(1).max(300).optional(),
      spf: z.string().trim().min(1).max(300).optional(),
    })
    .optional(),
});

const sharedSchema = z.strictObject({
  kind: z.enum(PATTERN_KINDS),
  value: z.union([z.string(), z.number()]),
  owner: z.string(),
  note: z.string().min(1),
});

const catalogueSchema = z.strictObject({
  about: z.string(),
  shared: z.array(sharedSchema),
  services: z.array(serviceSchema).min(1),
});

export type CatalogueService = z.infer<typeof serviceSchema>;
export type SharedPattern = z.infer<typeof sharedSchema>;

export interface Catalogue {
  readonly services: readonly CatalogueService[];
  readonly shared: readonly SharedPattern[];
}

/** The patterns of one kind that a service claims, as strings (ASNs in decimal). */
export function patternsOf(service: CatalogueService, kind: PatternKind): readonly string[] {
  switch (kind) {
    case 'ptr':
      return service.ptr;
    case 'dkim':
      return service.dkim;
    case 'selector':
      return service.selectors;
    case 'spf':
      return service.spf;
    case 'asn':
      return service.asns.map(String);
  }
}

/**
 * Checks `input` against the schema and the catalogue's rules; returns it typed, or throws one
 * `sender_catalogue_invalid` error listing every problem. Rules beyond the schema:
 * - ids are unique;
 * - each service has at least one PTR, DKIM or SPF pattern (an ASN alone names a network, not a service);
 * - no service lists a pattern twice;
 * - a pattern claimed by two or more services is declared in `shared`, whose owner is one of them; and every
 *   `shared` entry is claimed by two services at least (no stale declarations).
 */
export function parseCatalogue(input: unknown): Catalogue {
  const parsed = catalogueSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw catalogueError(problems);
  }
  const { services, shared } = parsed.data;
  const problems: string[] = [];

  const ids = new Set<string>();
  for (const s of services) {
    if (ids.has(s.id)) problems.push(`service '${s.id}': id used twice`);
    ids.add(s.id);
    if (s.ptr.length + s.dkim.length + s.spf.length === 0) {
      problems.push(`service '${s.id}': needs at least one PTR, DKIM or SPF pattern`);
    }
  }

  const claims = new Map<string, string[]>(); // "kind value" → service ids
  for (const s of services) {
    for (const kind of PATTERN_KINDS) {
      const seen = new Set<string>();
      for (const value of patternsOf(s, kind)) {
        if (seen.has(value)) problems.push(`service '${s.id}': ${kind} pattern '${value}' listed twice`);
        seen.add(value);
        const key = `${kind} ${value}`;
        const list = claims.get(key);
        if (list) list.push(s.id);
        else claims.set(key, [s.id]);
      }
    }
  }

  const declared = new Map<string, SharedPattern>();
  for (const entry of shared) {
    const key = `${entry.kind} ${String(entry.value)}`;
    if (declared.has(key)) problems.push(`shared ${key}: declared twice`);
    declared.set(key, entry);
    const claimants = claims.get(key) ?? [];
    if (claimants.length < 2) problems.push(`shared ${key}: claimed by ${claimants.length} service(s), not shared`);
    if (!claimants.includes(entry.owner)) {
      problems.push(`shared ${key}: owner '${entry.owner}' does not claim it`);
    }
  }
  for (const [key, claimants] of claims) {
    if (claimants.length > 1 && !declared.has(key)) {
      problems.push(`${key}: claimed by ${claimants.join(', ')}; declare it under 'shared' with its owner`);
    }
  }

  if (problems.length > 0) throw catalogueError(problems);
  return { services, shared };
}

function catalogueError(problems: string[]): AppError {
  return new AppError(
    'sender_catalogue_invalid',
    `sender catalogue invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`,
    { errors: problems.map((message) => ({ field: 'catalogue', message })) },
  );
}

/** The catalogue shipped with the product (src/enrich/senders/catalogue.json), checked at load. */
export const CATALOGUE: Catalogue = parseCatalogue(raw);

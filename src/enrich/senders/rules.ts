// A user's word on a sender, per domain: "SendGrid is approved", "203.0.113.0/28 is our Exchange", "anything
// under example.net is not ours". Rules are validated at the edge (parseSenderRule), then applied to an
// identification (applyRules): the verdict, and for `own` a sender named by the user in place of the catalogue's.
//
// Which rule decides when several match: the most specific — a CIDR range (the longest prefix first), then a
// base domain (the longest first), then a service or group key; on a tie `own` beats `not_ours` beats
// `approved` (the safer answer), then the rule listed first.
// A base-domain rule matches the source's PTR name unless the PTR is known NOT to be forward-confirmed: anyone
// can write any PTR for their own address, so an unconfirmed one must not make a stranger "ours".
import { z } from 'zod';
import { AppError, type FieldError } from '../../model/errors.js';
import { CATALOGUE_INDEX, type CatalogueIndex } from './catalogue-index.js';
import { cidrContains, parseCidr, parseSourceIp, type Cidr } from './cidr.js';
import { isDomainName, isUnder, normaliseName } from './domain-name.js';
import type { EvidenceItem, SenderIdentification } from './identify.js';

export const RULE_KINDS = ['service', 'cidr', 'base_domain'] as const;
export const RULE_VERDICTS = ['approved', 'not_ours', 'own'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export type RuleVerdict = (typeof RULE_VERDICTS)[number];

/** A validated rule: `value` in canonical form (a catalogue id or group key, `203.0.113.0/28`, `example.net`). */
export interface SenderRule {
  kind: RuleKind;
  value: string;
  verdict: RuleVerdict;
  /** The user's name for their own server; required for `own`. */
  name?: string;
}

const NAME_MAX = 100;

/** The rule schema, checked against the shipped catalogue (service ids). */
export function senderRuleSchema(index: CatalogueIndex = CATALOGUE_INDEX) {
  return z
    .strictObject(
      {
        kind: z.enum(RULE_KINDS, { error: () => `kind: one of ${RULE_KINDS.join(', ')}` }),
        value: z.string({ error: () => 'value: a string' }),
        verdict: z.enum(RULE_VERDICTS, { error: () => `verdict: one of ${RULE_VERDICTS.join(', ')}` }),
        name: z
          .string({ error: () => 'name: a string' })
          .trim()
          .min(1, 'name: empty')
          .max(NAME_MAX, `name: ${NAME_MAX} characters at most`)
          // eslint-disable-next-line no-control-regex
          .regex(/^[^\u0000-\u001f\u007f]*$/, 'name: no control characters')
          .optional(),
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown field(s) ${issue.keys.join(', ')}: a rule has kind, value, verdict and name`
            : 'a sender rule: an object with kind, value, verdict and (for own) name',
      },
    )
    .transform((rule, ctx): SenderRule => {
      const value = canonicalValue(rule.kind, rule.value, index);
      if (!value.ok) ctx.addIssue({ code: 'custom', path: ['value'], message: `value: ${value.message}` });
      if (rule.verdict === 'own' && rule.name === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['name'],
          message: 'name: required for verdict own (e.g. "our Exchange")',
        });
      }
      const out: SenderRule = { kind: rule.kind, value: value.ok ? value.value : rule.value, verdict: rule.verdict };
      if (rule.name !== undefined) out.name = rule.name;
      return out;
    });
}

/** The schema against the shipped catalogue. */
export const SenderRuleSchema = senderRuleSchema();

type Canonical = { ok: true; value: string } | { ok: false; message: string };

function canonicalValue(kind: RuleKind, raw: string, index: CatalogueIndex): Canonical {
  switch (kind) {
    case 'cidr': {
      const r = parseCidr(raw);
      return r.ok ? { ok: true, value: r.cidr.text } : r;
    }
    case 'base_domain': {
      const d = normaliseName(raw);
      if (d === null || !isDomainName(d)) {
        return { ok: false, message: `'${raw}' is not a domain name (for example example.net)` };
      }
      return { ok: true, value: d };
    }
    case 'service': {
      const v = raw.trim().toLowerCase();
      if (index.service(v)) return { ok: true, value: v };
      const ptr = /^ptr:(.*)$/.exec(v);
      if (ptr) {
        const d = normaliseName(ptr[1] ?? null);
        return d !== null && isDomainName(d)
          ? { ok: true, value: `ptr:${d}` }
          : { ok: false, message: `'${raw}': ptr: must be followed by a domain name (ptr:example.net)` };
      }
      const asn = /^asn:([0-9]{1,10})$/.exec(v);
      if (asn && Number(asn[1]) >= 1 && Number(asn[1]) <= 4_294_967_295) {
        return { ok: true, value: `asn:${Number(asn[1])}` };
      }
      if (v === 'unknown') {
        return { ok: false, message: "the 'unknown' group is every unidentified source; mark a CIDR range instead" };
      }
      return {
        ok: false,
        message: `'${raw}' is neither a catalogue service id (e.g. sendgrid) nor a group key (ptr:<domain>, asn:<number>)`,
      };
    }
  }
}

/** `input` as a rule, or an `invalid_sender_rule` error naming each bad field. */
export function parseSenderRule(input: unknown, index: CatalogueIndex = CATALOGUE_INDEX): SenderRule {
  return parseSenderRules([input], index, '')[0]!;
}

/** A list of rules (`rules[i].field` in the errors). */
export function parseSenderRules(
  input: unknown,
  index: CatalogueIndex = CATALOGUE_INDEX,
  prefix = 'rules',
): SenderRule[] {
  const schema = z.array(index === CATALOGUE_INDEX ? SenderRuleSchema : senderRuleSchema(index), {
    error: () => 'a list of sender rules',
  });
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors: FieldError[] = parsed.error.issues.map((issue) => {
    const [i, ...rest] = issue.path;
    const field =
      prefix === '' ? rest.map(String).join('.') : [`${prefix}[${String(i)}]`, ...rest.map(String)].join('.');
    return { field: field || prefix || 'rule', message: issue.message };
  });
  throw new AppError('invalid_sender_rule', errors.map((e) => e.message).join('; '), { errors });
}

export interface RuleOutcome {
  /** null: no rule matched. */
  verdict: RuleVerdict | null;
  /** The rule that decided. */
  rule: SenderRule | null;
  /** The identification, or for `own` the user's sender in its place. */
  identification: SenderIdentification;
}

interface CompiledRule {
  rule: SenderRule;
  position: number;
  cidr: Cidr | null;
  specificity: number;
}

const VERDICT_RANK: Record<RuleVerdict, number> = { own: 3, not_ours: 2, approved: 1 };
const compiledCache = new WeakMap<readonly SenderRule[], CompiledRule[]>();

function compile(rules: readonly SenderRule[]): CompiledRule[] {
  let compiled = compiledCache.get(rules);
  if (compiled) return compiled;
  compiled = rules.map((rule, position) => {
    let cidr: Cidr | null = null;
    let specificity = 0;
    if (rule.kind === 'cidr') {
      const r = parseCidr(rule.value);
      cidr = r.ok ? r.cidr : null;
      specificity = 1000 + (cidr?.bits ?? 0);
    } else if (rule.kind === 'base_domain') specificity = 500 + rule.value.split('.').length;
    return { rule, position, cidr, specificity };
  });
  compiledCache.set(rules, compiled);
  return compiled;
}

/**
 * The verdict of `rules` (validated by parseSenderRule) for a source. An `ip` that is not an address matches
 * no CIDR rule. The rules are compiled once per array (cached by identity), so call it with the same array for
 * every source of a domain.
 */
export function applyRules(
  ip: string,
  identification: SenderIdentification,
  rules: readonly SenderRule[],
): RuleOutcome {
  const address = rules.some((r) => r.kind === 'cidr') ? parseSourceIp(ip) : null;
  const ptr = identification.evidence.find((e) => e.kind === 'ptr' && e.fcrdns !== false)?.value ?? null;
  let best: CompiledRule | null = null;
  for (const c of compile(rules)) {
    if (!matches(c, address, ptr, identification)) continue;
    if (best === null || better(c, best)) best = c;
  }
  if (best === null) return { verdict: null, rule: null, identification };
  const rule = best.rule;
  if (rule.verdict !== 'own') return { verdict: rule.verdict, rule, identification };
  return { verdict: 'own', rule, identification: ownSender(rule, identification) };
}

function matches(
  c: CompiledRule,
  address: ReturnType<typeof parseSourceIp>,
  ptr: string | null,
  identification: SenderIdentification,
): boolean {
  switch (c.rule.kind) {
    case 'cidr':
      return c.cidr !== null && address !== null && cidrContains(c.cidr, address);
    case 'base_domain':
      return ptr !== null && isUnder(ptr, c.rule.value);
    case 'service':
      return identification.key === c.rule.value;
  }
}

function better(a: CompiledRule, b: CompiledRule): boolean {
  if (a.specificity !== b.specificity) return a.specificity > b.specificity;
  const va = VERDICT_RANK[a.rule.verdict];
  const vb = VERDICT_RANK[b.rule.verdict];
  if (va !== vb) return va > vb;
  return a.position < b.position;
}

/** Words for a rule: `203.0.113.0/28`, `PTR under example.net`, `sender sendgrid`. */
export function describeRule(rule: SenderRule): string {
  switch (rule.kind) {
    case 'cidr':
      return rule.value;
    case 'base_domain':
      return `PTR under ${rule.value}`;
    case 'service':
      return `sender ${rule.value}`;
  }
}

function ownSender(rule: SenderRule, was: SenderIdentification): SenderIdentification {
  const name = rule.name ?? rule.value;
  const evidence: EvidenceItem = {
    kind: 'rule',
    value: rule.value,
    label: `user rule: ${describeRule(rule)} is ${name}`,
    matched: true,
    pattern: rule.value,
    services: [],
    points: 0,
    strong: true,
    supports: true,
  };
  return {
    key: `own:${name.toLowerCase().replace(/\s+/g, ' ')}`,
    sender: name,
    type: 'own',
    known: true,
    confidence: 'high',
    score: 0,
    evidence: [evidence],
    alternatives: [],
    reason: `A user rule says ${describeRule(rule)} is ${name} (the evidence alone said: ${was.sender})`,
  };
}

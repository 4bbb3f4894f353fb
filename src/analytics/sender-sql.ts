// The sender of a (policy domain, source IP) in SQL, so that rollups can be grouped and filtered by it:
//   1. the stored identification (source_senders, written by the identify-senders task);
//   2. for an address not identified yet, the group its enrichment alone gives (as enrich/senders/identify.ts
//      groups unknown senders: the PTR base domain, unless the PTR is known not to be forward-confirmed and there
//      is an AS; else the AS; else "Unknown"), so that every message has a sender;
//   3. then the organisation's rules for the domain (sender_rules; a rule without a domain holds for all of them),
//      the most specific first as applyRules (enrich/senders/rules.ts) decides: a CIDR range (the longest prefix
//      first), then a PTR base domain (the longest first), then a service or group key; on a tie own, not ours,
//      approved; then a rule of the domain before one of all domains, then the older rule. An `own` rule names
//      the sender (key `own:<name>`).
// Values are bound parameters; the org's id is the caller's.

/** Collects bound parameters (filters.ts's Params). */
interface Params {
  add(v: unknown): string;
}

/** Table aliases of one use of the joins (several may appear in one statement). */
export interface SenderAliases {
  /** source_senders */
  s: string;
  /** ip_enrichment */
  e: string;
  /** the deciding rule */
  r: string;
}

export const SENDER_ALIASES: SenderAliases = { s: 'ss', e: 'se', r: 'sr' };

/** The group of an address from its enrichment alone (no identification stored). */
function groupByPtr(e: string): string {
  return `${e}.base_domain IS NOT NULL AND NOT (${e}.fcrdns IS FALSE AND ${e}.asn IS NOT NULL)`;
}

/** The sender key before any rule. */
export function baseKeySql(a: SenderAliases = SENDER_ALIASES): string {
  return `coalesce(${a.s}.sender_key, CASE WHEN ${groupByPtr(a.e)} THEN 'ptr:' || ${a.e}.base_domain
    WHEN ${a.e}.asn IS NOT NULL THEN 'asn:' || ${a.e}.asn ELSE 'unknown' END)`;
}

function baseNameSql(a: SenderAliases): string {
  return `coalesce(${a.s}.sender, CASE WHEN ${groupByPtr(a.e)} THEN ${a.e}.base_domain
    WHEN ${a.e}.asn IS NOT NULL THEN coalesce(${a.e}.as_org || ' (AS' || ${a.e}.asn || ')', 'AS' || ${a.e}.asn)
    ELSE 'Unknown' END)`;
}

/** The PTR name base-domain rules match: stored with the identification, else the enrichment's unless unconfirmed. */
function rulePtrSql(a: SenderAliases): string {
  return `CASE WHEN ${a.s}.ip IS NOT NULL THEN ${a.s}.rule_ptr WHEN ${a.e}.fcrdns IS NOT FALSE THEN ${a.e}.ptr END`;
}

const OWN_KEY = (a: SenderAliases) => `'own:' || lower(regexp_replace(${a.r}.name, '\\s+', ' ', 'g'))`;

/** Sender columns of a row joined by senderJoins: key, sender, type, confidence, verdict. */
export function senderColumns(a: SenderAliases = SENDER_ALIASES): {
  key: string;
  sender: string;
  type: string;
  confidence: string;
  verdict: string;
} {
  const own = `${a.r}.verdict = 'own'`;
  return {
    key: `CASE WHEN ${own} THEN ${OWN_KEY(a)} ELSE ${baseKeySql(a)} END`,
    sender: `CASE WHEN ${own} THEN ${a.r}.name ELSE ${baseNameSql(a)} END`,
    type: `CASE WHEN ${own} THEN 'own' ELSE coalesce(${a.s}.type, 'unknown') END`,
    confidence: `CASE WHEN ${own} THEN 'high' ELSE ${a.s}.confidence END`,
    verdict: `${a.r}.verdict`,
  };
}

/**
 * LEFT JOINs giving a row whose source address is `ip` and policy domain `domain` its identification, its
 * enrichment and its deciding rule. `withRules` false: the organisation has no rules (a join spared).
 */
export function senderJoins(
  p: Params,
  orgId: number,
  ip: string,
  domain: string,
  opts: { withRules?: boolean; aliases?: SenderAliases } = {},
): string {
  const a = opts.aliases ?? SENDER_ALIASES;
  const org = p.add(orgId);
  const joins = `LEFT JOIN source_senders ${a.s} ON ${a.s}.org_id = ${org} AND ${a.s}.ip = ${ip}
    LEFT JOIN ip_enrichment ${a.e} ON ${a.e}.ip = ${ip}`;
  if (opts.withRules === false) {
    return `${joins} LEFT JOIN (SELECT NULL::text AS verdict, NULL::text AS name) ${a.r} ON true`;
  }
  const ptr = rulePtrSql(a);
  return `${joins}
    LEFT JOIN LATERAL (
      SELECT ru.verdict, ru.name FROM sender_rules ru
      WHERE ru.org_id = ${org} AND (ru.domain IS NULL OR ru.domain = ${domain})
        AND CASE ru.kind
          WHEN 'cidr' THEN coalesce(${ip} <<= ru.value::inet, false)
          WHEN 'base_domain' THEN coalesce(${ptr} = ru.value OR right(${ptr}, length(ru.value) + 1) = '.' || ru.value,
            false)
          ELSE ${baseKeySql(a)} = ru.value END
      ORDER BY CASE ru.kind WHEN 'cidr' THEN 1000 + masklen(ru.value::inet)
          WHEN 'base_domain' THEN 500 + cardinality(string_to_array(ru.value, '.')) ELSE 0 END DESC,
        CASE ru.verdict WHEN 'own' THEN 3 WHEN 'not_ours' THEN 2 ELSE 1 END DESC,
        ru.domain IS NULL, ru.id
      LIMIT 1
    ) ${a.r} ON true`;
}

const FILTER_ALIASES: SenderAliases = { s: 'fs_s', e: 'fs_e', r: 'fs_r' };

/** Condition: the row's sender (address `ip`, domain `domain`) has the key `sender`, or that name (any case). */
export function senderMatches(p: Params, orgId: number, sender: string, ip: string, domain: string): string {
  const cols = senderColumns(FILTER_ALIASES);
  const joins = senderJoins(p, orgId, ip, domain, { aliases: FILTER_ALIASES });
  const v = p.add(sender);
  return `EXISTS (SELECT 1 FROM (SELECT 1) AS fs_one ${joins}
    WHERE lower(${cols.key}) = lower(${v}) OR lower(${cols.sender}) = lower(${v}))`;
}

/** Whether the organisation has any sender rule (the answers spare the rules' join without). */
export const HAS_RULES_SQL = 'SELECT EXISTS (SELECT 1 FROM sender_rules WHERE org_id = $1) AS yes';

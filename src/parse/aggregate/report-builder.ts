// Builds the normalised report from element events (lower-cased local names, text of each closed element).
// It knows the DMARC element tree; it does not know about XML syntax, bytes or recovery.
import type {
  AggregateReportHeader,
  DkimAuthResult,
  PolicyPublished,
  ReportRecord,
  SpfAuthResult,
} from '../../model/aggregate.js';
import { ParseFailure } from '../types.js';
import {
  EXPECTED,
  canonicalIp,
  normaliseDomain,
  parseAlignedResult,
  parseAlignment,
  parseDiscoveryMethod,
  parseDisposition,
  parseDkimResult,
  parseLanguageTag,
  parsePercent,
  parsePolicyAction,
  parseSpfResult,
  parseSpfScope,
  parseTesting,
  parseLenientTimestamp,
  parseUnixSeconds,
  parseWholeNumber,
  quote,
} from './normalise.js';
import { ExtensionCollector } from './extensions.js';
import { MAX_DOMAIN_CHARS, MAX_IDENTITY_CHARS, MAX_TEXT_CHARS, formatCount, isDomainName } from './field-limits.js';
import { Warnings } from './warnings.js';

export const DMARCBIS_NAMESPACE = 'urn:ietf:params:xml:ns:dmarc-2.0';

// Which child of <feedback> we are in.
const S_NONE = 0;
const S_META = 1;
const S_POLICY = 2;
const S_RECORD = 3;
const S_VERSION = 4;
const S_IGNORED = 5;

interface PendingAuth {
  kind: 'dkim' | 'spf';
  domain: string | null;
  selector: string | null;
  scope: string | null;
  result: string | null;
  humanResult: string | null;
  humanResultLang: string | null;
}

/** A date_range bound: missing (never seen), or the trimmed text. */
type RawValue = string | null | undefined;

const nonEmpty = (t: string): string | null => {
  const v = t.trim();
  return v === '' ? null : v;
};

export class ReportBuilder {
  readonly warnings = new Warnings();
  /** Extension elements, handed over as XML text by the reader. */
  readonly extensions = new ExtensionCollector();
  /** XML namespace URI of <feedback>, set by the reader. */
  namespace: string | null = null;
  /** The header, once report_metadata and policy_published are both complete (or at finish()). */
  header: AggregateReportHeader | null = null;
  /** Finished records not yet handed out; the caller takes them in batches. */
  pending: ReportRecord[] = [];
  recordCount = 0;
  messageCount = 0;

  private readonly stack: string[] = [];
  /** RFC 9990 `lang` attribute of each open element (null: none). */
  private readonly langs: (string | null)[] = [];
  private depth = 0;
  private section = S_NONE;

  private version: string | null = null;
  private reporterOrg: string | null = null;
  private email: string | null = null;
  private extraContactInfo: string | null = null;
  private extraContactInfoLang: string | null = null;
  private reportId: string | null = null;
  private beginRaw: RawValue = undefined;
  private endRaw: RawValue = undefined;
  private readonly errors: string[] = [];
  private readonly errorLangs: (string | null)[] = [];
  private generator: string | null = null;
  private domain: string | null = null;
  private readonly policy: PolicyPublished = {
    adkim: null,
    aspf: null,
    p: null,
    sp: null,
    np: null,
    pct: null,
    fo: null,
    testing: null,
    discoveryMethod: null,
  };
  /** DMARCbis-only elements seen (testing, discovery_method, generator); np alone does not count. */
  private sawBisElement = false;
  private metadataDone = false;
  private policyDone = false;

  private recordNo = 0;
  private rec: ReportRecord | null = null;
  private recHasData = false;
  private recCount: RawValue = undefined;
  private recIp: RawValue = undefined;
  private auth: PendingAuth | null = null;
  private reasonType: string | null = null;
  private reasonComment: string | null = null;
  private reasonCommentLang: string | null = null;

  /** Most records accepted in one report; past it the report is refused (a bound on rows and work). */
  private readonly maxRecords: number;

  constructor(initialWarnings: readonly string[] = [], options: { maxRecords?: number } = {}) {
    for (const w of initialWarnings) this.warnings.add(w);
    this.maxRecords = options.maxRecords ?? Number.POSITIVE_INFINITY;
  }

  /** An identity field over its cap refuses the report. */
  private identity(text: string | null, field: string, max: number): string | null {
    if (text !== null && text.length > max) {
      throw new ParseFailure(
        'field_too_long',
        `${field} is ${formatCount(text.length)} characters long; at most ${formatCount(max)} are accepted`,
      );
    }
    return text;
  }

  /** Free text over its cap is cut, with a warning. */
  private capped(text: string | null, field: string): string | null {
    if (text === null || text.length <= MAX_TEXT_CHARS) return text;
    this.warnings.add(
      `${field} is ${formatCount(text.length)} characters long; its first ${formatCount(MAX_TEXT_CHARS)} were kept`,
    );
    return text.slice(0, MAX_TEXT_CHARS);
  }

  /** Open an element; `lang` is its `lang` (or `xml:lang`) attribute as written, null when absent. */
  open(name: string, lang: string | null): void {
    const d = ++this.depth;
    this.stack[d] = name;
    this.langs[d] = lang;
    if (d === 2) {
      this.section = this.sectionOf(name);
      if (this.section === S_RECORD) this.startRecord();
      return;
    }
    if (this.section !== S_RECORD || this.rec === null) return;
    const parent = this.stack[d - 1];
    if (parent === 'auth_results' && (name === 'dkim' || name === 'spf')) {
      this.auth = {
        kind: name,
        domain: null,
        selector: null,
        scope: null,
        result: null,
        humanResult: null,
        humanResultLang: null,
      };
    } else if (name === 'reason' && parent === 'policy_evaluated') {
      this.reasonType = null;
      this.reasonComment = null;
      this.reasonCommentLang = null;
    }
  }

  /** Close the innermost open element; `text` is its text content (untrimmed). */
  close(text: string): void {
    const d = this.depth;
    const name = this.stack[d] ?? '';
    switch (this.section) {
      case S_RECORD:
        if (d === 2) this.finishRecord();
        else this.closeInRecord(name, d, text);
        break;
      case S_META:
        if (d === 2) this.metadataDone = true;
        else this.closeInMetadata(name, d, text);
        break;
      case S_POLICY:
        if (d === 2) this.policyDone = true;
        else if (d === 3) this.closeInPolicy(name, text);
        break;
      case S_VERSION:
        if (d === 2) this.version = nonEmpty(text);
        break;
      default:
        break;
    }
    if (d === 2) {
      this.section = S_NONE;
      if (this.header === null && this.metadataDone && this.policyDone) this.buildHeader();
    }
    this.depth = d - 1;
  }

  /** Call after the document ended cleanly; throws when the report lacks its identity. */
  finish(): void {
    if (this.header === null) this.buildHeader();
    this.extensions.finish(this.warnings);
  }

  /** An extension element (XML text; null when it was too large to keep), in the record being read if any. */
  extension(xml: string | null): void {
    this.extensions.add(this.rec === null ? null : this.recordNo - 1, xml);
  }

  /** The `lang` of the element at depth d, when it is a language tag (else a warning names the field). */
  private langAt(d: number, field: string): string | null {
    const raw = this.langs[d];
    if (raw === null || raw === undefined) return null;
    const tag = parseLanguageTag(raw);
    if (tag !== undefined) return tag;
    this.warnings.add(`${field}: lang ${quote(raw)} is not a language tag; left empty`);
    return null;
  }

  private sectionOf(name: string): number {
    switch (name) {
      case 'record':
        return S_RECORD;
      case 'version':
        return S_VERSION;
      case 'report_metadata':
      case 'policy_published': {
        const done = name === 'report_metadata' ? this.metadataDone : this.policyDone;
        if (!done) return name === 'report_metadata' ? S_META : S_POLICY;
        this.warnings.add(`a second <${name}> was ignored`);
        return S_IGNORED;
      }
      default:
        return S_IGNORED;
    }
  }

  private closeInMetadata(name: string, d: number, text: string): void {
    const parent = this.stack[d - 1];
    if (d === 3) {
      switch (name) {
        case 'org_name':
          this.reporterOrg = this.identity(text.trim(), 'report_metadata/org_name', MAX_IDENTITY_CHARS);
          break;
        case 'email':
          this.email = this.capped(nonEmpty(text), 'report_metadata/email');
          break;
        case 'extra_contact_info':
          this.extraContactInfo = this.capped(nonEmpty(text), 'report_metadata/extra_contact_info');
          this.extraContactInfoLang =
            this.extraContactInfo === null ? null : this.langAt(d, 'report_metadata/extra_contact_info');
          break;
        case 'report_id':
          this.reportId = this.identity(nonEmpty(text), 'report_metadata/report_id', MAX_IDENTITY_CHARS);
          break;
        case 'error': {
          const v = this.capped(nonEmpty(text), 'report_metadata/error');
          if (v !== null) {
            this.errors.push(v);
            this.errorLangs.push(this.langAt(d, 'report_metadata/error'));
          }
          break;
        }
        case 'generator':
          this.sawBisElement = true;
          this.generator = this.capped(nonEmpty(text), 'report_metadata/generator');
          break;
        default:
          break;
      }
    } else if (d === 4 && parent === 'date_range') {
      if (name === 'begin') this.beginRaw = text.trim();
      else if (name === 'end') this.endRaw = text.trim();
    }
  }

  private closeInPolicy(name: string, text: string): void {
    const v = nonEmpty(text);
    const p = this.policy;
    switch (name) {
      case 'domain': {
        const d = v === null ? null : normaliseDomain(this.identity(v, 'policy_published/domain', MAX_DOMAIN_CHARS)!);
        if (d !== null && !isDomainName(d)) {
          throw new ParseFailure('invalid_domain', `policy_published/domain ${quote(d)} is not a domain name`);
        }
        this.domain = d;
        break;
      }
      case 'adkim':
        p.adkim = this.typed(v, parseAlignment, 'policy_published/adkim', EXPECTED.alignment);
        break;
      case 'aspf':
        p.aspf = this.typed(v, parseAlignment, 'policy_published/aspf', EXPECTED.alignment);
        break;
      case 'p':
        p.p = this.typed(v, parsePolicyAction, 'policy_published/p', EXPECTED.policyAction);
        break;
      case 'sp':
        p.sp = this.typed(v, parsePolicyAction, 'policy_published/sp', EXPECTED.policyAction);
        break;
      case 'np':
        p.np = this.typed(v, parsePolicyAction, 'policy_published/np', EXPECTED.policyAction);
        break;
      case 'pct':
        p.pct = this.typed(v, parsePercent, 'policy_published/pct', 'an integer 0..100');
        break;
      case 'fo':
        p.fo = this.capped(v, 'policy_published/fo');
        break;
      case 'testing':
        this.sawBisElement = true;
        p.testing = this.typed(v, parseTesting, 'policy_published/testing', EXPECTED.testing);
        break;
      case 'discovery_method':
        this.sawBisElement = true;
        p.discoveryMethod = this.typed(
          v,
          parseDiscoveryMethod,
          'policy_published/discovery_method',
          EXPECTED.discovery,
        );
        break;
      default:
        break;
    }
  }

  /** Empty → null silently; an unknown value → null and a warning (never a guess). */
  private typed<T>(v: string | null, parse: (t: string) => T | undefined, field: string, expected: string): T | null {
    if (v === null) return null;
    const out = parse(v);
    if (out !== undefined) return out;
    this.warnings.add(`${field} ${quote(v)} is not ${expected}; left empty`);
    return null;
  }

  private buildHeader(): void {
    if (this.reportId === null) {
      throw new ParseFailure('missing_report_id', 'report has no report_id (feedback/report_metadata/report_id)');
    }
    if (this.domain === null) {
      throw new ParseFailure('missing_domain', 'report has no policy domain (feedback/policy_published/domain)');
    }
    const begin = this.timestamp(this.beginRaw, 'begin');
    const end = this.timestamp(this.endRaw, 'end');
    if (begin !== null && end !== null && begin > end) {
      this.warnings.add(`report_metadata/date_range: begin (${begin}) is after end (${end})`);
    }
    const bis = this.isBis();
    this.header = {
      version: this.version,
      schema: bis ? 'dmarcbis' : 'rfc7489',
      namespace: this.namespace,
      reporterOrg: this.reporterOrg ?? '',
      email: this.email,
      extraContactInfo: this.extraContactInfo,
      ...(this.extraContactInfoLang === null ? {} : { extraContactInfoLang: this.extraContactInfoLang }),
      reportId: this.reportId,
      begin,
      end,
      errors: this.errors,
      ...(this.errorLangs.some((l) => l !== null) ? { errorLangs: this.errorLangs } : {}),
      generator: this.generator,
      domain: this.domain,
      policy: this.policy,
    };
  }

  /** The dmarc-2.0 namespace, or an element only DMARCbis has (np alone does not count: Google sends it). */
  private isBis(): boolean {
    return this.namespace === DMARCBIS_NAMESPACE || this.sawBisElement;
  }

  private timestamp(raw: RawValue, which: 'begin' | 'end'): number | null {
    const field = `report_metadata/date_range/${which}`;
    if (raw === undefined || raw === null || raw === '') {
      this.warnings.add(`${field} is ${raw === undefined || raw === null ? 'missing' : 'empty'}; left empty`);
      return null;
    }
    const n = parseUnixSeconds(raw);
    const lenient = parseLenientTimestamp(raw);
    if (n !== undefined && lenient === undefined) return n;
    if (lenient) {
      this.warnings.add(
        lenient.how === 'milliseconds'
          ? `${field} ${quote(raw)} is in milliseconds, not seconds; read as ${lenient.seconds}`
          : `${field} ${quote(raw)} is a date, not a Unix timestamp; read as ${lenient.seconds}`,
      );
      return lenient.seconds;
    }
    this.warnings.add(`${field} ${quote(raw)} is not a Unix timestamp; left empty`);
    return null;
  }

  private startRecord(): void {
    if (this.recordNo >= this.maxRecords) {
      throw new ParseFailure(
        'too_many_records',
        `the report has more than ${formatCount(this.maxRecords)} records (DMARC_MAX_RECORDS_PER_REPORT)`,
      );
    }
    this.recordNo++;
    this.recHasData = false;
    this.recCount = undefined;
    this.recIp = undefined;
    this.auth = null;
    // All fields present from the start: one object shape for every record.
    this.rec = {
      sourceIp: null,
      count: 0,
      disposition: null,
      dkim: null,
      spf: null,
      reasons: [],
      headerFrom: null,
      envelopeFrom: null,
      envelopeTo: null,
      dkimResults: [],
      spfResults: [],
    };
  }

  private closeInRecord(name: string, d: number, text: string): void {
    const rec = this.rec;
    if (rec === null) return;
    const parent = this.stack[d - 1];
    switch (parent) {
      case 'row':
        if (name === 'source_ip') this.recIp = this.leaf(text);
        else if (name === 'count') this.recCount = this.leaf(text);
        break;
      case 'policy_evaluated':
        if (name === 'disposition') {
          rec.disposition = this.recordTyped(
            this.leaf(text),
            parseDisposition,
            'policy_evaluated/disposition',
            EXPECTED.disposition,
          );
        } else if (name === 'dkim') {
          rec.dkim = this.recordTyped(this.leaf(text), parseAlignedResult, 'policy_evaluated/dkim', EXPECTED.aligned);
        } else if (name === 'spf') {
          rec.spf = this.recordTyped(this.leaf(text), parseAlignedResult, 'policy_evaluated/spf', EXPECTED.aligned);
        } else if (name === 'reason') {
          // An empty <reason><type/></reason> says nothing: skip it.
          if (this.reasonType !== null) {
            const lang = this.reasonComment === null ? null : this.reasonCommentLang;
            rec.reasons.push({
              type: this.reasonType.toLowerCase(),
              comment: this.reasonComment,
              ...(lang === null ? {} : { commentLang: lang }),
            });
          }
        }
        break;
      case 'reason':
        if (this.stack[d - 2] !== 'policy_evaluated') break;
        if (name === 'type') this.reasonType = this.leaf(text);
        else if (name === 'comment') {
          this.reasonComment = this.leaf(text);
          this.reasonCommentLang = this.langAt(d, `record ${this.recordNo}: policy_evaluated/reason/comment`);
        }
        break;
      case 'identifiers': {
        const v = this.leaf(text);
        const domain = v === null ? null : normaliseDomain(v);
        if (name === 'header_from') rec.headerFrom = domain;
        else if (name === 'envelope_from') rec.envelopeFrom = domain;
        else if (name === 'envelope_to') rec.envelopeTo = domain;
        break;
      }
      case 'auth_results':
        if (this.auth !== null && name === this.auth.kind) this.finishAuth(rec, this.auth);
        break;
      case 'dkim':
      case 'spf':
        if (this.auth !== null && this.stack[d - 2] === 'auth_results')
          this.authLeaf(this.auth, name, this.leaf(text), d);
        break;
      default:
        break;
    }
  }

  /** Trimmed text of a record's leaf (cut at MAX_TEXT_CHARS); a non-empty one makes the record worth keeping. */
  private leaf(text: string): string | null {
    const v = nonEmpty(text);
    if (v !== null) this.recHasData = true;
    return v === null || v.length <= MAX_TEXT_CHARS ? v : this.capped(v, `record ${this.recordNo}: a field`);
  }

  private recordTyped<T>(
    v: string | null,
    parse: (t: string) => T | undefined,
    field: string,
    expected: string,
  ): T | null {
    if (v === null) return null;
    const out = parse(v);
    if (out !== undefined) return out;
    this.warnings.add(`record ${this.recordNo}: ${field} ${quote(v)} is not ${expected}; left empty`);
    return null;
  }

  private authLeaf(auth: PendingAuth, name: string, v: string | null, d: number): void {
    switch (name) {
      case 'domain':
        auth.domain = v === null ? null : normaliseDomain(v);
        break;
      case 'selector':
        auth.selector = v;
        break;
      case 'scope':
        auth.scope = v;
        break;
      case 'result':
        auth.result = v;
        break;
      case 'human_result':
        auth.humanResult = v;
        auth.humanResultLang =
          v === null ? null : this.langAt(d, `record ${this.recordNo}: auth_results/${auth.kind}/human_result`);
        break;
      default:
        break;
    }
  }

  private finishAuth(rec: ReportRecord, auth: PendingAuth): void {
    this.auth = null;
    const where = `record ${this.recordNo}: auth_results/${auth.kind}`;
    // The model requires a result; an auth result without a readable one is dropped, never guessed.
    if (auth.result === null) {
      if (auth.domain !== null) this.warnings.add(`${where} for ${quote(auth.domain)} has no result; dropped`);
      return;
    }
    if (auth.kind === 'dkim') {
      const result = parseDkimResult(auth.result);
      if (result === undefined) {
        this.warnings.add(`${where} result ${quote(auth.result)} is not ${EXPECTED.dkim}; dropped`);
        return;
      }
      // RFC 9990 makes the selector required (RFC 7489 did not): worth telling, not worth dropping the result.
      if (auth.selector === null && this.isBis()) {
        this.warnings.add(`${where} for ${quote(auth.domain ?? '')} has no selector (RFC 9990 requires one)`);
      }
      const r: DkimAuthResult = {
        domain: auth.domain ?? '',
        selector: auth.selector,
        result,
        humanResult: auth.humanResult,
        ...(auth.humanResultLang === null ? {} : { humanResultLang: auth.humanResultLang }),
      };
      rec.dkimResults.push(r);
    } else {
      const result = parseSpfResult(auth.result);
      if (result === undefined) {
        this.warnings.add(`${where} result ${quote(auth.result)} is not ${EXPECTED.spf}; dropped`);
        return;
      }
      const scope =
        auth.scope === null
          ? null
          : this.recordTyped(auth.scope, parseSpfScope, 'auth_results/spf/scope', EXPECTED.scope);
      const r: SpfAuthResult = {
        domain: auth.domain ?? '',
        scope,
        result,
        humanResult: auth.humanResult,
        ...(auth.humanResultLang === null ? {} : { humanResultLang: auth.humanResultLang }),
      };
      rec.spfResults.push(r);
    }
  }

  private finishRecord(): void {
    const rec = this.rec;
    this.rec = null;
    if (rec === null) return;
    const n = this.recordNo;
    if (!this.recHasData) {
      // Kept (as a 0-message row) so that record counts match the report as sent; the warning says why.
      this.warnings.add(
        `record ${n}: empty: it has no source_ip, count, policy_evaluated, identifiers or auth_results`,
      );
      this.recordCount++;
      this.pending.push(rec);
      return;
    }
    const ip = this.recIp;
    if (ip === undefined) this.warnings.add(`record ${n}: source_ip is missing`);
    else if (ip === null) this.warnings.add(`record ${n}: source_ip is empty`);
    else {
      const canonical = canonicalIp(ip);
      if (canonical === undefined) this.warnings.add(`record ${n}: source_ip ${quote(ip)} is not an IP address`);
      else rec.sourceIp = canonical;
    }
    const count = this.recCount;
    if (count === undefined || count === null) {
      this.warnings.add(`record ${n}: count is ${count === undefined ? 'missing' : 'empty'}; counted as 0`);
    } else {
      const c = parseWholeNumber(count);
      if (c === undefined)
        this.warnings.add(`record ${n}: count ${quote(count)} is not a non-negative integer; counted as 0`);
      else rec.count = c;
    }
    this.recordCount++;
    this.messageCount += rec.count;
    this.pending.push(rec);
  }
}

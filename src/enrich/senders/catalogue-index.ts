// The catalogue indexed for lookups: one map per kind of evidence, keyed by the exact pattern. A name is looked
// up by walking its label-boundary suffixes (one map lookup per label), so identification costs the same
// whatever the catalogue's size: no scan of the patterns.
import { CATALOGUE, PATTERN_KINDS, type Catalogue, type PatternKind, type SenderType } from './catalogue.js';
import { longestSuffixMatch } from './domain-name.js';

export interface IndexedService {
  /** Position in the catalogue: the last tie-break, so a fixed order. */
  readonly order: number;
  readonly id: string;
  readonly name: string;
  readonly type: SenderType;
}

/** One service's claim on a pattern. */
export interface Claim {
  readonly service: IndexedService;
  /** False when the pattern is declared shared and another service owns it (the owner wins a tie). */
  readonly owned: boolean;
}

export interface PatternMatch {
  /** The catalogue pattern that matched (for a name: the longest label-boundary suffix that is one). */
  readonly pattern: string;
  readonly claims: readonly Claim[];
}

export class CatalogueIndex {
  readonly services: readonly IndexedService[];
  private readonly byId = new Map<string, IndexedService>();
  private readonly maps = new Map<PatternKind, Map<string, Claim[]>>();

  constructor(catalogue: Catalogue) {
    const owners = new Map<string, string>();
    for (const s of catalogue.shared) owners.set(`${s.kind} ${String(s.value)}`, s.owner);
    for (const kind of PATTERN_KINDS) this.maps.set(kind, new Map());

    this.services = catalogue.services.map((s, order) => ({ order, id: s.id, name: s.name, type: s.type }));
    catalogue.services.forEach((s, order) => {
      const service = this.services[order]!;
      this.byId.set(s.id, service);
      const add = (kind: PatternKind, values: readonly (string | number)[]) => {
        const map = this.maps.get(kind)!;
        for (const v of values) {
          const value = String(v);
          const owner = owners.get(`${kind} ${value}`);
          const claim: Claim = { service, owned: owner === undefined || owner === s.id };
          const list = map.get(value);
          if (list) list.push(claim);
          else map.set(value, [claim]);
        }
      };
      add('ptr', s.ptr);
      add('dkim', s.dkim);
      add('selector', s.selectors);
      add('spf', s.spf);
      add('asn', s.asns);
    });
  }

  service(id: string): IndexedService | undefined {
    return this.byId.get(id);
  }

  /** A normalised host or domain name against the `ptr`, `dkim` or `spf` patterns: the most specific one. */
  matchName(kind: 'ptr' | 'dkim' | 'spf', name: string): PatternMatch | null {
    const map = this.maps.get(kind)!;
    const hit = longestSuffixMatch(name, (suffix) => map.get(suffix));
    return hit ? { pattern: hit.suffix, claims: hit.value } : null;
  }

  /** An exact DKIM selector or AS number. */
  matchExact(kind: 'selector' | 'asn', value: string): PatternMatch | null {
    const claims = this.maps.get(kind)!.get(value);
    return claims ? { pattern: value, claims } : null;
  }
}

/** The index of the shipped catalogue, built once. */
export const CATALOGUE_INDEX = new CatalogueIndex(CATALOGUE);

// The DMARC rules in SQL, defined once (the JavaScript twin is recordPassesDmarc in model/aggregate.ts): a message
// passes DMARC when its policy-evaluated DKIM or SPF is pass, i.e. authenticated AND aligned. Every query of the
// rollups, the records and the reports' facets uses these fragments, so that "pass" means the same everywhere.

const prefix = (alias: string | undefined): string => (alias ? `${alias}.` : '');

/** The row (a record or a rollup row, alias optional) passes DMARC. */
export function passesDmarc(alias?: string): string {
  const t = prefix(alias);
  return `(${t}dkim = 'pass' OR ${t}spf = 'pass')`;
}

/** The row fails DMARC (missing results count as fail). */
export function failsDmarc(alias?: string): string {
  return `NOT coalesce(${passesDmarc(alias)}, false)`;
}

/** A report facet "disposition/dkim/spf" (see outcomeKey) passes DMARC. */
export function facetPassesDmarc(facet: string): string {
  return `(split_part(${facet}, '/', 2) = 'pass' OR split_part(${facet}, '/', 3) = 'pass')`;
}

/** The facet's disposition. */
export function facetDisposition(facet: string): string {
  return `split_part(${facet}, '/', 1)`;
}

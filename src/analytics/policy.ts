// The published policy of a report, as the reports table stores it and the API shows it.

export interface PublishedPolicy {
  p: string | null;
  sp: string | null;
  np: string | null;
  pct: number | null;
  adkim: string | null;
  aspf: string | null;
  fo: string | null;
  testing: string | null;
  discoveryMethod: string | null;
}

/** The policy columns of `reports`, as selected. */
export interface PolicyColumns {
  p: string | null;
  sp: string | null;
  np: string | null;
  pct: number | null;
  adkim: string | null;
  aspf: string | null;
  fo: string | null;
  testing: string | null;
  discovery_method: string | null;
}

export function publishedPolicy(r: PolicyColumns): PublishedPolicy {
  return {
    p: r.p,
    sp: r.sp,
    np: r.np,
    pct: r.pct,
    adkim: r.adkim,
    aspf: r.aspf,
    fo: r.fo,
    testing: r.testing,
    discoveryMethod: r.discovery_method,
  };
}

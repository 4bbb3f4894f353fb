// OIDs of the PostgreSQL types whose default JS mapping differs between the two drivers.
export const OID = { int8: 20, numeric: 1700, date: 1082 } as const;

const toNumber = (v: string): number => Number(v);
const keep = (v: string): string => v;

/** Text-format parsers applied by both adapters so that repositories see one set of JS types. */
export const TEXT_PARSERS: Record<number, (value: string) => unknown> = {
  [OID.int8]: toNumber,
  [OID.numeric]: toNumber,
  [OID.date]: keep,
};

// Country names from ISO 3166-1 alpha-2 codes, in English, from the runtime's own ICU data (no table to keep).

/** The country filter's code for sources not located (CLDR's code for an unknown region). */
export const NOT_LOCATED = 'ZZ';

const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** 'US' → 'United States'; null for a code that is not a country's (or no code). */
export function countryName(code: string | null | undefined): string | null {
  if (!code || !/^[A-Z]{2}$/.test(code)) return null;
  try {
    return names.of(code) ?? null;
  } catch {
    return null;
  }
}

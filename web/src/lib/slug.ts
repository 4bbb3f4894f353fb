// Organisation slugs in forms: checked as the server checks them, and suggested from a name.
import { SLUG_PATTERN } from './routes';

export const SLUG_HINT = 'Lower-case letters, digits and inner hyphens (at most 63), e.g. acme-corp';

/** Why a slug would be refused by the server, or null when it is fine. */
export function slugProblem(slug: string): string | null {
  if (slug === '') return 'Give a slug.';
  if (SLUG_PATTERN.test(slug)) return null;
  return `“${slug}” cannot be a slug: ${SLUG_HINT.charAt(0).toLowerCase()}${SLUG_HINT.slice(1)}.`;
}

/** A slug suggested from a name: "Acme Corp." → "acme-corp". */
export function slugFrom(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

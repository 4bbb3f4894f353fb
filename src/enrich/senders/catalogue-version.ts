// The version of sender identification a stored identification was made with: a hash of the shipped catalogue
// and of the scoring's own version. When either changes (a new catalogue.json, new scoring rules), every stored
// identification is out of date and identify-senders identifies the sources again. The services' fix hints are
// advice, not identification: left out of the hash, so that a new hint re-identifies nothing.
import crypto from 'node:crypto';
import { CATALOGUE } from './catalogue.js';

/** Raise when identify.ts scores or groups differently for the same evidence. */
export const SCORING_VERSION = 1;

/** `s1-` + 16 hex digits of the catalogue's hash. */
export const CATALOGUE_VERSION = `s${SCORING_VERSION}-${crypto
  .createHash('sha256')
  .update(JSON.stringify(CATALOGUE, (key, value: unknown) => (key === 'fix' ? undefined : value)))
  .digest('hex')
  .slice(0, 16)}`;

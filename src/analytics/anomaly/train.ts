// Trains an organisation's next model version on its sources' days in a window (default: the 90 days ending with
// its last day of data), keeps it, activates it when it is the organisation's first model or when configured
// (DMARC_ANOMALY_AUTO_ACTIVATE), and keeps the newest DMARC_ANOMALY_KEEP_VERSIONS inactive versions.
import { sourceDayFacts, sourceDaySpan } from '../../store/anomaly-features.js';
import type { Database } from '../../store/database.js';
import { hasModel, insertModel, pruneModels, type StoredModel } from '../../store/ml-models.js';
import { addDays, daysInclusive } from './days.js';
import { NoTrainingDataError } from './errors.js';
import { trainModel, type TrainOptions } from './model.js';

export interface AnomalySettings {
  /** A newly trained model replaces the active one at once (else an admin deploys it). */
  autoActivate: boolean;
  /** Inactive versions kept; older ones are deleted with their predictions. */
  keepVersions: number;
}

export const DEFAULT_ANOMALY_SETTINGS: AnomalySettings = { autoActivate: false, keepVersions: 5 };

/** The training window's length when none is given, and the longest one allowed. */
export const DEFAULT_TRAINING_DAYS = 90;
export const MAX_WINDOW_DAYS = 731;

export interface TrainRequest extends TrainOptions {
  from?: string;
  to?: string;
  /** The user asking; null: the scheduled task. */
  createdBy: number | null;
}

export interface TrainOutcome {
  model: StoredModel;
  activated: boolean;
  pruned: number;
}

export async function trainOrgModel(
  db: Database,
  orgId: number,
  req: TrainRequest,
  settings: AnomalySettings = DEFAULT_ANOMALY_SETTINGS,
): Promise<TrainOutcome> {
  const span = await sourceDaySpan(db, orgId);
  if (span === null) {
    throw new NoTrainingDataError('this organisation has no mail from any source yet: import reports, then train');
  }
  const to = req.to ?? (req.from ? addDays(req.from, DEFAULT_TRAINING_DAYS - 1) : span.last);
  const from = req.from ?? addDays(to, -(DEFAULT_TRAINING_DAYS - 1));
  const facts = await sourceDayFacts(db, orgId, { from, to, referenceFrom: from });
  if (facts.length === 0) {
    throw new NoTrainingDataError(
      `no mail from any source between ${from} and ${to} (this organisation's data spans ${span.first} to ${span.last})`,
    );
  }
  const trained = trainModel(facts, req);
  const first = !(await hasModel(db, orgId));
  const activate = first || settings.autoActivate;
  const model = await insertModel(
    db,
    orgId,
    {
      parameters: trained.parameters,
      features: trained.features,
      forest: trained.forest,
      windowFrom: from,
      windowTo: to,
      samples: trained.samples,
      scoreDistribution: trained.scoreDistribution,
      threshold: trained.threshold,
      createdBy: req.createdBy,
    },
    activate,
  );
  const pruned = await pruneModels(db, orgId, settings.keepVersions);
  return { model, activated: activate, pruned };
}

/** A window's days when it is valid, else why not (for the routes' 400). */
export function windowProblem(from: string | undefined, to: string | undefined): string | null {
  if (from && to && to < from) return 'to must not be before from';
  if (from && to && daysInclusive(from, to) > MAX_WINDOW_DAYS) return `at most ${MAX_WINDOW_DAYS} days`;
  return null;
}

// The refusals of anomaly detection, with their catalogue codes (model/error-codes.ts).
import { AppError } from '../../model/errors.js';

export class NoTrainingDataError extends AppError {
  constructor(message: string) {
    super('no_training_data', message);
    this.name = 'NoTrainingDataError';
  }
}

export class NoActiveModelError extends AppError {
  constructor() {
    super('no_active_model', 'no anomaly model is active: train one (POST /api/analytics/models/train) or deploy one');
    this.name = 'NoActiveModelError';
  }
}

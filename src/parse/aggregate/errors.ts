// Errors and messages shared by the aggregate parser's modules.
import { AppError } from '../../model/errors.js';

/** The XML is not well-formed, or its bytes do not decode: the caller may try recovery. */
export class XmlSyntaxError extends AppError {
  constructor(message: string) {
    super('not_well_formed', message);
    this.name = 'XmlSyntaxError';
  }
}

export const DOCTYPE_MESSAGE = 'DOCTYPE declarations are not allowed in reports';
export const EMPTY_MESSAGE = 'document is empty';

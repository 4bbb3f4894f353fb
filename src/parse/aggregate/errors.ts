// Errors and messages shared by the aggregate parser's modules.

/** The XML is not well-formed, or its bytes do not decode: the caller may try recovery. */
export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

export const DOCTYPE_MESSAGE = 'DOCTYPE declarations are not allowed in reports';
export const EMPTY_MESSAGE = 'document is empty';

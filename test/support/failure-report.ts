// A failure report (RFC 6591 ARF) as a receiver mails it: a multipart/report with a human-readable part, the
// message/feedback-report fields and the original message (or its headers) attached. For the failure report tests.

export interface ArfParts {
  /** The message/feedback-report part, as written (fields one per line). */
  feedback: string;
  /** The attached original (message/rfc822 by default), as written. */
  original: string;
  originalType?: 'message/rfc822' | 'text/rfc822-headers';
  /** Headers of the report mail itself before its MIME headers (e.g. a Message-ID). */
  extraHeaders?: string[];
  /** The line ending (CRLF as on the wire, or LF as files on disk often have). */
  eol?: '\r\n' | '\n';
}

export function arfMessage(p: ArfParts): Buffer {
  return Buffer.from(
    [
      'From: reports@receiver.example',
      'To: ruf@example.com',
      'Subject: DMARC failure report',
      ...(p.extraHeaders ?? []),
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'A message failed DMARC.',
      '--b',
      'Content-Type: message/feedback-report',
      '',
      p.feedback,
      '--b',
      `Content-Type: ${p.originalType ?? 'message/rfc822'}`,
      '',
      p.original,
      '--b--',
      '',
    ].join(p.eol ?? '\r\n'),
  );
}

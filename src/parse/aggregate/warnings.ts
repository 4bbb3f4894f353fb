// Collects non-fatal problems. Bounded: a 200k-record report where every record is odd must not produce
// 200k strings; past the cap only a count is kept and reported as one summary line.

export const MAX_WARNINGS = 200;

export class Warnings {
  private readonly list: string[] = [];
  private dropped = 0;

  constructor(private readonly max = MAX_WARNINGS) {}

  add(message: string): void {
    if (this.list.length < this.max) this.list.push(message);
    else this.dropped++;
  }

  /** The warnings so far, with a summary line when some were left out. */
  toArray(): string[] {
    return this.dropped === 0
      ? [...this.list]
      : [...this.list, `... and ${this.dropped} more warning${this.dropped === 1 ? '' : 's'} not listed`];
  }
}

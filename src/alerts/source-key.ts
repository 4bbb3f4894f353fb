// How the rules about sources (new_sender, sender_failing) name a source. Today that is its IP address; sender
// identification (another piece of work) will map addresses to senders and services, and a key that names the
// sender then replaces this one without the rules changing.

export interface SourceKey {
  /** For figures and logs: what the subject of a breach is ('ip', later 'sender'). */
  readonly name: string;
  /** SQL: the source key (text) of a rollup_source_daily row with this alias; NULL when there is none. */
  expr(alias: string): string;
  /** SQL: the row with this alias has the key given by the SQL expression `value` (may use an index). */
  matches(alias: string, value: string): string;
}

/** The source IP address, as PostgreSQL writes it (host(inet): no /32). */
export const SOURCE_IP_KEY: SourceKey = {
  name: 'ip',
  expr: (a) => `host(${a}.source_ip)`,
  matches: (a, value) => `${a}.source_ip = (${value})::inet`,
};

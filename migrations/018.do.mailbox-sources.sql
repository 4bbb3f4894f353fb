-- Files fetched from Microsoft Graph, Gmail API and Maildir mailboxes say where they came from, like IMAP's.
ALTER TABLE ingested_files DROP CONSTRAINT ingested_files_source_check;
ALTER TABLE ingested_files ADD CONSTRAINT ingested_files_source_check
  CHECK (source IN ('upload', 'imap', 'cli', 'api', 'graph', 'gmail', 'maildir'));

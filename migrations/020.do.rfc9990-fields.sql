-- RFC 9990 (DMARCbis aggregate reporting) fields that had nowhere to go.
-- lang attributes: NULL (or a NULL array element) where the reporter gave none. reporter_error_langs is
-- parallel to reporter_errors; the record arrays are parallel to reason_comments, dkim_human_results and
-- spf_human_results ('{}' for records stored before this migration: no lang).
ALTER TABLE reports ADD COLUMN extra_contact_info_lang text;
ALTER TABLE reports ADD COLUMN reporter_error_langs jsonb NOT NULL DEFAULT '[]'::jsonb;
-- Extension elements as the parser keeps them: [{"record": <idx or null>, "xml": "<ext:...>...</ext:...>"}].
ALTER TABLE reports ADD COLUMN extensions jsonb NOT NULL DEFAULT '[]'::jsonb;

ALTER TABLE records ADD COLUMN reason_comment_langs text[] NOT NULL DEFAULT '{}';
ALTER TABLE records ADD COLUMN dkim_human_result_langs text[] NOT NULL DEFAULT '{}';
ALTER TABLE records ADD COLUMN spf_human_result_langs text[] NOT NULL DEFAULT '{}';

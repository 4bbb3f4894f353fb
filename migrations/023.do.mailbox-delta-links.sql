-- Microsoft Graph mailboxes list their folder with a delta query: the @odata.deltaLink of the last complete run is
-- kept per organisation and mailbox, so that the next run asks for the changes only. `scope` names what the link
-- lists (service, tenant, mailbox, folder and its id, mark-read mode): a link of another folder or configuration
-- is never used. Written only after a run's messages are handled.
CREATE TABLE mailbox_delta_links (
  org_id      bigint      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  mailbox     text        NOT NULL CHECK (length(mailbox) BETWEEN 1 AND 100),
  scope       text        NOT NULL,
  delta_link  text        NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, mailbox)
);

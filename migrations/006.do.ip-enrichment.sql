-- Enrichment of source IPs: public facts about an address (country, AS, reverse DNS), looked up once and shared by
-- every organisation — no customer data lives here. Nothing lists this table on its own: it is read joined through
-- an organisation's own rollups (store/ip-enrichment.ts), so an organisation never learns of another's sources.
CREATE TABLE ip_enrichment (
  ip            inet        PRIMARY KEY,
  -- ISO 3166-1 alpha-2; NULL when the address is not located
  country       text        CHECK (country ~ '^[A-Z]{2}$'),
  -- 32-bit AS numbers go past int4
  asn           bigint      CHECK (asn BETWEEN 0 AND 4294967295),
  as_org        text,
  -- from the optional city database (DMARC_GEOIP_CITY_DB)
  region        text,
  city          text,
  latitude      double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude     double precision CHECK (longitude BETWEEN -180 AND 180),
  -- reverse DNS: the PTR name (lower case, no trailing dot), whether it resolves back to the address
  -- (NULL: not checked), and its registrable domain (public-suffix aware)
  ptr           text        CHECK (length(ptr) <= 253),
  fcrdns        boolean,
  base_domain   text,
  -- NULL, or the kind of special-purpose range the address is in (never looked up in DNS)
  reserved      text        CHECK (reserved IN ('private', 'loopback', 'link-local', 'cgnat', 'documentation',
                  'benchmarking', 'multicast', 'unspecified', 'broadcast', 'unique-local', 'reserved')),
  -- how the reverse lookup went: ok, a negative answer (retried sooner), off (DMARC_RDNS=off), skipped (reserved)
  dns_status    text        NOT NULL CHECK (dns_status IN ('ok', 'nxdomain', 'nodata', 'servfail', 'refused',
                  'timeout', 'error', 'off', 'skipped')),
  looked_up_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ip_enrichment_country_idx ON ip_enrichment (country);
CREATE INDEX ip_enrichment_asn_idx ON ip_enrichment (asn);
CREATE INDEX ip_enrichment_base_domain_idx ON ip_enrichment (base_domain);

-- Per organisation: reports stored before this moment have had their source IPs enriched (the enrich-sources
-- task then only reads the records of reports stored since, less a margin for transactions still open then).
CREATE TABLE ip_enrichment_checks (
  org_id         bigint      PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  checked_until  timestamptz NOT NULL
);

-- The reports stored since a moment, per organisation (what enrich-sources reads).
CREATE INDEX reports_org_created_idx ON reports (org_id, created_at);

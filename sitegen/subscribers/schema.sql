-- The subscriber list's schema (store.py runs it): one migration per '-- migration N' section,
-- in order; PRAGMA user_version says how many have run. Append a section, never edit one.

-- migration 1: the first schema.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE subscribers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,                 -- as email-validator normalised it
    email_key TEXT NOT NULL UNIQUE,      -- lower-cased: one row per address
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    paused INTEGER NOT NULL DEFAULT 0,
    nonce TEXT NOT NULL,                 -- in every link's token: links of a deleted row never work again
    created_at TEXT NOT NULL,
    signed_up_at TEXT NOT NULL,          -- the latest sign-up (or import, or add)
    confirmed_at TEXT,
    unsubscribed_at TEXT,
    source TEXT NOT NULL DEFAULT '',     -- the page the form was on, or import:<file>, or cli
    signup_ip TEXT,
    signup_user_agent TEXT,
    form_consent_version TEXT,           -- the consent sentence's version the form showed
    confirmations_sent INTEGER NOT NULL DEFAULT 0,  -- in the day that started at confirmation_day_at
    confirmation_day_at TEXT,
    last_confirmation_at TEXT
);
CREATE INDEX subscribers_status ON subscribers (status, created_at);

CREATE TABLE subscriber_topics (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, topic)
) WITHOUT ROWID;
CREATE INDEX subscriber_topics_topic ON subscriber_topics (topic);

CREATE TABLE consent_log (
    id INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    event TEXT NOT NULL,                 -- signup, confirmed, imported, added, topics, paused, resumed, unsubscribed
    at TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    source TEXT,
    sentence TEXT,                       -- the exact consent sentence agreed to
    sentence_version TEXT,
    detail TEXT                          -- JSON: what else the event knows (the sign-up's time, IP, ...)
);
CREATE INDEX consent_log_subscriber ON consent_log (subscriber_id);

CREATE TABLE suppression (
    hash TEXT PRIMARY KEY,               -- HMAC of the lower-cased address with the site secret
    reason TEXT NOT NULL,                -- unsubscribed, deleted, imported
    at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                  -- confirm, welcome
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    recipient TEXT,                      -- emptied once sent or failed
    message BLOB,                        -- the whole message; emptied once sent or failed
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_at TEXT,                     -- when the SMTP transaction began (state 'sending')
    sent_at TEXT,
    last_error TEXT                      -- never an address
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);

-- migration 2: the newsletter's send ledger (ledger.py): one row per (issue, subscriber), so a rerun
-- knows exactly who got what. 'sending' is committed before the SMTP transaction and 'sent' right
-- after; a row a killed run left 'sending' becomes 'doubt' (it may have been delivered).
CREATE TABLE deliveries (
    issue TEXT NOT NULL,                 -- the issue's slug
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'doubt')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    last_error TEXT,                     -- the mail server's reply, never an address
    PRIMARY KEY (issue, subscriber_id)
) WITHOUT ROWID;
CREATE INDEX deliveries_state ON deliveries (issue, state, subscriber_id);

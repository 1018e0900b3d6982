"""The subscriber list and the service that keeps it: store (the database), tokens (signed links),
forms (what people type), pages (the theme's pages and emails), outbox (sending), guard (headers,
limits, the log) and service (the web app)."""

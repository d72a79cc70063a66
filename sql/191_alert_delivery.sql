-- Webhook delivery (issue 25, docs/alerts.md "Webhooks"): the sender's /health detail
-- counts failed notifications; without this index that count reads every delivered row.
create index alert_notifications_failed on alert_notifications (failed_at) where failed_at is not null;

// Fixed datasource uids: grafana/provisioning/datasources/datasources.yml creates the
// datasources with these uids and every dashboard panel references them by uid.
export const POSTGRES_UID = 'tracker-timescaledb';
export const PROMETHEUS_UID = 'tracker-prometheus';

"""What operators watch: health, Prometheus metrics and the per-request log line."""

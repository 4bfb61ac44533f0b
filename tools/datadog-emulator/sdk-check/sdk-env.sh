# Sourced before ddtrace runs against datadog-emulator: only the LLM Observability
# traffic is wanted — no telemetry, remote configuration, crash tracking or APM
# traces (anything that slipped through would find a closed port). The caller sets
# DD_LLMOBS_OVERRIDE_ORIGIN, DD_API_KEY, DD_APP_KEY, DD_LLMOBS_ML_APP and
# DD_LLMOBS_PROJECT_NAME.
export DD_SITE=datadoghq.com DD_LLMOBS_AGENTLESS_ENABLED=true DD_SERVICE=sdk-check \
  DD_ENV=test DD_INSTRUMENTATION_TELEMETRY_ENABLED=false \
  DD_REMOTE_CONFIGURATION_ENABLED=false DD_CRASHTRACKING_ENABLED=false \
  DD_APM_TRACING_ENABLED=false DD_TRACE_AGENT_URL=http://127.0.0.1:9

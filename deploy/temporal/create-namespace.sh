#!/bin/sh
# Creates the namespace and registers the search attributes the rivya-sora2 workflow upserts.
# Keep SEARCH_ATTRIBUTES in step with workflows/search-attributes.ts (CI checks that it is).
# One script for compose's temporal-namespace job (admin-tools image) and `rivya-sora2 cluster up`
# (which sets TEMPORAL_ADDRESS and puts the pinned Temporal CLI first on PATH).
#
# SQL visibility (PostgreSQL v12 schema) holds at most 10 custom Keyword attributes per namespace
# (columns Keyword01-10) and 3 of each other type; these 4 Keywords fit (test/cluster checks it).
set -eu
NAMESPACE="${DEFAULT_NAMESPACE:-default}"
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
SEARCH_ATTRIBUTES="RivyaTaskId=Keyword RivyaTaskStatus=Keyword RivyaModel=Keyword RivyaBatchId=Keyword RivyaAccount=Keyword"
# Seconds to keep retrying a registration (a new namespace is unknown to the frontend's cache for ~2 s).
ATTEMPTS="${REGISTER_ATTEMPTS:-30}"

until temporal operator cluster health --address "$ADDRESS"; do
  echo 'waiting for the Temporal server...'
  sleep "${HEALTH_RETRY_SECONDS:-5}"
done
temporal operator namespace describe -n "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$NAMESPACE" --address "$ADDRESS"

registered() {
  temporal operator search-attribute list --namespace "$NAMESPACE" --address "$ADDRESS" 2>/dev/null | grep -qw "$1"
}
for pair in $SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  attempt=0
  # Done when the server lists it, not when `create` exits 0: a failed create is retried (namespace
  # cache), an already registered attribute is simply listed.
  until registered "$name"; do
    attempt=$((attempt + 1))
    if [ "$attempt" -gt "$ATTEMPTS" ]; then
      echo "search attribute $name could not be registered in namespace $NAMESPACE" >&2
      exit 1
    fi
    temporal operator search-attribute create --namespace "$NAMESPACE" --address "$ADDRESS" --name "$name" --type "$type" \
      || sleep 1
  done
done
echo "namespace $NAMESPACE ready with: $SEARCH_ATTRIBUTES"

#!/bin/sh
# Creates the namespace and registers the search attributes the rivya-sora2 workflow upserts.
# Keep SEARCH_ATTRIBUTES in step with workflows/search-attributes.ts (CI checks that it is).
set -eu
NAMESPACE="${DEFAULT_NAMESPACE:-default}"
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
SEARCH_ATTRIBUTES="RivyaTaskId=Keyword RivyaTaskStatus=Keyword RivyaModel=Keyword"

until temporal operator cluster health --address "$ADDRESS"; do
  echo 'waiting for the Temporal server...'
  sleep 5
done
temporal operator namespace describe -n "$NAMESPACE" --address "$ADDRESS" \
  || temporal operator namespace create -n "$NAMESPACE" --address "$ADDRESS"
for pair in $SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  temporal operator search-attribute create --namespace "$NAMESPACE" --address "$ADDRESS" --name "$name" --type "$type" \
    || echo "search attribute $name already registered"
done
echo "namespace $NAMESPACE ready with: $SEARCH_ATTRIBUTES"

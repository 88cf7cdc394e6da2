#!/bin/sh
# azd postdeploy hook: subscribes the reference consumer (the CatalogVideo blob trigger) to the
# storage account's BlobCreated events. The webhook's blobs_extension key exists only once the
# deployed host has started with that trigger, so this waits for it, then deploys
# infra/app/eventgrid-subscription.bicep into the resource group. Safe to re-run.
# Needs the Azure CLI, signed in to the same tenant as azd (`az login`). Every az call names azd's
# subscription (AZURE_SUBSCRIPTION_ID), whatever `az account show` says is the default.
set -eu

for name in AZURE_SUBSCRIPTION_ID AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME AZURE_STORAGE_ACCOUNT_NAME EVENTGRID_SYSTEM_TOPIC_NAME; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "postdeploy: $name is not set; run 'azd provision' first." >&2
    exit 1
  fi
done

if ! command -v az >/dev/null 2>&1; then
  echo "postdeploy: the Azure CLI (az) is required to create the Event Grid subscription." >&2
  exit 1
fi

videos_container="${VIDEOS_CONTAINER_NAME:-videos}"
dead_letter_container="${EVENTGRID_DEADLETTER_CONTAINER_NAME:-eventgrid-deadletter}"
function_name="${CATALOG_FUNCTION_NAME:-CatalogVideo}"
attempts="${POSTDEPLOY_KEY_ATTEMPTS:-30}"
interval="${POSTDEPLOY_KEY_INTERVAL_SECONDS:-10}"

echo "postdeploy: waiting for the blobs_extension system key of $AZURE_FUNCTION_APP_NAME ..."
attempt=1
while :; do
  # Only test for presence: the key itself is never printed or kept.
  if az functionapp keys list --subscription "$AZURE_SUBSCRIPTION_ID" --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
      --query "contains(keys(systemKeys), 'blobs_extension')" --output tsv 2>/dev/null | grep -qi '^true$'; then
    break
  fi
  if [ "$attempt" -ge "$attempts" ]; then
    echo "postdeploy: no blobs_extension key after $attempts attempts; is $function_name deployed with an Event Grid blob trigger? Re-run: azd hooks run postdeploy" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep "$interval"
done

echo "postdeploy: subscribing $function_name to Microsoft.Storage.BlobCreated on $videos_container/*.mp4 ..."
az deployment group create \
  --subscription "$AZURE_SUBSCRIPTION_ID" \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --name catalog-eventgrid-subscription \
  --template-file infra/app/eventgrid-subscription.bicep \
  --parameters \
    functionAppName="$AZURE_FUNCTION_APP_NAME" \
    systemTopicName="$EVENTGRID_SYSTEM_TOPIC_NAME" \
    storageAccountName="$AZURE_STORAGE_ACCOUNT_NAME" \
    videosContainerName="$videos_container" \
    deadLetterContainerName="$dead_letter_container" \
    functionName="$function_name" \
  --output none

echo "postdeploy: Event Grid subscription 'catalog-video-created' is in place."

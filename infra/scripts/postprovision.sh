#!/bin/sh
# azd postprovision hook: writes src/SoraFunctions/local.settings.json so that `func start`
# on this machine uses the provisioned storage account for videos and the catalog (through
# your own Entra ID sign-in: `az login`; azd gave AZURE_PRINCIPAL_ID the data roles), while
# the durable task hub stays in Azurite, so a local host never takes work items from the
# deployed app. An existing file is kept unless LOCAL_SETTINGS_OVERWRITE=true.
# The provider key is not written: set Sora__ApiKey (or OPENAI_API_KEY) yourself.
set -eu

target="src/SoraFunctions/local.settings.json"

for name in AZURE_STORAGE_BLOB_ENDPOINT AZURE_STORAGE_QUEUE_ENDPOINT AZURE_STORAGE_TABLE_ENDPOINT; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "postprovision: $name is not set; nothing written." >&2
    exit 1
  fi
done

if [ -f "$target" ] && [ "${LOCAL_SETTINGS_OVERWRITE:-false}" != "true" ]; then
  echo "postprovision: $target exists; kept (set LOCAL_SETTINGS_OVERWRITE=true to regenerate)."
  exit 0
fi

cat > "$target" <<JSON
{
  "IsEncrypted": false,
  "Values": {
    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "VideoStorage__blobServiceUri": "${AZURE_STORAGE_BLOB_ENDPOINT}",
    "VideoStorage__queueServiceUri": "${AZURE_STORAGE_QUEUE_ENDPOINT}",
    "VideoStorage__tableServiceUri": "${AZURE_STORAGE_TABLE_ENDPOINT}",
    "VideoStorage__Container": "${VIDEOS_CONTAINER_NAME:-videos}",
    "Sora__BaseUrl": "${SORA_BASE_URL:-https://api.openai.com/v1}",
    "Sora__AuthMode": "${SORA_AUTH_MODE:-Bearer}",
    "Catalog__TableName": "${CATALOG_TABLE_NAME:-videocatalog}"
  }
}
JSON

echo "postprovision: wrote $target (videos in ${AZURE_STORAGE_ACCOUNT_NAME:-the provisioned account}, task hub in Azurite)."

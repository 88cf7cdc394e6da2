# azd postdeploy hook: subscribes the reference consumer (the CatalogVideo blob trigger) to the
# storage account's BlobCreated events. The webhook's blobs_extension key exists only once the
# deployed host has started with that trigger, so this waits for it, then deploys
# infra/app/eventgrid-subscription.bicep into the resource group. Safe to re-run.
# Needs the Azure CLI, signed in to the same tenant as azd (`az login`). Every az call names azd's
# subscription (AZURE_SUBSCRIPTION_ID), whatever `az account show` says is the default.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

foreach ($name in 'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'AZURE_STORAGE_ACCOUNT_NAME', 'EVENTGRID_SYSTEM_TOPIC_NAME') {
    if (-not [Environment]::GetEnvironmentVariable($name)) {
        Write-Error "postdeploy: $name is not set; run 'azd provision' first."
    }
}

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Write-Error 'postdeploy: the Azure CLI (az) is required to create the Event Grid subscription.'
}

function Get-Setting([string] $Name, [string] $Default) {
    $value = [Environment]::GetEnvironmentVariable($Name)
    if ($value) { return $value } else { return $Default }
}

$subscription = $env:AZURE_SUBSCRIPTION_ID
$resourceGroup = $env:AZURE_RESOURCE_GROUP
$functionApp = $env:AZURE_FUNCTION_APP_NAME
$videosContainer = Get-Setting 'VIDEOS_CONTAINER_NAME' 'videos'
$deadLetterContainer = Get-Setting 'EVENTGRID_DEADLETTER_CONTAINER_NAME' 'eventgrid-deadletter'
$functionName = Get-Setting 'CATALOG_FUNCTION_NAME' 'CatalogVideo'
$attempts = [int](Get-Setting 'POSTDEPLOY_KEY_ATTEMPTS' '30')
$interval = [int](Get-Setting 'POSTDEPLOY_KEY_INTERVAL_SECONDS' '10')

Write-Host "postdeploy: waiting for the blobs_extension system key of $functionApp ..."
for ($attempt = 1; ; $attempt++) {
    # Only test for presence: the key itself is never printed or kept.
    $present = az functionapp keys list --subscription $subscription --resource-group $resourceGroup --name $functionApp `
        --query "contains(keys(systemKeys), 'blobs_extension')" --output tsv 2>$null
    if ($LASTEXITCODE -eq 0 -and "$present".Trim() -eq 'true') { break }
    if ($attempt -ge $attempts) {
        Write-Error "postdeploy: no blobs_extension key after $attempts attempts; is $functionName deployed with an Event Grid blob trigger? Re-run: azd hooks run postdeploy"
    }
    Start-Sleep -Seconds $interval
}

Write-Host "postdeploy: subscribing $functionName to Microsoft.Storage.BlobCreated on $videosContainer/*.mp4 ..."
az deployment group create `
    --subscription $subscription `
    --resource-group $resourceGroup `
    --name catalog-eventgrid-subscription `
    --template-file infra/app/eventgrid-subscription.bicep `
    --parameters `
        "functionAppName=$functionApp" `
        "systemTopicName=$($env:EVENTGRID_SYSTEM_TOPIC_NAME)" `
        "storageAccountName=$($env:AZURE_STORAGE_ACCOUNT_NAME)" `
        "videosContainerName=$videosContainer" `
        "deadLetterContainerName=$deadLetterContainer" `
        "functionName=$functionName" `
    --output none
if ($LASTEXITCODE -ne 0) { Write-Error 'postdeploy: az deployment group create failed.' }

Write-Host "postdeploy: Event Grid subscription 'catalog-video-created' is in place."

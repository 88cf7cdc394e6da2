# azd postprovision hook: writes src/SoraFunctions/local.settings.json so that `func start`
# on this machine uses the provisioned storage account for videos and the catalog (through
# your own Entra ID sign-in: `az login`; azd gave AZURE_PRINCIPAL_ID the data roles), while
# the durable task hub stays in Azurite, so a local host never takes work items from the
# deployed app. An existing file is kept unless LOCAL_SETTINGS_OVERWRITE=true.
# The provider key is not written: set Sora__ApiKey (or OPENAI_API_KEY) yourself.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$target = 'src/SoraFunctions/local.settings.json'

foreach ($name in 'AZURE_STORAGE_BLOB_ENDPOINT', 'AZURE_STORAGE_QUEUE_ENDPOINT', 'AZURE_STORAGE_TABLE_ENDPOINT') {
    if (-not [Environment]::GetEnvironmentVariable($name)) {
        Write-Error "postprovision: $name is not set; nothing written."
    }
}

function Get-Setting([string] $Name, [string] $Default) {
    $value = [Environment]::GetEnvironmentVariable($Name)
    if ($value) { return $value } else { return $Default }
}

if ((Test-Path $target) -and ((Get-Setting 'LOCAL_SETTINGS_OVERWRITE' 'false') -ne 'true')) {
    Write-Host "postprovision: $target exists; kept (set LOCAL_SETTINGS_OVERWRITE=true to regenerate)."
    exit 0
}

$settings = [ordered]@{
    IsEncrypted = $false
    Values      = [ordered]@{
        FUNCTIONS_WORKER_RUNTIME        = 'dotnet-isolated'
        AzureWebJobsStorage             = 'UseDevelopmentStorage=true'
        VideoStorage__blobServiceUri    = $env:AZURE_STORAGE_BLOB_ENDPOINT
        VideoStorage__queueServiceUri   = $env:AZURE_STORAGE_QUEUE_ENDPOINT
        VideoStorage__tableServiceUri   = $env:AZURE_STORAGE_TABLE_ENDPOINT
        VideoStorage__Container         = Get-Setting 'VIDEOS_CONTAINER_NAME' 'videos'
        Sora__BaseUrl                   = Get-Setting 'SORA_BASE_URL' 'https://api.openai.com/v1'
        Sora__AuthMode                  = Get-Setting 'SORA_AUTH_MODE' 'Bearer'
        Catalog__TableName              = Get-Setting 'CATALOG_TABLE_NAME' 'videocatalog'
    }
}
$settings | ConvertTo-Json -Depth 3 | Set-Content -Path $target -Encoding utf8

Write-Host "postprovision: wrote $target (videos in $(Get-Setting 'AZURE_STORAGE_ACCOUNT_NAME' 'the provisioned account'), task hub in Azurite)."

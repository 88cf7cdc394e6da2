// SoraFunctions: everything the app needs in Azure, in one resource group.
// Deploy with `azd up` (azure.yaml) or `az deployment sub create` (see infra/README.md).
targetScope = 'subscription'

// ---------------------------------------------------------------- environment

@minLength(1)
@maxLength(64)
@description('Name of the environment; with the subscription and location it seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer the Flex Consumption plan (`az functionapp list-flexconsumption-locations`).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty for rg-{environmentName}.')
param resourceGroupName string = ''

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID): gets the storage data roles for local runs against Azure and Key Vault Secrets Officer. Empty for none.')
param principalId string = ''

@description('Type of principalId: User for a person, ServicePrincipal for a CI identity.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// ---------------------------------------------------------------- callers and brakes

@description('Entra ID app registration (client id) for App Service authentication; empty = off (callers are anonymous behind the function key). Admins hold the Videos.Admin app role.')
param authClientId string = ''

@description('Limits__MaxRunningJobs: provider jobs in flight across every instance (0 = no cap).')
@minValue(0)
param limitsMaxRunningJobs int = 10

@description('Limits__CreatesPerMinute: provider creates per minute across every instance (0 = unpaced).')
@minValue(0)
param limitsCreatesPerMinute int = 20

@description('Limits__CallerDailyUsd: each caller\'s estimated spend per UTC day in USD; empty = off.')
param limitsCallerDailyUsd string = ''

@description('Limits__DailyUsd: everyone\'s estimated spend per UTC day in USD; empty = off.')
param limitsDailyUsd string = ''

// ---------------------------------------------------------------- video provider

@description('Provider: the video provider the pipeline drives (Sora, or Runway with runwayApiKey).')
@allowed([
  'Sora'
  'Runway'
])
param provider string = 'Sora'

@description('Provider API key, stored as a Key Vault secret; the secret is created only when this is not empty (otherwise set it later, see infra/README.md). Not used when soraAuthMode is EntraId.')
@secure()
param soraApiKey string = ''

@description('Signing secret (whsec_...) of the provider\'s webhooks, stored as a Key Vault secret. When set, Sora__WebhookSecret references it and POST /api/webhooks/sora wakes jobs as soon as the provider reports them done; when empty, jobs rely on polling alone.')
@secure()
param soraWebhookSecret string = ''

@description('Sora__BaseUrl: base URL of a Videos API provider (OpenAI, Azure OpenAI v1 `https://{resource}.openai.azure.com/openai/v1`, or a compatible gateway).')
param soraBaseUrl string = 'https://api.openai.com/v1'

@description('Sora__AuthMode: Bearer (OpenAI, most gateways) or ApiKeyHeader (Azure OpenAI keys) send the Key Vault-held key; EntraId sends a token of the app identity (Azure OpenAI, with the Cognitive Services OpenAI User role granted to that identity).')
@allowed([
  'Bearer'
  'ApiKeyHeader'
  'EntraId'
])
param soraAuthMode string = 'Bearer'

@description('Sora__DefaultModel: model used when a request names none.')
param soraDefaultModel string = 'sora-2'

@description('Sora__DefaultSeconds: duration used when a request names none.')
param soraDefaultSeconds string = '4'

@description('Sora__DefaultSize: size used when a request names none.')
param soraDefaultSize string = '720x1280'

@description('Sora__RequestTimeoutSeconds: timeout of one provider call.')
@minValue(1)
param soraRequestTimeoutSeconds int = 100

@description('Sora__EntraScope: token scope when soraAuthMode is EntraId.')
param soraEntraScope string = 'https://cognitiveservices.azure.com/.default'

@description('Runway API secret, stored as a Key Vault secret that Runway__ApiKey references; the secret is created only when this is not empty. Needed when provider is Runway.')
@secure()
param runwayApiKey string = ''

@description('Runway__BaseUrl: the Runway API host.')
param runwayBaseUrl string = 'https://api.dev.runwayml.com'

@description('Runway__DefaultModel: model used when a request names none (gen4.5, veo3.1, veo3.1_fast).')
param runwayDefaultModel string = 'gen4.5'

@description('Runway__DefaultSeconds: duration used when a request names none.')
param runwayDefaultSeconds string = '5'

@description('Runway__DefaultSize: size used when a request names none (WxH, sent as the ratio W:H).')
param runwayDefaultSize string = '1280x720'

// ---------------------------------------------------------------- pipeline and scale

@description('Pipeline__MinPollSeconds: shortest wait between two status checks of a job.')
@minValue(1)
param pipelineMinPollSeconds int = 2

@description('Pipeline__MaxPollSeconds: longest wait between two status checks of a job.')
@minValue(1)
param pipelineMaxPollSeconds int = 30

@description('Pipeline__JobTimeoutMinutes: a job unfinished after this long fails with code timeout.')
@minValue(1)
param pipelineJobTimeoutMinutes int = 60

@description('Seconds between status sweeps (Pipeline__SweepSeconds): one read of the provider\'s video list wakes the jobs whose video ended, instead of every job checking its own; 0 (default) leaves each job to poll.')
@minValue(0)
@maxValue(3600)
param pipelineSweepSeconds int = 0

@description('Always-ready instances of the Flex Consumption `durable` group. 0 (default) scales to zero; 1 keeps a worker polling the task hub, so durable timers fire close to their due time and jobs start without a cold start, for the price of one permanently billed instance.')
@minValue(0)
@maxValue(20)
param durableAlwaysReadyInstanceCount int = 0

@description('Memory of each function app instance, in MB.')
@allowed([
  512
  2048
  4096
])
param functionAppInstanceMemoryMB int = 2048

@description('Most instances the function app scales out to.')
@minValue(40)
@maxValue(1000)
param functionAppMaximumInstanceCount int = 100

// ---------------------------------------------------------------- security

@description('Key Vault purge protection: a deleted vault (and its secrets) cannot be purged before its 7-day retention ends, so `azd down --purge` leaves it soft-deleted. Irreversible on a vault once on; turn off only for throwaway environments.')
param keyVaultPurgeProtection bool = true

@description('Put the app on a virtual network: outbound VNet integration of the Flex Consumption app, private endpoints (with private DNS zones) for blob, queue and table storage and Key Vault, and public network access off on the storage account and the vault.')
param vnetEnabled bool = false

// ---------------------------------------------------------------- consumers

@description('Catalog__TableName: table the reference consumer (CatalogVideo) writes the video catalog to.')
param catalogTableName string = 'videocatalog'

@description('Name of the reference consumer function; the postdeploy hook subscribes it to BlobCreated events.')
param catalogFunctionName string = 'CatalogVideo'

@description('HTTPS webhook of an external subscriber for finished videos (same filter as the reference consumer); empty for none. Event Grid validates the endpoint when the subscription is created.')
@secure()
param externalSubscriberWebhookUrl string = ''

@description('Storage queue an external subscriber reads finished-video events from (created in the app\'s storage account, delivered with the system topic\'s identity); empty for none.')
param externalSubscriberQueueName string = ''

// ---------------------------------------------------------------- names

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var identityName = '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var logAnalyticsName = '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
var applicationInsightsName = '${abbrs.insightsComponents}${resourceToken}'
var planName = '${abbrs.webServerFarms}${resourceToken}'
var systemTopicName = '${abbrs.eventGridSystemTopics}${resourceToken}'
var vnetName = '${abbrs.networkVirtualNetworks}${resourceToken}'
var videosContainerName = 'videos'
var deadLetterContainerName = 'eventgrid-deadletter'
var soraApiKeySecretName = 'sora-api-key'
var soraWebhookSecretName = 'sora-webhook-secret'
var runwayApiKeySecretName = 'runway-api-key'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    videosContainerName: videosContainerName
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: deadLetterContainerName
    subscriberQueueName: externalSubscriberQueueName
    privateNetworkOnly: vnetEnabled
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    soraApiKeySecretName: soraApiKeySecretName
    soraApiKey: soraApiKey
    soraWebhookSecretName: soraWebhookSecretName
    soraWebhookSecret: soraWebhookSecret
    runwayApiKeySecretName: runwayApiKeySecretName
    runwayApiKey: runwayApiKey
    enablePurgeProtection: keyVaultPurgeProtection
    privateNetworkOnly: vnetEnabled
  }
}

module vnet 'app/vnet.bicep' = if (vnetEnabled) {
  name: 'vnet'
  scope: rg
  params: {
    name: vnetName
    location: location
    tags: tags
  }
}

module privateEndpoints 'app/private-endpoints.bicep' = if (vnetEnabled) {
  name: 'private-endpoints'
  scope: rg
  params: {
    location: location
    tags: tags
    vnetName: vnetName
    subnetId: vnet!.outputs.privateEndpointSubnetId
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    namePrefix: abbrs.networkPrivateLinkServicesPrivateEndpoints
  }
  dependsOn: [
    storage
    keyVault
  ]
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    applicationInsightsName: applicationInsightsName
    appIdentityName: identityName
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
  dependsOn: [
    identity
    storage
    keyVault
    monitoring
  ]
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: planName
    location: location
    tags: tags
    serviceName: 'api'
    identityName: identityName
    storageAccountName: storageAccountName
    deploymentContainerName: storage.outputs.deploymentContainerName
    videosContainerName: storage.outputs.videosContainerName
    applicationInsightsName: applicationInsightsName
    soraApiKeyReferenceUri: keyVault.outputs.soraApiKeyReferenceUri
    soraWebhookSigningReferenceUri: keyVault.outputs.soraWebhookSigningReferenceUri
    soraWebhooksEnabled: !empty(soraWebhookSecret)
    instanceMemoryMB: functionAppInstanceMemoryMB
    maximumInstanceCount: functionAppMaximumInstanceCount
    durableAlwaysReadyInstanceCount: durableAlwaysReadyInstanceCount
    soraBaseUrl: soraBaseUrl
    soraAuthMode: soraAuthMode
    soraDefaultModel: soraDefaultModel
    soraDefaultSeconds: soraDefaultSeconds
    soraDefaultSize: soraDefaultSize
    soraRequestTimeoutSeconds: soraRequestTimeoutSeconds
    soraEntraScope: soraEntraScope
    provider: provider
    runwayApiKeyReferenceUri: keyVault.outputs.runwayApiKeyReferenceUri
    runwayBaseUrl: runwayBaseUrl
    runwayDefaultModel: runwayDefaultModel
    runwayDefaultSeconds: runwayDefaultSeconds
    runwayDefaultSize: runwayDefaultSize
    pipelineMinPollSeconds: pipelineMinPollSeconds
    pipelineMaxPollSeconds: pipelineMaxPollSeconds
    pipelineJobTimeoutMinutes: pipelineJobTimeoutMinutes
    pipelineSweepSeconds: pipelineSweepSeconds
    catalogTableName: catalogTableName
    limitsMaxRunningJobs: limitsMaxRunningJobs
    limitsCreatesPerMinute: limitsCreatesPerMinute
    limitsCallerDailyUsd: limitsCallerDailyUsd
    limitsDailyUsd: limitsDailyUsd
    authClientId: authClientId
    virtualNetworkSubnetId: vnetEnabled ? vnet!.outputs.appSubnetId : ''
  }
  // The app starts resolving Key Vault references and opening the task hub as soon as it
  // exists, so its roles come first.
  dependsOn: [
    identity
    monitoring
    rbac
    // With vnetEnabled the app resolves storage and Key Vault through the private zones from its first start.
    privateEndpoints
  ]
}

module eventGrid 'app/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: systemTopicName
    location: location
    tags: tags
    storageAccountName: storageAccountName
    videosContainerName: storage.outputs.videosContainerName
    deadLetterContainerName: deadLetterContainerName
    externalSubscriberWebhookUrl: externalSubscriberWebhookUrl
    externalSubscriberQueueName: externalSubscriberQueueName
  }
}

module diagnostics 'app/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: rg
  params: {
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    systemTopicName: systemTopicName
    functionAppName: functionAppName
  }
  dependsOn: [
    storage
    keyVault
    eventGrid
    api
  ]
}

// ---------------------------------------------------------------- outputs (azd stores them in .azure/{env}/.env)

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_HOSTNAME string = api.outputs.defaultHostName
output SERVICE_API_URI string = 'https://${api.outputs.defaultHostName}'
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output VIDEOS_CONTAINER_NAME string = storage.outputs.videosContainerName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output EVENTGRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name
output EVENTGRID_DEADLETTER_CONTAINER_NAME string = storage.outputs.deadLetterContainerName
output CATALOG_FUNCTION_NAME string = catalogFunctionName
output CATALOG_TABLE_NAME string = catalogTableName
output SORA_BASE_URL string = soraBaseUrl
output SORA_AUTH_MODE string = soraAuthMode
output SORA_API_KEY_SECRET_NAME string = soraApiKeySecretName
output VIDEO_PROVIDER string = provider
output RUNWAY_API_KEY_SECRET_NAME string = runwayApiKeySecretName
output VNET_ENABLED bool = vnetEnabled

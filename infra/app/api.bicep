// The SoraFunctions app on a Flex Consumption plan (Linux, dotnet-isolated 10.0), running as a
// user-assigned managed identity. Every connection is identity-based: no connection string or
// account key appears in the app settings, and the provider key is a Key Vault reference.
// The app-setting keys match local.settings.sample.json and SoraFunctions.Configuration.AppSettings
// (tests/SoraFunctions.Infra.Tests keeps the three in step).

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app.')
param tags object

@description('Service name azd deploys to this app (azure.yaml services.<name>).')
param serviceName string = 'api'

@description('Name of the user-assigned identity the app runs as.')
param identityName string

@description('Name of the storage account (task hub, videos and deployment package).')
param storageAccountName string

@description('Container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Container finished videos are written to (VideoStorage__Container).')
param videosContainerName string

@description('Name of the Application Insights resource.')
param applicationInsightsName string

@description('Version-less Key Vault secret URI of the provider API key.')
param soraApiKeyReferenceUri string

@description('Version-less Key Vault secret URI of the provider\'s webhook signing secret.')
param soraWebhookSigningReferenceUri string

@description('Version-less Key Vault secret URI of the Runway API secret.')
param runwayApiKeyReferenceUri string

@description('Whether the webhook signing secret exists (Sora__WebhookSecret references it); otherwise webhooks are off.')
param soraWebhooksEnabled bool = false

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Always-ready instances of the `durable` group (orchestrators, activities, entities). 0 lets the app scale to zero; 1 keeps a worker polling the task hub, which removes cold starts and most durable timer lateness, at the cost of a permanently billed instance.')
@minValue(0)
@maxValue(20)
param durableAlwaysReadyInstanceCount int = 0

@description('Sora__BaseUrl: base URL of the Videos API provider.')
param soraBaseUrl string

@description('Sora__AuthMode: Bearer or ApiKeyHeader send the Key Vault-held key; EntraId sends a token of the app identity for Sora__EntraScope.')
@allowed([
  'Bearer'
  'ApiKeyHeader'
  'EntraId'
])
param soraAuthMode string

@description('Sora__DefaultModel.')
param soraDefaultModel string

@description('Sora__DefaultSeconds (a string, as on the wire).')
param soraDefaultSeconds string

@description('Sora__DefaultSize (WxH).')
param soraDefaultSize string

@description('Sora__RequestTimeoutSeconds: timeout of one provider call.')
@minValue(1)
param soraRequestTimeoutSeconds int

@description('Sora__EntraScope: token scope used when Sora__AuthMode is EntraId.')
param soraEntraScope string

@description('Sora__MaxVideoBytes and Runway__MaxVideoBytes: the largest video a provider download may bring (a string: bytes; default 4 GiB).')
param maxVideoBytes string = '4294967296'

@description('Runway__BaseUrl: the Runway API host.')
param runwayBaseUrl string = 'https://api.dev.runwayml.com'

@description('Runway__ApiVersion: sent as X-Runway-Version on every call.')
param runwayApiVersion string = '2024-11-06'

@description('Runway__DefaultModel.')
param runwayDefaultModel string = 'gen4.5'

@description('Runway__DefaultSeconds (a string like the public API; sent to Runway as an integer duration).')
param runwayDefaultSeconds string = '5'

@description('Runway__DefaultSize (WxH; sent to Runway as the ratio W:H).')
param runwayDefaultSize string = '1280x720'

@description('Runway__RequestTimeoutSeconds: timeout of one Runway call.')
@minValue(1)
@maxValue(600)
param runwayRequestTimeoutSeconds int = 100

@description('Videos__MaxPromptLength.')
@minValue(1)
param videosMaxPromptLength int = 10000

@description('Videos__MaxRequestBytes.')
@minValue(1024)
param videosMaxRequestBytes int = 65536

@description('Pipeline__MinPollSeconds.')
@minValue(1)
param pipelineMinPollSeconds int

@description('Pipeline__MaxPollSeconds.')
@minValue(1)
param pipelineMaxPollSeconds int

@description('Pipeline__WebhookPollSeconds: the shortest wait between status checks when provider webhooks wake jobs (polling is then the safety net).')
@minValue(1)
param pipelineWebhookPollSeconds int = 60

@description('Pipeline__SweepSeconds: seconds between status sweeps (one read of the provider\'s video list wakes the jobs whose video ended); 0 turns the sweep off.')
@minValue(0)
@maxValue(3600)
param pipelineSweepSeconds int = 0

@description('Pipeline__SweepMaxVideos: the most videos one sweep reads from the provider\'s list (newest first, 100 a request).')
@minValue(100)
@maxValue(100000)
param pipelineSweepMaxVideos int = 1000

@description('Pipeline__JobTimeoutMinutes.')
@minValue(1)
param pipelineJobTimeoutMinutes int

@description('Pipeline__ChecksPerGeneration.')
@minValue(1)
param pipelineChecksPerGeneration int = 20

@description('Pipeline__CreateMaxAttempts.')
@minValue(1)
param pipelineCreateMaxAttempts int = 6

@description('Pipeline__StoreMaxAttempts.')
@minValue(1)
param pipelineStoreMaxAttempts int = 5

@description('Pipeline__UncertainCreate: Fail (never pay twice silently) or Retry, for providers that cannot look up an unanswered create.')
@allowed(['Fail', 'Retry'])
param pipelineUncertainCreate string = 'Fail'

@description('Pipeline__CreateOnSubmit: the submission sends the provider create itself when no Limits cap or pacing applies (the render starts at once).')
param pipelineCreateOnSubmit bool = true

@description('Pipeline__StoreOnNotice: a verified provider webhook (or the status sweep) stores a finished video where it noticed the end, then tells the job.')
param pipelineStoreOnNotice bool = true

@description('Pipeline__WatchInProcess: without webhooks or the sweep, the instance that sent a submission\'s create polls that video on its own timers and hands the job its end; the job\'s own checks become the 60 s safety net.')
param pipelineWatchInProcess bool = true

@description('Provider: the video provider the pipeline drives.')
@allowed(['Sora', 'Runway'])
param provider string = 'Sora'

@description('Limits__MaxRunningJobs: provider jobs in flight across every instance (0 = no cap).')
@minValue(0)
param limitsMaxRunningJobs int = 10

@description('Limits__CreatesPerMinute: provider creates per minute across every instance (0 = unpaced).')
@minValue(0)
param limitsCreatesPerMinute int = 20

@description('Limits__CallerDailyUsd: each caller\'s estimated spend per UTC day, in USD; empty = no caller budget.')
param limitsCallerDailyUsd string = ''

@description('Limits__DailyUsd: everyone\'s estimated spend per UTC day, in USD; empty = no overall budget.')
param limitsDailyUsd string = ''

@description('Limits__MaxBatchItems: the most items one batch may hold.')
@minValue(1)
@maxValue(1000)
param limitsMaxBatchItems int = 50

@description('Entra ID (Easy Auth) app registration client id; empty leaves the platform\'s authentication off and every caller is anonymous behind the function key.')
param authClientId string = ''

@description('VideoStorage__LinkMinutes: lifetime of the read-only links of GET /api/videos/{id}/content.')
@minValue(1)
@maxValue(1440)
param videoLinkMinutes int = 15

@description('Catalog__TableName: table of the video catalog consumer.')
param catalogTableName string

@description('Subnet (delegated to Microsoft.App/environments) the app sends its outbound traffic through; empty for none.')
param virtualNetworkSubnetId string = ''

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${appIdentity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (Sora__ApiKey, Runway__ApiKey) resolve with the user-assigned identity.
    keyVaultReferenceIdentity: appIdentity.id
    // With vnetEnabled: storage, Key Vault and the deployment package are reached through private endpoints.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: appIdentity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: durableAlwaysReadyInstanceCount > 0
          ? [
              {
                name: 'durable'
                instanceCount: durableAlwaysReadyInstanceCount
              }
            ]
          : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Flex Consumption ignores FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION (the runtime
// is functionAppConfig.runtime), so they are not set.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Durable engine storage (task hub): blobs, queues and tables through the app identity.
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: appIdentity.properties.clientId
    // Output storage: the videos container, the catalog table and the blob trigger's poison queue.
    VideoStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    VideoStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    VideoStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    VideoStorage__credential: 'managedidentity'
    VideoStorage__clientId: appIdentity.properties.clientId
    VideoStorage__Container: videosContainerName
    VideoStorage__LinkMinutes: string(videoLinkMinutes)
    // Telemetry with Entra ID authentication (the component has local auth disabled).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${appIdentity.properties.clientId};Authorization=AAD'
    // Video provider.
    Provider: provider
    Sora__BaseUrl: soraBaseUrl
    // A Key Vault reference, resolved by the platform with keyVaultReferenceIdentity; not used with EntraId.
    Sora__ApiKey: soraAuthMode == 'EntraId' ? '' : '@Microsoft.KeyVault(SecretUri=${soraApiKeyReferenceUri})'
    Sora__AuthMode: soraAuthMode
    // Provider webhooks (POST /api/webhooks/sora) are verified with this secret; empty turns them off.
    Sora__WebhookSecret: soraWebhooksEnabled ? '@Microsoft.KeyVault(SecretUri=${soraWebhookSigningReferenceUri})' : ''
    Sora__DefaultModel: soraDefaultModel
    Sora__DefaultSeconds: soraDefaultSeconds
    Sora__DefaultSize: soraDefaultSize
    Sora__RequestTimeoutSeconds: string(soraRequestTimeoutSeconds)
    Sora__EntraScope: soraEntraScope
    Sora__MaxVideoBytes: maxVideoBytes
    Sora__ManagedIdentityClientId: appIdentity.properties.clientId
    // Runway (used when Provider is Runway); the secret is a Key Vault reference like Sora__ApiKey.
    Runway__BaseUrl: runwayBaseUrl
    Runway__ApiKey: '@Microsoft.KeyVault(SecretUri=${runwayApiKeyReferenceUri})'
    Runway__ApiVersion: runwayApiVersion
    Runway__DefaultModel: runwayDefaultModel
    Runway__DefaultSeconds: runwayDefaultSeconds
    Runway__DefaultSize: runwayDefaultSize
    Runway__RequestTimeoutSeconds: string(runwayRequestTimeoutSeconds)
    Runway__MaxVideoBytes: maxVideoBytes
    // HTTP API limits.
    Videos__MaxPromptLength: string(videosMaxPromptLength)
    Videos__MaxRequestBytes: string(videosMaxRequestBytes)
    Videos__MaxImageBytes: '10485760'
    // Orchestration pacing and bounds.
    Pipeline__MinPollSeconds: string(pipelineMinPollSeconds)
    Pipeline__MaxPollSeconds: string(pipelineMaxPollSeconds)
    Pipeline__WebhookPollSeconds: string(pipelineWebhookPollSeconds)
    Pipeline__SweepSeconds: string(pipelineSweepSeconds)
    Pipeline__SweepMaxVideos: string(pipelineSweepMaxVideos)
    Pipeline__JobTimeoutMinutes: string(pipelineJobTimeoutMinutes)
    Pipeline__ChecksPerGeneration: string(pipelineChecksPerGeneration)
    Pipeline__CreateMaxAttempts: string(pipelineCreateMaxAttempts)
    Pipeline__StoreMaxAttempts: string(pipelineStoreMaxAttempts)
    Pipeline__UncertainCreate: pipelineUncertainCreate
    Pipeline__CreateOnSubmit: string(pipelineCreateOnSubmit)
    Pipeline__StoreOnNotice: string(pipelineStoreOnNotice)
    Pipeline__WatchInProcess: string(pipelineWatchInProcess)
    // Reference consumer.
    Catalog__TableName: catalogTableName
    // Brakes: a cluster-wide cap and create rate, daily budgets (empty = off), batch size.
    Limits__MaxRunningJobs: string(limitsMaxRunningJobs)
    Limits__CreatesPerMinute: string(limitsCreatesPerMinute)
    Limits__CallerDailyUsd: limitsCallerDailyUsd
    Limits__DailyUsd: limitsDailyUsd
    Limits__MaxBatchItems: string(limitsMaxBatchItems)
    Limits__TableName: 'sorolimits'
    // Jobs terminated or crashed are settled by the ReconcileEndedJobs timer (every five minutes; 0 = off): slot
    // freed at once, charge refunded 10 minutes after the end when no create was sent.
    Limits__ReconcileSeconds: '300'
    Limits__RefundGraceSeconds: '600'
    // Callers come from Easy Auth's headers, trusted only where the platform's authentication is on
    // (WEBSITE_AUTH_ENABLED); never from headers a client sets.
    Callers__TrustPrincipalHeaders: 'false'
    // The extension's management URLs carry its system key: never handed to clients here.
    Videos__DurableManagementUrls: 'false'
  }
}

// Optional sign-in: App Service authentication with Microsoft Entra ID. Signed-in callers own their jobs;
// the webhook route stays reachable without sign-in (it checks the provider's signature itself).
resource authSettings 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(authClientId)) {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/api/webhooks'
      ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${authClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

// Deployments use Entra ID (azd, az functionapp deployment); basic publishing credentials are off.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

output id string = functionApp.id
output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output planName string = plan.name

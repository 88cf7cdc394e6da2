// One StorageV2 account for everything the app stores:
// - the durable engine's task hub (AzureWebJobsStorage): its control and work-item queues,
//   history and instance tables and lease blobs are created at start-up by the Functions
//   runtime through the app's managed identity (queue and table data roles in app/rbac.bicep),
//   so they are not declared here;
// - the finished videos (VideoStorage, container `videos`) and the video catalog table, which
//   the catalog consumer also creates on first use;
// - the Flex Consumption deployment package container;
// - the Event Grid dead-letter container and, optionally, the queue an external subscriber reads.
// Shared-key access and anonymous blob access are off: every caller authenticates with Entra ID.

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the account.')
param location string

@description('Tags applied to the account.')
param tags object

@description('Replication of the account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_LRS'

@description('Container the finished videos are written to.')
param videosContainerName string

@description('Container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Container Event Grid writes undeliverable events to.')
param deadLetterContainerName string

@description('Queue created for an external Event Grid subscriber; empty for none.')
param subscriberQueueName string = ''

@description('Days deleted blobs and containers stay recoverable.')
@minValue(1)
@maxValue(365)
param deleteRetentionDays int = 7

@description('Public network access off: blob, queue and table are reached only through their private endpoints (app/private-endpoints.bicep).')
param privateNetworkOnly bool = false

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: privateNetworkOnly ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworkOnly ? 'Deny' : 'Allow'
      // Event Grid reads the account's events and writes dead letters as a trusted service.
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-06-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: deleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: deleteRetentionDays
    }
  }
}

resource videosContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = {
  parent: blobService
  name: videosContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

// ARM validates the names of conditional resources too, so an unused queue gets a placeholder name.
var createSubscriberQueue = !empty(subscriberQueueName)

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-06-01' = if (createSubscriberQueue) {
  parent: storage
  name: 'default'
}

resource subscriberQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = if (createSubscriberQueue) {
  parent: queueService
  name: createSubscriberQueue ? subscriberQueueName : 'unused'
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output videosContainerName string = videosContainer.name
output deploymentContainerName string = deploymentContainer.name
output deadLetterContainerName string = deadLetterContainer.name

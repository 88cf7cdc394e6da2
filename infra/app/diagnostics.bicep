// Diagnostic settings: the logs and metrics of the storage account's blob, queue and table services (every
// read, write and delete of videos, task hub and catalog), of Key Vault (every secret access: AuditEvent), of
// the Event Grid system topic (delivery failures) and of the Function App (FunctionAppLogs) go to the Log
// Analytics workspace of app/monitoring.bicep, where a security review or an incident can query them.

@description('Resource id of the Log Analytics workspace.')
param logAnalyticsWorkspaceId string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the Event Grid system topic.')
param systemTopicName string

@description('Name of the function app.')
param functionAppName string

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }

  resource tableService 'tableServices' existing = {
    name: 'default'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

var settingName = 'to-log-analytics'

// Every log category (the allLogs group) and every metric.
var allLogs = [
  {
    categoryGroup: 'allLogs'
    enabled: true
  }
]

// Storage services report their metrics as Transaction.
var storageMetrics = [
  {
    category: 'Transaction'
    enabled: true
  }
]

var allMetrics = [
  {
    category: 'AllMetrics'
    enabled: true
  }
]

// 2021-05-01-preview is the newest version of this extension resource and the first with categoryGroup; the
// only newer-dated "acceptable" version the linter offers (2016-09-01) is a different, obsolete schema.
#disable-next-line use-recent-api-versions
resource storageAccountDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: storage
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    metrics: storageMetrics
  }
}

#disable-next-line use-recent-api-versions
resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: storage::blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: allLogs
    metrics: storageMetrics
  }
}

#disable-next-line use-recent-api-versions
resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: storage::queueService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: allLogs
    metrics: storageMetrics
  }
}

#disable-next-line use-recent-api-versions
resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: storage::tableService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: allLogs
    metrics: storageMetrics
  }
}

#disable-next-line use-recent-api-versions
resource keyVaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: allLogs
    metrics: allMetrics
  }
}

#disable-next-line use-recent-api-versions
resource systemTopicDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: systemTopic
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: allLogs
    metrics: allMetrics
  }
}

#disable-next-line use-recent-api-versions
resource functionAppDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: functionApp
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: allLogs
    metrics: allMetrics
  }
}

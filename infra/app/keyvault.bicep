// Key Vault in RBAC mode holding the video providers' API keys. The function app reads them through
// Key Vault references (Sora__ApiKey, Runway__ApiKey) resolved with its user-assigned identity, which holds
// Key Vault Secrets User on this vault only (app/rbac.bicep).

@description('Name of the vault (3-24 letters, digits and hyphens).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags applied to the vault.')
param tags object

@description('Name of the secret that holds the provider API key.')
param soraApiKeySecretName string

@description('The provider API key. The secret is created (or updated) only when this is not empty; otherwise set it later with `az keyvault secret set`.')
@secure()
param soraApiKey string = ''

@description('Name of the secret that holds the provider\'s webhook signing secret.')
param soraWebhookSecretName string

@description('The provider\'s webhook signing secret (whsec_...). The secret is created only when this is not empty.')
@secure()
param soraWebhookSecret string = ''

@description('Name of the secret that holds the Runway API secret.')
param runwayApiKeySecretName string

@description('The Runway API secret. The secret is created (or updated) only when this is not empty; otherwise set it later with `az keyvault secret set`.')
@secure()
param runwayApiKey string = ''

@description('Days a deleted vault or secret stays recoverable (soft delete is always on).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 7

@description('Purge protection: a deleted vault and its secrets cannot be purged before the retention period ends, not even by an owner. Irreversible once on.')
param enablePurgeProtection bool = true

@description('Public network access off: the vault is reached only through its private endpoint (app/private-endpoints.bicep).')
param privateNetworkOnly bool = false

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Key Vault refuses false once purge protection is on, so off is "not set" (null), never false.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: privateNetworkOnly ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworkOnly ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource soraApiKeySecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!empty(soraApiKey)) {
  parent: vault
  name: soraApiKeySecretName
  properties: {
    value: soraApiKey
    contentType: 'text/plain'
  }
}

resource soraWebhookSecretSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!empty(soraWebhookSecret)) {
  parent: vault
  name: soraWebhookSecretName
  properties: {
    value: soraWebhookSecret
    contentType: 'text/plain'
  }
}

resource runwayApiKeySecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!empty(runwayApiKey)) {
  parent: vault
  name: runwayApiKeySecretName
  properties: {
    value: runwayApiKey
    contentType: 'text/plain'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
// Version-less, so that a rotated key is picked up without a redeployment.
output soraApiKeyReferenceUri string = '${vault.properties.vaultUri}secrets/${soraApiKeySecretName}'
output soraWebhookSigningReferenceUri string = '${vault.properties.vaultUri}secrets/${soraWebhookSecretName}'
output runwayApiKeyReferenceUri string = '${vault.properties.vaultUri}secrets/${runwayApiKeySecretName}'

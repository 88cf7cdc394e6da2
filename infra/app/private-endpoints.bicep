// Private endpoints of the storage account (blob, queue, table: the videos, the task hub and the catalog) and
// of Key Vault in the private-endpoint subnet, each with its private DNS zone linked to the virtual network,
// so that the app resolves the public host names to private addresses. Deployed only with `vnetEnabled`,
// which also turns public network access off on the account and the vault.

@description('Azure region of the endpoints.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the virtual network.')
param vnetName string

@description('Subnet the private endpoints live in.')
param subnetId string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Prefix of the endpoints\' names.')
param namePrefix string

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' existing = {
  name: vnetName
}

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

// groupId: the private-link sub-resource; zone: its private DNS zone.
var storageEndpoints = [
  {
    groupId: 'blob'
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    groupId: 'queue'
    zone: 'privatelink.queue.${environment().suffixes.storage}'
  }
  {
    groupId: 'table'
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
]

// Key Vault's private-link zone is vaultcore, not vault (environment().suffixes.keyvaultDns is the public one).
var keyVaultZone = 'privatelink.vaultcore.azure.net'

resource storageZones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for endpoint in storageEndpoints: {
    name: endpoint.zone
    location: 'global'
    tags: tags
  }
]

resource storageZoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (endpoint, i) in storageEndpoints: {
    parent: storageZones[i]
    name: '${vnetName}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

resource storagePrivateEndpoints 'Microsoft.Network/privateEndpoints@2026-03-01' = [
  for (endpoint, i) in storageEndpoints: {
    name: '${namePrefix}${storage.name}-${endpoint.groupId}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: subnetId
      }
      privateLinkServiceConnections: [
        {
          name: '${storage.name}-${endpoint.groupId}'
          properties: {
            privateLinkServiceId: storage.id
            groupIds: [
              endpoint.groupId
            ]
          }
        }
      ]
    }
  }
]

resource storageZoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2026-03-01' = [
  for (endpoint, i) in storageEndpoints: {
    parent: storagePrivateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: endpoint.groupId
          properties: {
            privateDnsZoneId: storageZones[i].id
          }
        }
      ]
    }
  }
]

resource keyVaultZoneResource 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: keyVaultZone
  location: 'global'
  tags: tags
}

resource keyVaultZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: keyVaultZoneResource
  name: '${vnetName}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

resource keyVaultPrivateEndpoint 'Microsoft.Network/privateEndpoints@2026-03-01' = {
  name: '${namePrefix}${vault.name}-vault'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: '${vault.name}-vault'
        properties: {
          privateLinkServiceId: vault.id
          groupIds: [
            'vault'
          ]
        }
      }
    ]
  }
}

resource keyVaultZoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2026-03-01' = {
  parent: keyVaultPrivateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'vault'
        properties: {
          privateDnsZoneId: keyVaultZoneResource.id
        }
      }
    ]
  }
}

output storageZoneLinkIds array = [for i in range(0, length(storageEndpoints)): storageZoneLinks[i].id]
output keyVaultZoneLinkId string = keyVaultZoneLink.id

// The user-assigned managed identity the function app uses for every data-plane call:
// storage (task hub and videos), Key Vault references, Application Insights, and Entra ID
// tokens for the video provider when Sora__AuthMode is EntraId.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId

// The optional virtual network (main.bicep `vnetEnabled`): one subnet for the Flex Consumption app's
// outbound VNet integration (delegated to Microsoft.App/environments, as Flex Consumption requires) and one
// for the private endpoints of storage and Key Vault (app/private-endpoints.bicep).

@description('Name of the virtual network.')
param name string

@description('Azure region: must be the function app\'s region.')
param location string

@description('Tags applied to the network.')
param tags object

@description('Address space of the network.')
param addressPrefix string = '10.0.0.0/16'

@description('Subnet the function app integrates with (delegated to Microsoft.App/environments; /27 or larger).')
param appSubnetPrefix string = '10.0.1.0/24'

@description('Subnet the private endpoints live in.')
param privateEndpointSubnetPrefix string = '10.0.2.0/24'

var appSubnetName = 'app'
var privateEndpointSubnetName = 'private-endpoints'

resource vnet 'Microsoft.Network/virtualNetworks@2026-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    // Subnets are declared inline, not as child resources: a redeployment would otherwise try to delete them.
    subnets: [
      {
        name: appSubnetName
        properties: {
          addressPrefix: appSubnetPrefix
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: appSubnetName
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: privateEndpointSubnetName
  }
}

output id string = vnet.id
output name string = vnet.name
output appSubnetId string = vnet::appSubnet.id
output privateEndpointSubnetId string = vnet::privateEndpointSubnet.id

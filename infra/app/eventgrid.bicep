// The Event Grid system topic on the storage account, and the optional external subscriber.
// Every subscription of this project uses the Event Grid event schema (EventGridSchema) and the
// same filter: Microsoft.Storage.BlobCreated, subject beginning with
// /blobServices/default/containers/{videos}/ and ending with .mp4. The subscription for the
// app's own reference consumer (the CatalogVideo blob trigger) is created after the code is
// deployed, by app/eventgrid-subscription.bicep, because its webhook key exists only then.
//
// The topic has a system-assigned identity, used to dead-letter undeliverable events into a
// blob container and to deliver to the external subscriber's storage queue without keys.

@description('Name of the system topic.')
param name string

@description('Azure region: must be the storage account\'s region.')
param location string

@description('Tags applied to the topic.')
param tags object

@description('Name of the storage account whose events the topic publishes.')
param storageAccountName string

@description('Container finished videos are written to.')
param videosContainerName string

@description('Container undeliverable events are written to.')
param deadLetterContainerName string

@description('HTTPS webhook of an external subscriber (Event Grid validates it when the subscription is created); empty for none.')
@secure()
param externalSubscriberWebhookUrl string = ''

@description('Storage queue (in the same account, created by app/storage.bicep) an external subscriber reads; empty for none.')
param externalSubscriberQueueName string = ''

// Lets the topic identity write dead-lettered events.
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
// Lets the topic identity deliver events to the subscriber queue.
var storageQueueDataMessageSenderRoleId = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'

var deliverToQueue = !empty(externalSubscriberQueueName)
var deliverToWebhook = !empty(externalSubscriberWebhookUrl)

var videoCreatedFilter = {
  includedEventTypes: [
    'Microsoft.Storage.BlobCreated'
  ]
  subjectBeginsWith: '/blobServices/default/containers/${videosContainerName}/'
  subjectEndsWith: '.mp4'
  // Only the writes that make a video: PutBlob (a single-shot upload), PutBlockList (the app's commit of
  // staged blocks), CopyBlob (a copy into the container); not, for
  // example, the Data Lake API's FlushWithClose, which also raises BlobCreated.
  advancedFilters: [
    {
      operatorType: 'StringIn'
      key: 'data.api'
      values: [
        'PutBlob'
        'PutBlockList'
        'CopyBlob'
      ]
    }
  ]
}

var retryPolicy = {
  maxDeliveryAttempts: 30
  eventTimeToLiveInMinutes: 1440
}

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetterContainer 'containers' existing = {
      name: deadLetterContainerName
    }
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    // A placeholder name when there is no queue: ARM validates names of unused conditional resources too.
    resource subscriberQueue 'queues' existing = {
      name: deliverToQueue ? externalSubscriberQueueName : 'unused'
    }
  }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource topicDeadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage::blobService::deadLetterContainer
  name: guid(storage::blobService::deadLetterContainer.id, systemTopic.id, storageBlobDataContributorRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      storageBlobDataContributorRoleId
    )
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource topicQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deliverToQueue) {
  scope: storage::queueService::subscriberQueue
  name: guid(storage::queueService::subscriberQueue.id, systemTopic.id, storageQueueDataMessageSenderRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      storageQueueDataMessageSenderRoleId
    )
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource externalWebhookSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deliverToWebhook) {
  parent: systemTopic
  name: 'external-webhook-video-created'
  dependsOn: [
    topicDeadLetterWriter
  ]
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    filter: videoCreatedFilter
    retryPolicy: retryPolicy
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: externalSubscriberWebhookUrl
      }
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

resource externalQueueSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deliverToQueue) {
  parent: systemTopic
  name: 'external-queue-video-created'
  dependsOn: [
    topicQueueSender
    topicDeadLetterWriter
  ]
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    filter: videoCreatedFilter
    retryPolicy: retryPolicy
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: storage.id
          queueName: externalSubscriberQueueName
          // -1: messages never expire; the subscriber decides when an event is handled.
          queueMessageTimeToLiveInSeconds: -1
        }
      }
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output name string = systemTopic.name
output id string = systemTopic.id
output principalId string = systemTopic.identity.principalId

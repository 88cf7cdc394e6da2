// Post-deployment: subscribes the app's reference consumer, the Event Grid-sourced blob trigger
// `CatalogVideo`, to the storage account's system topic. Its endpoint is the blob extension's
// webhook, authorised by the `blobs_extension` system key, which the Functions host creates only
// once code with such a trigger is deployed and running: this template therefore runs after
// `azd deploy` (azure.yaml postdeploy hook, infra/scripts/postdeploy.*), not with main.bicep.
// Event Grid validates the webhook while creating the subscription, so the function must exist.
//
// Without azd (resource group scope; names from the main deployment's outputs):
//   az deployment group create \
//     --resource-group <AZURE_RESOURCE_GROUP> \
//     --name catalog-eventgrid-subscription \
//     --template-file infra/app/eventgrid-subscription.bicep \
//     --parameters functionAppName=<AZURE_FUNCTION_APP_NAME> \
//                  systemTopicName=<EVENTGRID_SYSTEM_TOPIC_NAME> \
//                  storageAccountName=<AZURE_STORAGE_ACCOUNT_NAME> \
//                  videosContainerName=<VIDEOS_CONTAINER_NAME> \
//                  deadLetterContainerName=<EVENTGRID_DEADLETTER_CONTAINER_NAME>
// Re-running it is safe: the subscription is updated in place.

@description('Name of the function app that hosts the consumer.')
param functionAppName string

@description('Name of the Event Grid system topic on the storage account (main.bicep output EVENTGRID_SYSTEM_TOPIC_NAME).')
param systemTopicName string

@description('Name of the storage account (dead-letter destination).')
param storageAccountName string

@description('Container finished videos are written to.')
param videosContainerName string = 'videos'

@description('Container undeliverable events are written to.')
param deadLetterContainerName string = 'eventgrid-deadletter'

@description('Name of the blob-triggered function ([Function("...")]).')
param functionName string = 'CatalogVideo'

@description('Name of the event subscription.')
param subscriptionName string = 'catalog-video-created'

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource catalogSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: subscriptionName
  properties: {
    // The blob extension's webhook accepts the Event Grid event schema.
    eventDeliverySchema: 'EventGridSchema'
    filter: {
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
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${listKeys('${functionApp.id}/host/default', '2025-03-01').systemKeys.blobs_extension}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
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

output subscriptionName string = catalogSubscription.name
